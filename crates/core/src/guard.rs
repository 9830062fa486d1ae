//! Validated parameters by type (linfa's `ParamGuard` habit): every set of
//! settings is plain data until [`ParamGuard::check`] turns it into a
//! [`Valid`], the only form the algorithms accept. A value that passed its
//! check never fails later, whatever the model or the request.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ParamError;

/// Settings that can be checked once into a [`Valid`] form.
pub trait ParamGuard: Sized {
    /// Checks every field; `Ok` means every later use succeeds.
    fn validate(&self) -> Result<(), ParamError>;

    /// The checked form.
    fn check(self) -> Result<Valid<Self>, ParamError> {
        self.validate()?;
        Ok(Valid(self))
    }
}

/// Settings that passed [`ParamGuard::check`]. Deserializing one checks it,
/// so a config file cannot skip the check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// The checked values.
    pub fn get(&self) -> &T {
        &self.0
    }

    /// The values, to change and check again.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: ParamGuard + Default> Default for Valid<T> {
    fn default() -> Self {
        T::default().check().expect("defaults are valid")
    }
}

impl<'de, T: ParamGuard + Deserialize<'de>> Deserialize<'de> for Valid<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d)?.check().map_err(serde::de::Error::custom)
    }
}

/// `Err(OutOfRange)` unless `ok`.
pub fn ensure(
    ok: bool,
    name: &'static str,
    value: f64,
    allowed: &'static str,
) -> Result<(), ParamError> {
    if ok {
        Ok(())
    } else {
        Err(ParamError::OutOfRange {
            name,
            value,
            allowed,
        })
    }
}
