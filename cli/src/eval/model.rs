//! The xsell model itself as a predictor: the real file bytes parsed by the
//! same core the browser runs.

use super::{Predictor, Worker};
use xsell::{Event, Model, Recommender, Request, ValidParams};

/// Scores with a serialized model.
pub struct XsellPredictor {
    /// The model file bytes.
    pub bytes: Vec<u8>,
    /// Parameters to use instead of the model's own (tuning).
    pub params: Option<ValidParams>,
    /// Display name.
    pub label: String,
}

impl XsellPredictor {
    /// Wraps model bytes (validated here, so workers can't fail).
    pub fn new(bytes: Vec<u8>, label: impl Into<String>) -> Result<Self, xsell::ModelError> {
        Model::parse(&bytes)?;
        Ok(Self {
            bytes,
            params: None,
            label: label.into(),
        })
    }
}

impl Predictor for XsellPredictor {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn worker(&self) -> Worker<'_> {
        let model = Model::parse(&self.bytes).expect("validated in new()");
        let mut rec = match self.params {
            Some(p) => Recommender::with_params(model, p),
            None => Recommender::new(model),
        };
        Box::new(move |q, k| {
            let events: Vec<Event> = q
                .prefix
                .iter()
                .zip(q.kinds)
                .map(|(&item, &kind)| Event { item, kind })
                .collect();
            let req = Request {
                events: &events,
                history: q.history,
                count: k,
                ..Default::default()
            };
            rec.recommend(&req)
                .into_iter()
                .map(|r| (r.item, r.score))
                .collect()
        })
    }
}
