//! `xsell attribution`: the collector's attribution estimator on a shop's
//! own path summary, in ChannelAttribution's input form — a CSV with the
//! header `path,total_conversions,total_conversion_value,total_null` and
//! channels separated by `>` (spaces around it are trimmed).

use crate::input::{BadRows, InputError, ReadStats, Table};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use xsell_core::attribution::interval::{self, CreditIntervals};
use xsell_core::attribution::{Attribution, PathRow, Paths, Sufficient};
use xsell_core::privacy::exact::SplitMix64;

const COLUMNS: [&str; 4] = [
    "path",
    "total_conversions",
    "total_conversion_value",
    "total_null",
];

/// Reads a path summary. Rows with an empty path, a negative or
/// non-numeric count, or a path of more than 64 touches are malformed.
pub fn read_paths(path: &Path, bad_rows: BadRows) -> Result<(Paths, ReadStats), InputError> {
    let mut table = Table::open(
        path,
        COLUMNS,
        "a path summary has the columns path,total_conversions,total_conversion_value,total_null (ChannelAttribution's input form)",
    )?;
    let at = table.columns;
    let mut paths = Paths::default();
    let mut index: HashMap<String, u16> = HashMap::new();
    let mut stats = ReadStats::default();
    table.rows(path, bad_rows, &mut stats, |record| {
        let row = parse_row(record, &at, &mut index, &mut paths.channels)
            .map_err(|(field, reason)| (field.to_string(), reason))?;
        paths.rows.push(row);
        Ok(())
    })?;
    if paths.rows.is_empty() {
        return Err(InputError::Empty(path.to_path_buf()));
    }
    Ok((paths, stats))
}

fn parse_row(
    record: &csv::StringRecord,
    at: &[usize; 4],
    index: &mut HashMap<String, u16>,
    channels: &mut Vec<String>,
) -> Result<PathRow, (&'static str, String)> {
    let field = |k: usize| record.get(at[k]).unwrap_or("");
    let number = |k: usize| -> Result<f64, (&'static str, String)> {
        let text = field(k);
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err((
                COLUMNS[k],
                format!(
                    "`{}` is not a count >= 0",
                    text.chars().take(40).collect::<String>()
                ),
            )),
        }
    };
    let (conversions, value, nulls) = (number(1)?, number(2)?, number(3)?);
    let names: Vec<&str> = field(0).split('>').map(str::trim).collect();
    if names.iter().any(|n| n.is_empty()) {
        return Err((
            "path",
            "a path is channel names separated by `>`, none of them empty".into(),
        ));
    }
    if names.len() > 64 {
        return Err(("path", format!("{} touches; at most 64", names.len())));
    }
    let mut steps = Vec::with_capacity(names.len());
    for n in names {
        let next = channels.len();
        let id = *index.entry(n.to_string()).or_insert_with(|| {
            channels.push(n.to_string());
            next as u16
        });
        if channels.len() > 1000 {
            return Err(("path", "more than 1000 distinct channels".into()));
        }
        steps.push(id);
    }
    Ok(PathRow {
        steps,
        conversions,
        value,
        nulls,
    })
}

/// One channel's result with its intervals.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelResult {
    /// The point estimates.
    #[serde(flatten)]
    pub credit: xsell_core::attribution::ChannelCredit,
    /// 95 % bootstrap intervals (absent without resamples).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<CreditIntervals>,
}

/// The whole result, as `--json` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionResult {
    /// Total conversions.
    pub conversions: f64,
    /// Total value.
    pub value: f64,
    /// Journeys without a conversion.
    pub nulls: f64,
    /// The chain's conversion probability.
    pub conversion_probability: f64,
    /// Poisson-bootstrap resamples behind the intervals.
    pub resamples: usize,
    /// Per channel.
    pub channels: Vec<ChannelResult>,
}

/// Attributes `paths` exactly, with `resamples` Poisson-bootstrap draws
/// (each path's conversions and nulls redrawn, its value scaled with its
/// conversions) for 95 % intervals.
pub fn attribute(paths: &Paths, resamples: usize, seed: u64) -> AttributionResult {
    let point: Attribution = paths.attribute();
    let mut rng = SplitMix64(seed);
    let draws = interval::bootstrap(&mut rng, resamples, &paths.channels, |rng| {
        let mut s = Sufficient::empty(paths.channels.len());
        for row in &paths.rows {
            let conv = interval::poisson(rng, row.conversions);
            let per = if row.conversions > 0.0 {
                row.value / row.conversions
            } else {
                0.0
            };
            let redrawn = PathRow {
                steps: row.steps.clone(),
                conversions: conv,
                value: conv * per,
                nulls: interval::poisson(rng, row.nulls),
            };
            s.add(&redrawn, 1.0);
        }
        s
    });
    let mut intervals = interval::percentile_intervals(&draws, 0.95).into_iter();
    AttributionResult {
        conversions: point.conversions,
        value: point.value,
        nulls: point.nulls,
        conversion_probability: point.conversion_probability,
        resamples,
        channels: point
            .channels
            .into_iter()
            .map(|credit| ChannelResult {
                credit,
                intervals: intervals.next(),
            })
            .collect(),
    }
}

/// The result as a plain-text table.
pub fn table(r: &AttributionResult) -> String {
    let mut out = format!(
        "{:.0} conversions (value {:.2}), {:.0} journeys without; P(conversion) = {:.4}\n",
        r.conversions, r.value, r.nulls, r.conversion_probability
    );
    out.push_str(&format!(
        "{:<16} {:>8} {:>19} {:>11} {:>11} {:>11} {:>11}\n",
        "channel", "removal", "markov (95 % CI)", "value", "first", "last", "linear"
    ));
    for c in &r.channels {
        let ci = c.intervals.as_ref().map_or(String::new(), |i| {
            format!(
                "[{:.0}, {:.0}]",
                i.markov_conversions.lo, i.markov_conversions.hi
            )
        });
        let k = &c.credit;
        out.push_str(&format!(
            "{:<16} {:>8.4} {:>8.1} {:>10} {:>11.2} {:>11.1} {:>11.1} {:>11.1}\n",
            k.channel,
            k.removal_effect,
            k.markov_conversions,
            ci,
            k.markov_value,
            k.first_touch,
            k.last_touch,
            k.linear
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn reads_channel_attribution_input() {
        let f = file(
            "path,total_conversions,total_conversion_value,total_null\n\
             email > search,3,30.5,10\n\"search\",1,9,2\nemail,0,0,5\n",
        );
        let (p, st) = read_paths(f.path(), BadRows::Fail).unwrap();
        assert_eq!(st.rows, 3);
        assert_eq!(p.channels, ["email", "search"]);
        assert_eq!(p.rows[0].steps, [0, 1]);
        assert_eq!(p.rows[0].value, 30.5);
        let r = attribute(&p, 50, 1);
        assert_eq!(r.channels.len(), 2);
        let ci = r.channels[0].intervals.as_ref().unwrap();
        assert!(ci.markov_conversions.lo <= ci.markov_conversions.hi);
    }

    #[test]
    fn bad_rows_name_file_line_and_field() {
        let f = file(
            "path,total_conversions,total_conversion_value,total_null\n\
             email > ,3,30,10\nsearch,x,9,2\nsearch,1,9,2\n",
        );
        let e = read_paths(f.path(), BadRows::Fail).unwrap_err().to_string();
        assert!(e.contains(":2: field `path`"), "{e}");
        assert!(e.contains("--skip-bad-rows"), "{e}");
        let (p, st) = read_paths(f.path(), BadRows::Skip).unwrap();
        assert_eq!((st.rows, st.skipped, p.rows.len()), (1, 2, 1));
        assert!(st.examples[1]
            .to_string()
            .contains(":3: field `total_conversions`"));
        let f = file("path,conversions\nemail,1\n");
        let e = read_paths(f.path(), BadRows::Fail).unwrap_err().to_string();
        assert!(e.contains("no `total_conversions` column"), "{e}");
    }
}
