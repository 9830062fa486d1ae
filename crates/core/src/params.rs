//! Scoring parameters. The trainer tunes them on held-out training data and
//! stores them in the model's `PARM` section, so the browser scores exactly
//! as the evaluation measured.

use crate::error::ParamError;
use crate::guard::{ensure, ParamGuard, Valid};

/// Unchecked scoring parameters, in the order they are stored in `PARM`.
/// Use [`ParamGuard::check`] to obtain [`ValidParams`], the only form the
/// scorer accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoringParams {
    /// Half-life, in positions, of an event's weight as later events arrive.
    /// `f32::INFINITY` weighs the whole session equally.
    pub half_life: f32,
    /// Weight of the co-occurrence ("bought together") channel.
    pub w_co: f32,
    /// Weight of the sequential ("added after") channel.
    pub w_seq: f32,
    /// Weight of the popularity prior (log-popularity in `0..=1`).
    pub w_pop: f32,
    /// Weight for re-recommending items already in the session. `0` removes
    /// them (grocery baskets); click streams learn a positive value.
    pub w_repeat: f32,
    /// Weight of the category affinity (share of session items in the
    /// candidate's category).
    pub w_category: f32,
    /// Multiplier of an `add_to_cart` event relative to a view.
    pub w_cart_event: f32,
    /// Weight of the on-device purchase history ("buy again").
    pub w_history: f32,
    /// Weight of earlier baskets as context ("personal complements").
    pub w_history_context: f32,
    /// Exponent on the number of context items linking to a candidate: above
    /// zero it favours items that go with several items of the basket at
    /// once (the same shopper's usual basket) over items linked to one.
    pub support_exponent: f32,
    /// Default DPP quality/diversity trade-off θ for slates (1 = relevance
    /// order), chosen by the trainer on validation data.
    pub dpp_theta: f32,
}

impl Default for ScoringParams {
    fn default() -> Self {
        Self {
            half_life: 4.0,
            w_co: 1.0,
            w_seq: 0.5,
            w_pop: 0.05,
            w_repeat: 0.0,
            w_category: 0.05,
            w_cart_event: 2.0,
            w_history: 0.5,
            w_history_context: 0.1,
            support_exponent: 0.0,
            dpp_theta: crate::slate::dpp::DEFAULT_THETA,
        }
    }
}

/// Parameters that passed [`ParamGuard::check`].
pub type ValidParams = Valid<ScoringParams>;

impl ParamGuard for ScoringParams {
    /// Validates the ranges: every weight finite and non-negative, the
    /// half-life positive (infinity allowed).
    fn validate(&self) -> Result<(), ParamError> {
        let weights = [
            ("w_co", self.w_co),
            ("w_seq", self.w_seq),
            ("w_pop", self.w_pop),
            ("w_repeat", self.w_repeat),
            ("w_category", self.w_category),
            ("w_cart_event", self.w_cart_event),
            ("w_history", self.w_history),
            ("w_history_context", self.w_history_context),
            ("support_exponent", self.support_exponent),
        ];
        for (name, v) in weights {
            ensure(
                v.is_finite() && v >= 0.0,
                name,
                f64::from(v),
                "finite and >= 0",
            )?;
        }
        ensure(
            (0.0..=1.0).contains(&self.dpp_theta),
            "dpp_theta",
            f64::from(self.dpp_theta),
            "0 <= x <= 1",
        )?;
        ensure(
            !(self.half_life.is_nan() || self.half_life <= 0.0),
            "half_life",
            f64::from(self.half_life),
            "> 0 (infinity allowed)",
        )
    }
}

impl ScoringParams {
    /// Number of `f32` values in the stored form.
    pub const COUNT: usize = 11;

    /// The stored form.
    pub fn to_array(&self) -> [f32; Self::COUNT] {
        [
            self.half_life,
            self.w_co,
            self.w_seq,
            self.w_pop,
            self.w_repeat,
            self.w_category,
            self.w_cart_event,
            self.w_history,
            self.w_history_context,
            self.support_exponent,
            self.dpp_theta,
        ]
    }

    /// Reads the stored form; values missing at the end (an older writer)
    /// take their defaults, extra values (a newer writer) are ignored.
    pub fn from_slice(v: &[f32]) -> Self {
        let mut a = Self::default().to_array();
        for (dst, src) in a.iter_mut().zip(v) {
            *dst = *src;
        }
        Self {
            half_life: a[0],
            w_co: a[1],
            w_seq: a[2],
            w_pop: a[3],
            w_repeat: a[4],
            w_category: a[5],
            w_cart_event: a[6],
            w_history: a[7],
            w_history_context: a[8],
            support_exponent: a[9],
            dpp_theta: a[10],
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests (proptest)
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let p = ScoringParams::default();
        assert!(p.check().is_ok());
        assert_eq!(ScoringParams::from_slice(&p.to_array()), p);
    }

    #[test]
    fn short_and_long_slices_are_tolerated() {
        let p = ScoringParams::from_slice(&[8.0]);
        assert_eq!(p.half_life, 8.0);
        assert_eq!(p.w_co, ScoringParams::default().w_co);
        let mut long = p.to_array().to_vec();
        long.extend([1.0, 2.0, 3.0]);
        assert_eq!(ScoringParams::from_slice(&long), p);
    }

    #[test]
    fn bad_values_are_named() {
        let p = ScoringParams {
            w_pop: -1.0,
            ..Default::default()
        };
        let e = p.check().unwrap_err().to_string();
        assert!(e.contains("w_pop"), "{e}");
        let p = ScoringParams {
            half_life: 0.0,
            ..Default::default()
        };
        assert!(p.check().unwrap_err().to_string().contains("half_life"));
        let p = ScoringParams {
            w_co: f32::NAN,
            ..Default::default()
        };
        assert!(p.check().is_err());
        let p = ScoringParams {
            half_life: f32::INFINITY,
            ..Default::default()
        };
        assert!(p.check().is_ok());
    }
}
