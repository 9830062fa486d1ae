//! First-order Markov multi-touch attribution, solved exactly, with the
//! first-touch, last-touch and linear heuristics beside it.
//!
//! Paths are weighted: a weight is a count from a shop's own data, or an
//! unbiased (possibly negative) estimate from noised reports. Everything the
//! chain needs is linear in those weights (transition counts, conversions
//! and value leaving each state), so noise is summed before anything
//! nonlinear happens; only the summed transition weights are clamped at 0.
//!
//! The chain (the convention of ChannelAttribution's `markov_model`,
//! `order = 1`): states `(start)`, one per channel, and the absorbing
//! `(conversion)` and `(null)`. A path `a > b > c` with `k` conversions and
//! `m` nulls adds `k + m` to `start→a`, `a→b`, `b→c`, `k` to
//! `c→conversion` and `m` to `c→null`. The probability of conversion from
//! `(start)` solves `(I − Q) x = r` over the transient states (`r` = the
//! probability of stepping into `(conversion)`); removing channel `c` sends
//! every step into `c` to `(null)`, i.e. fixes `x_c = 0`. The removal
//! effect of `c` is `1 − x'_start / x_start`. Value uses the same solve with
//! `r_i` = value leaving state `i` into `(conversion)` over all steps out
//! of `i`: the expected value per journey. Self-loops (`a > a`) change no
//! absorption probability, so they need no special case.

/// One path with its weights.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRow {
    /// Channel indices (into [`Paths::channels`]), first touch first; at least one.
    pub steps: Vec<u16>,
    /// Journeys along this path that converted.
    pub conversions: f64,
    /// Their total conversion value.
    pub value: f64,
    /// Journeys along this path that did not convert.
    pub nulls: f64,
}

/// A path summary: the channels, and weighted paths over them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Paths {
    /// Channel names.
    pub channels: Vec<String>,
    /// The paths.
    pub rows: Vec<PathRow>,
}

/// What each channel gets under each model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelCredit {
    /// The channel.
    pub channel: String,
    /// Markov removal effect on conversions (0..=1).
    pub removal_effect: f64,
    /// Markov removal effect on value.
    pub removal_effect_value: f64,
    /// Conversions attributed by the Markov model.
    pub markov_conversions: f64,
    /// Value attributed by the Markov model.
    pub markov_value: f64,
    /// Conversions credited to the first touch.
    pub first_touch: f64,
    /// Conversions credited to the last touch.
    pub last_touch: f64,
    /// Conversions shared equally over the touches.
    pub linear: f64,
}

/// The attribution of a path summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Attribution {
    /// Total conversions.
    pub conversions: f64,
    /// Total conversion value.
    pub value: f64,
    /// Total journeys that did not convert.
    pub nulls: f64,
    /// The chain's conversion probability from `(start)`.
    pub conversion_probability: f64,
    /// One entry per channel, in the summary's channel order.
    pub channels: Vec<ChannelCredit>,
}

/// The linear statistics of a path summary that every model reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Sufficient {
    n: usize,
    /// Transition weights, `(n + 1) × (n + 2)`: rows `start, c_0..`, columns `c_0.., conversion, null`.
    trans: Vec<f64>,
    /// Value into `(conversion)` per transient state.
    value_out: Vec<f64>,
    conversions: f64,
    value: f64,
    nulls: f64,
    first: Vec<f64>,
    last: Vec<f64>,
    linear: Vec<f64>,
}

impl Sufficient {
    /// No paths yet, over `n` channels.
    pub fn empty(n: usize) -> Self {
        Sufficient {
            n,
            trans: vec![0.0; (n + 1) * (n + 2)],
            value_out: vec![0.0; n + 1],
            conversions: 0.0,
            value: 0.0,
            nulls: 0.0,
            first: vec![0.0; n],
            last: vec![0.0; n],
            linear: vec![0.0; n],
        }
    }

    /// The statistics of `paths` (steps past the channel list are ignored).
    pub fn of(paths: &Paths) -> Self {
        let mut s = Self::empty(paths.channels.len());
        for row in &paths.rows {
            s.add(row, 1.0);
        }
        s
    }

    /// Adds `scale ×` one path's weights.
    pub fn add(&mut self, row: &PathRow, scale: f64) {
        let n = self.n;
        let steps: Vec<usize> = row
            .steps
            .iter()
            .map(|&c| usize::from(c))
            .filter(|&c| c < n)
            .collect();
        let (Some(&first), Some(&last)) = (steps.first(), steps.last()) else {
            return;
        };
        let (conv, nulls, value) = (
            row.conversions * scale,
            row.nulls * scale,
            row.value * scale,
        );
        let all = conv + nulls;
        let width = n + 2;
        let mut from = 0; // (start)
        for &c in &steps {
            self.trans[from * width + c] += all;
            from = c + 1;
        }
        self.trans[from * width + n] += conv;
        self.trans[from * width + n + 1] += nulls;
        self.value_out[from] += value;
        self.conversions += conv;
        self.value += value;
        self.nulls += nulls;
        self.first[first] += conv;
        self.last[last] += conv;
        let share = conv / steps.len() as f64;
        for &c in &steps {
            self.linear[c] += share;
        }
    }

    /// Solves the chain and the heuristics.
    pub fn attribute(&self, channels: &[String]) -> Attribution {
        let n = self.n;
        let base_conv = self.absorb(None, false);
        let base_value = self.absorb(None, true);
        let effect = |x: f64, base: f64| {
            if base > 0.0 {
                (1.0 - x / base).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let re: Vec<f64> = (0..n)
            .map(|c| effect(self.absorb(Some(c), false), base_conv))
            .collect();
        let rev: Vec<f64> = (0..n)
            .map(|c| effect(self.absorb(Some(c), true), base_value))
            .collect();
        let share = |v: &[f64], total: f64, c: usize| {
            let sum: f64 = v.iter().sum();
            if sum > 0.0 {
                total * v[c] / sum
            } else {
                0.0
            }
        };
        Attribution {
            conversions: self.conversions,
            value: self.value,
            nulls: self.nulls,
            conversion_probability: base_conv,
            channels: (0..n)
                .map(|c| ChannelCredit {
                    channel: channels.get(c).cloned().unwrap_or_default(),
                    removal_effect: re[c],
                    removal_effect_value: rev[c],
                    markov_conversions: share(&re, self.conversions, c),
                    markov_value: share(&rev, self.value, c),
                    first_touch: self.first[c],
                    last_touch: self.last[c],
                    linear: self.linear[c],
                })
                .collect(),
        }
    }

    /// Conversion probability (or expected value, `value = true`) from
    /// `(start)`, with channel `removed` sending to `(null)`.
    fn absorb(&self, removed: Option<usize>, value: bool) -> f64 {
        let n = self.n;
        let width = n + 2;
        let m = n + 1; // transient states: start, channels
        let w = |i: usize, j: usize| self.trans[i * width + j].max(0.0);
        // (I − Q) x = r, dense; the removed channel's row is x = 0.
        let mut a = vec![0.0; m * m];
        let mut b = vec![0.0; m];
        for i in 0..m {
            a[i * m + i] = 1.0;
            if removed.is_some_and(|c| i == c + 1) {
                continue;
            }
            let out: f64 = (0..width).map(|j| w(i, j)).sum();
            if out <= 0.0 {
                continue; // a dead end: nothing leaves, nothing converts
            }
            for c in 0..n {
                a[i * m + c + 1] -= w(i, c) / out;
            }
            b[i] = if value {
                self.value_out[i].max(0.0) / out
            } else {
                w(i, n) / out
            };
        }
        // Rounding can leave a probability a hair above 1 (a chain that
        // always converts): clamp it; value has no upper bound.
        let upper = if value { f64::INFINITY } else { 1.0 };
        solve(&mut a, &mut b, m).map_or(0.0, |x| x[0].clamp(0.0, upper))
    }
}

/// Gaussian elimination with partial pivoting; `None` if singular.
pub(crate) fn solve(a: &mut [f64], b: &mut [f64], m: usize) -> Option<Vec<f64>> {
    for col in 0..m {
        let pivot =
            (col..m).max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))?;
        if a[pivot * m + col].abs() < 1e-12 {
            return None;
        }
        if pivot != col {
            for k in 0..m {
                a.swap(pivot * m + k, col * m + k);
            }
            b.swap(pivot, col);
        }
        for row in col + 1..m {
            let f = a[row * m + col] / a[col * m + col];
            if f != 0.0 {
                for k in col..m {
                    a[row * m + k] -= f * a[col * m + k];
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let s: f64 = (row + 1..m).map(|k| a[row * m + k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row * m + row];
    }
    Some(x)
}

impl Paths {
    /// The exact attribution of the summary.
    pub fn attribute(&self) -> Attribution {
        Sufficient::of(self).attribute(&self.channels)
    }

    /// A summary decoded from arbitrary bytes, for fuzzing and property
    /// tests: byte 0 gives 1–8 channels, then each row is a length byte
    /// (1–8 steps), its steps, and three weight bytes (conversions, value,
    /// nulls; a weight byte above 250 becomes a huge or fractional weight).
    pub fn from_bytes(data: &[u8]) -> Paths {
        let mut it = data.iter().copied();
        let n = usize::from(it.next().unwrap_or(0) % 8) + 1;
        let weight = |b: u8| match b {
            251 => 1e12,
            252 => 0.5,
            253 => 1e-9,
            b => f64::from(b),
        };
        let mut rows = Vec::new();
        while let Some(len) = it.next() {
            let steps: Vec<u16> = (0..usize::from(len % 8) + 1)
                .map_while(|_| it.next().map(|c| u16::from(c) % n as u16))
                .collect();
            let (Some(c), Some(v), Some(z)) = (it.next(), it.next(), it.next()) else {
                break;
            };
            rows.push(PathRow {
                steps,
                conversions: weight(c),
                value: weight(v),
                nulls: weight(z),
            });
        }
        Paths {
            channels: (0..n).map(|c| format!("c{c}")).collect(),
            rows,
        }
    }
}

impl Attribution {
    /// What every attribution of non-negative weights satisfies: effects
    /// in `[0, 1]`, finite non-negative credit, and the Markov credit
    /// summing to the conversions (when any channel has an effect).
    pub fn check(&self) -> Result<(), String> {
        let mut sum = 0.0;
        let mut effects = 0.0;
        for c in &self.channels {
            for (name, x) in [
                ("removal_effect", c.removal_effect),
                ("removal_effect_value", c.removal_effect_value),
            ] {
                if !(0.0..=1.0).contains(&x) {
                    return Err(format!("{}: {name} = {x}", c.channel));
                }
            }
            for (name, x) in [
                ("markov_conversions", c.markov_conversions),
                ("markov_value", c.markov_value),
                ("first_touch", c.first_touch),
                ("last_touch", c.last_touch),
                ("linear", c.linear),
            ] {
                if !(x.is_finite() && x >= 0.0) {
                    return Err(format!("{}: {name} = {x}", c.channel));
                }
            }
            sum += c.markov_conversions;
            effects += c.removal_effect;
        }
        if !(0.0..=1.0).contains(&self.conversion_probability) {
            return Err(format!("P(conversion) = {}", self.conversion_probability));
        }
        let tolerance = 1e-6 * self.conversions.max(1.0);
        if effects > 0.0 && (sum - self.conversions).abs() > tolerance {
            return Err(format!(
                "Markov credit {sum} != conversions {}",
                self.conversions
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn paths(rows: &[(&[u16], f64, f64, f64)], channels: &[&str]) -> Paths {
        Paths {
            channels: channels.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|&(s, conv, value, nulls)| PathRow {
                    steps: s.to_vec(),
                    conversions: conv,
                    value,
                    nulls,
                })
                .collect(),
        }
    }

    #[test]
    fn a_hand_solved_chain() {
        // a > b: 1 conversion; a: 1 null; b: 1 conversion, 1 null.
        // start→a 2, start→b 2; a→b 1, a→null 1; b→conv 2, b→null 1.
        // x_b = 2/3, x_a = ½·x_b = 1/3, x_start = ½(1/3) + ½(2/3) = ½.
        // Without a: x_start = ½·x_b = 1/3 → RE_a = 1/3.
        // Without b: x_start = 0 → RE_b = 1.
        let p = paths(
            &[
                (&[0, 1], 1.0, 10.0, 0.0),
                (&[0], 0.0, 0.0, 1.0),
                (&[1], 1.0, 30.0, 1.0),
            ],
            &["a", "b"],
        );
        let at = p.attribute();
        assert_relative_eq!(at.conversion_probability, 0.5, epsilon = 1e-12);
        assert_relative_eq!(at.channels[0].removal_effect, 1.0 / 3.0, epsilon = 1e-12);
        assert_relative_eq!(at.channels[1].removal_effect, 1.0, epsilon = 1e-12);
        assert_relative_eq!(at.channels[0].markov_conversions, 0.5, epsilon = 1e-12);
        assert_relative_eq!(at.channels[1].markov_conversions, 1.5, epsilon = 1e-12);
        assert_eq!(at.channels[0].first_touch, 1.0);
        assert_eq!(at.channels[1].last_touch, 2.0);
        assert_relative_eq!(at.channels[0].linear, 0.5);
        assert_relative_eq!(at.channels[1].linear, 1.5);
        // Value: b→conv carries 40 over 3 steps out of b; x_b = 40/3,
        // x_start = ½·(1/2·40/3) + ½·40/3 = 10; without a: 20/3 → RE 1/3.
        assert_relative_eq!(
            at.channels[0].removal_effect_value,
            1.0 / 3.0,
            epsilon = 1e-12
        );
        let total: f64 = at.channels.iter().map(|c| c.markov_value).sum();
        assert_relative_eq!(total, 40.0, epsilon = 1e-9);
    }

    #[test]
    fn self_loops_change_nothing() {
        let once = paths(
            &[(&[0, 1], 3.0, 3.0, 2.0), (&[1], 1.0, 1.0, 4.0)],
            &["a", "b"],
        );
        let looped = paths(
            &[(&[0, 0, 1, 1], 3.0, 3.0, 2.0), (&[1], 1.0, 1.0, 4.0)],
            &["a", "b"],
        );
        let (x, y) = (once.attribute(), looped.attribute());
        for c in 0..2 {
            assert_relative_eq!(
                x.channels[c].removal_effect,
                y.channels[c].removal_effect,
                epsilon = 1e-12
            );
        }
    }

    #[test]
    fn scaling_the_weights_scales_the_credit_and_not_the_effects() {
        let p = paths(
            &[(&[0, 1, 2], 2.0, 5.0, 7.0), (&[2, 0], 1.0, 4.0, 3.0)],
            &["a", "b", "c"],
        );
        let mut s = Sufficient::empty(p.channels.len());
        for r in &p.rows {
            s.add(r, 10.0);
        }
        let (x, y) = (p.attribute(), s.attribute(&p.channels));
        for c in 0..3 {
            assert_relative_eq!(
                x.channels[c].removal_effect,
                y.channels[c].removal_effect,
                epsilon = 1e-12
            );
            assert_relative_eq!(
                10.0 * x.channels[c].markov_conversions,
                y.channels[c].markov_conversions,
                epsilon = 1e-9
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_summary_attributes_within_bounds(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let at = Paths::from_bytes(&data).attribute();
            proptest::prop_assert!(at.check().is_ok(), "{:?}", at.check());
        }
    }

    #[test]
    fn nothing_converts_gives_zero_everywhere() {
        let p = paths(&[(&[0, 1], 0.0, 0.0, 5.0)], &["a", "b"]);
        let at = p.attribute();
        assert_eq!(at.conversion_probability, 0.0);
        assert!(at
            .channels
            .iter()
            .all(|c| c.removal_effect == 0.0 && c.markov_conversions == 0.0));
    }
}
