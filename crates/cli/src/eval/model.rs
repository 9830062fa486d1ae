//! The xsell model itself as a predictor: the real file bytes parsed by the
//! same core the browser runs, optionally followed by the DPP slate step.

use super::{Predictor, Worker};
use xsell_core::slate::dpp::{self, Candidates, ValidDpp};
use xsell_core::{Event, Model, Recommender, Request, ValidParams};

/// Scores with a serialized model.
pub struct XsellPredictor {
    /// The model file bytes.
    pub bytes: Vec<u8>,
    /// Parameters to use instead of the model's own (tuning).
    pub params: Option<ValidParams>,
    /// Display name.
    pub label: String,
    /// Diversify the top 100 with this DPP into the returned list.
    pub dpp: Option<ValidDpp>,
}

impl XsellPredictor {
    /// Wraps model bytes (validated here, so workers can't fail).
    pub fn new(bytes: Vec<u8>, label: impl Into<String>) -> Result<Self, xsell_core::ModelError> {
        Model::parse(&bytes)?;
        Ok(Self {
            bytes,
            params: None,
            label: label.into(),
            dpp: None,
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
            Some(p) => Recommender::with_params(model.clone(), p),
            None => Recommender::new(model.clone()),
        };
        let dpp = self.dpp;
        Box::new(move |q, k| {
            let events: Vec<Event> = q
                .prefix
                .iter()
                .zip(q.kinds)
                .map(|(&item, &kind)| Event { item, kind })
                .collect();
            let count = if dpp.is_some() { k.max(100) } else { k };
            let ranked = rec.recommend(&Request {
                events: &events,
                history: q.history,
                count,
                ..Default::default()
            });
            let Some(params) = &dpp else {
                return ranked.into_iter().map(|r| (r.item, r.score)).collect();
            };
            let mut vectors = Vec::with_capacity(ranked.len() * model.vector_dim());
            for r in &ranked {
                model.push_unit_vector(r.item, &mut vectors);
            }
            let relevance: Vec<f32> = ranked.iter().map(|r| r.score).collect();
            let picks = dpp::select(
                &Candidates {
                    relevance: &relevance,
                    vectors: &vectors,
                    dim: model.vector_dim(),
                },
                k,
                params,
            );
            picks
                .into_iter()
                .map(|j| (ranked[j].item, ranked[j].score))
                .collect()
        })
    }
}
