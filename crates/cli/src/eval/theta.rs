//! The DPP slate's accuracy/diversity trade-off: the curve over θ, and the
//! rule that picks the default θ from a validation curve.

use super::{evaluate, EvalSet, Metrics, XsellPredictor};
use xsell_core::slate::dpp::DppParams;
use xsell_core::ParamGuard;

/// θ values of the curve, from the relevance order (1) down.
pub const THETAS: [f32; 8] = [1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5];

/// The default θ may cost at most this share of MRR@20.
pub const THETA_MRR_TOLERANCE: f64 = 0.03;

/// One point of the curve.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ThetaPoint {
    /// The DPP's θ.
    pub theta: f32,
    /// The slate's metrics at that θ.
    pub metrics: Metrics,
}

/// The chosen θ and the validation curve it was chosen on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThetaChoice {
    /// The most diversifying θ within the tolerance.
    pub theta: f32,
    /// Share of MRR@20 that θ was allowed to cost.
    pub tolerance: f64,
    /// The curve, in [`THETAS`] order.
    pub curve: Vec<ThetaPoint>,
}

/// xsell's model followed by the DPP slate step at `theta`.
pub fn dpp_predictor(bytes: &[u8], theta: f32) -> Result<XsellPredictor, xsell_core::Error> {
    let mut p = XsellPredictor::new(bytes.to_vec(), format!("xsell slate (DPP θ={theta})"))?;
    p.dpp = Some(
        DppParams {
            theta,
            ..Default::default()
        }
        .check()?,
    );
    Ok(p)
}

/// The slate's metrics at every θ of [`THETAS`].
pub fn theta_curve(bytes: &[u8], set: &EvalSet<'_>) -> Result<Vec<ThetaPoint>, xsell_core::Error> {
    THETAS
        .iter()
        .map(|&theta| {
            Ok(ThetaPoint {
                theta,
                metrics: evaluate(&dpp_predictor(bytes, theta)?, set, false).metrics,
            })
        })
        .collect()
}

/// Picks the smallest θ whose MRR@20 stays within `tolerance` of the
/// undiversified list (θ = 1; 1 itself when the curve lacks it).
pub fn choose_theta(curve: Vec<ThetaPoint>, tolerance: f64) -> ThetaChoice {
    let theta = match curve.iter().find(|p| p.theta == 1.0) {
        None => 1.0,
        Some(base) => {
            let floor = base.metrics.mrr20 * (1.0 - tolerance);
            curve
                .iter()
                .filter(|p| p.metrics.mrr20 >= floor)
                .map(|p| p.theta)
                .fold(1.0f32, f32::min)
        }
    };
    ThetaChoice {
        theta,
        tolerance,
        curve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(theta: f32, mrr20: f64) -> ThetaPoint {
        ThetaPoint {
            theta,
            metrics: Metrics {
                mrr20,
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_most_diversifying_theta_within_tolerance_wins() {
        let curve = vec![
            point(1.0, 0.100),
            point(0.9, 0.099),
            point(0.8, 0.0975),
            point(0.7, 0.0969),
            point(0.6, 0.098),
        ];
        // Floor 0.097: 0.7 falls below it, 0.6 (non-monotone curve) does not.
        assert_eq!(choose_theta(curve.clone(), 0.03).theta, 0.6);
        assert_eq!(choose_theta(curve.clone(), 0.0).theta, 1.0);
        assert_eq!(choose_theta(curve, 0.011).theta, 0.9);
    }
}
