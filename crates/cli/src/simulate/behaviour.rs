//! The simulated shopper's behaviour: a position-based click model over the
//! cards the real slate shows, with attraction by what the shopper wants.
//! Every parameter is stated with where its value comes from in
//! `docs/simulator.md`; `--set KEY=VALUE` changes any of them.

use serde::{Deserialize, Serialize};
use xsell_core::{ParamError, ParamGuard};

/// What a card is to the shopper who sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// In the shopper's *next* real order (latent demand): accepting it
    /// adds to this order's value.
    Demand,
    /// In the basket the shopper is filling anyway: clicks and adds count,
    /// but the item would have been bought without the widget.
    Basket,
    /// Neither.
    Other,
}

/// The behaviour model's parameters (snake_case names for `--set`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Cards visible without scrolling the carousel.
    pub visible: usize,
    /// Chance of scrolling the carousel to see the rest of the cards.
    pub scroll: f64,
    /// Chance of examining the first card (γ₁ of the position-based model).
    pub examine_first: f64,
    /// Decay of examination with position: γ_r = γ₁ · r^(−η).
    pub examine_decay: f64,
    /// Chance of clicking an examined card the shopper will order next time.
    pub attract_demand: f64,
    /// Chance of clicking an examined card already planned for this basket.
    pub attract_basket: f64,
    /// Chance of clicking any other examined card.
    pub attract_other: f64,
    /// Chance of adding a clicked next-order item to the cart now.
    pub add_demand: f64,
    /// Chance of adding a clicked planned item (it is wanted anyway).
    pub add_basket: f64,
    /// Chance of adding a clicked other item (an impulse buy).
    pub add_other: f64,
    /// Examinations of one card without a click before "Not interested"
    /// becomes possible.
    pub dismiss_after: u32,
    /// Chance of "Not interested" at each examination after that.
    pub dismiss: f64,
    /// Seconds between two steps of the walk (an add, a click).
    pub step_seconds: u64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            visible: 4,
            scroll: 0.3,
            examine_first: 0.6,
            examine_decay: 1.0,
            attract_demand: 0.25,
            attract_basket: 0.25,
            attract_other: 0.01,
            add_demand: 0.5,
            add_basket: 1.0,
            add_other: 0.1,
            dismiss_after: 3,
            dismiss: 0.2,
            step_seconds: 30,
        }
    }
}

/// The parameters a sensitivity run moves (halved and doubled).
pub const MAIN_PARAMETERS: &[&str] = &[
    "examine_first",
    "examine_decay",
    "attract_demand",
    "attract_basket",
    "attract_other",
    "add_demand",
];

/// A `--set` that cannot be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SetError {
    /// Not `KEY=VALUE`.
    #[error("--set {0:?}: write KEY=VALUE, e.g. --set attract_demand=0.3")]
    Form(String),
    /// No such parameter, or a value of the wrong type.
    #[error("--set {given:?}: {reason}; parameters: {known}")]
    Field {
        /// What was given.
        given: String,
        /// Why serde refused it.
        reason: String,
        /// The parameter names.
        known: String,
    },
}

impl Behaviour {
    /// Examination probability of the card at 0-based position `r`.
    pub fn examine(&self, r: usize) -> f64 {
        self.examine_first * ((r + 1) as f64).powf(-self.examine_decay)
    }

    /// Click probability of an examined card.
    pub fn attract(&self, want: Want) -> f64 {
        match want {
            Want::Demand => self.attract_demand,
            Want::Basket => self.attract_basket,
            Want::Other => self.attract_other,
        }
    }

    /// Add-to-cart probability after a click.
    pub fn add(&self, want: Want) -> f64 {
        match want {
            Want::Demand => self.add_demand,
            Want::Basket => self.add_basket,
            Want::Other => self.add_other,
        }
    }

    /// The parameter names.
    pub fn names() -> Vec<String> {
        match serde_json::to_value(Self::default()) {
            Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// A copy with `name` set to `value` (through serde, so a name or a
    /// type it does not know is refused).
    pub fn with(&self, name: &str, value: serde_json::Value) -> Result<Self, SetError> {
        let mut v = serde_json::to_value(self).expect("plain data serializes");
        let field = |reason: String| SetError::Field {
            given: format!("{name}={value}"),
            reason,
            known: Self::names().join(", "),
        };
        match v.as_object_mut() {
            Some(m) if m.contains_key(name) => {
                m.insert(name.to_string(), value.clone());
            }
            _ => return Err(field("no such parameter".into())),
        }
        serde_json::from_value(v).map_err(|e| field(e.to_string()))
    }

    /// Applies one `KEY=VALUE`.
    pub fn set(&self, kv: &str) -> Result<Self, SetError> {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| SetError::Form(kv.to_string()))?;
        let value = serde_json::from_str(v.trim())
            .unwrap_or_else(|_| serde_json::Value::String(v.trim().to_string()));
        self.with(k.trim(), value)
    }

    /// The parameter `name` as a number (for sensitivity runs).
    pub fn get(&self, name: &str) -> Option<f64> {
        serde_json::to_value(self).ok()?.get(name)?.as_f64()
    }
}

impl ParamGuard for Behaviour {
    fn validate(&self) -> Result<(), ParamError> {
        use xsell_core::ensure;
        ensure(
            (1..=24).contains(&self.visible),
            "visible",
            self.visible as f64,
            "1 to 24 cards",
        )?;
        for (field, p) in [
            ("scroll", self.scroll),
            ("examine_first", self.examine_first),
            ("attract_demand", self.attract_demand),
            ("attract_basket", self.attract_basket),
            ("attract_other", self.attract_other),
            ("add_demand", self.add_demand),
            ("add_basket", self.add_basket),
            ("add_other", self.add_other),
            ("dismiss", self.dismiss),
        ] {
            ensure(
                (0.0..=1.0).contains(&p),
                field,
                p,
                "a probability in [0, 1]",
            )?;
        }
        ensure(
            self.examine_decay.is_finite() && (0.0..=4.0).contains(&self.examine_decay),
            "examine_decay",
            self.examine_decay,
            "an exponent in [0, 4]",
        )?;
        ensure(
            self.dismiss_after >= 1,
            "dismiss_after",
            f64::from(self.dismiss_after),
            "at least 1",
        )?;
        ensure(
            (1..=3600).contains(&self.step_seconds),
            "step_seconds",
            self.step_seconds as f64,
            "1 to 3600 seconds",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_changes_one_parameter_and_refuses_what_it_does_not_know() {
        let b = Behaviour::default().set("attract_demand=0.4").unwrap();
        assert_eq!(b.attract_demand, 0.4);
        assert_eq!(b.attract_basket, Behaviour::default().attract_basket);
        let e = Behaviour::default().set("atract=0.4").unwrap_err();
        assert!(e.to_string().contains("attract_demand"), "{e}");
        assert!(Behaviour::default().set("visible=two").is_err());
        assert!(Behaviour::default().set("visible").is_err());
        assert!(Behaviour::default()
            .set("scroll=1.5")
            .unwrap()
            .check()
            .is_err());
    }

    #[test]
    fn examination_falls_with_position() {
        let b = Behaviour::default();
        assert!((b.examine(0) - 0.6).abs() < 1e-12);
        assert!((b.examine(1) - 0.3).abs() < 1e-12);
        assert!(b.examine(7) < b.examine(6));
    }
}
