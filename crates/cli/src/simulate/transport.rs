//! Sends the devices' reports to a collector over HTTP, as the widget's
//! `fetch` does, and reads the collector's experiment analysis. A report
//! counts as delivered only on the collector's 204; 429 and 503 are retried
//! with back-off — the same bytes, as the widget retries, so the report's
//! id lets the collector store it once — and anything else stops the run
//! (nothing is silently lost).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Why the collector could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The collector refused a report.
    #[error("the collector at {url} answered {status} to a report: {body}")]
    Refused {
        /// Where.
        url: String,
        /// HTTP status.
        status: u16,
        /// Its message.
        body: String,
    },
    /// The collector could not be reached.
    #[error("cannot reach the collector at {url}: {reason}")]
    Unreachable {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
    /// The analysis was not what the collector should answer.
    #[error("the collector's analysis at {url} is unreadable: {reason}")]
    Analysis {
        /// Where.
        url: String,
        /// Why.
        reason: String,
    },
}

const RETRIES: u32 = 8;

fn post_one(agent: &ureq::Agent, url: &str, body: &str) -> Result<(), TransportError> {
    let mut wait = Duration::from_millis(50);
    for attempt in 0..=RETRIES {
        match agent
            .post(url)
            .set("content-type", "text/plain;charset=UTF-8")
            .send_string(body)
        {
            Ok(r) if r.status() == 204 => return Ok(()),
            Ok(r) => {
                return Err(TransportError::Refused {
                    url: url.into(),
                    status: r.status(),
                    body: r.into_string().unwrap_or_default(),
                })
            }
            Err(ureq::Error::Status(s, _)) if (s == 429 || s == 503) && attempt < RETRIES => {
                std::thread::sleep(wait);
                wait *= 2;
            }
            Err(ureq::Error::Status(status, r)) => {
                return Err(TransportError::Refused {
                    url: url.into(),
                    status,
                    body: r.into_string().unwrap_or_default(),
                })
            }
            Err(e) => {
                return Err(TransportError::Unreachable {
                    url: url.into(),
                    reason: e.to_string(),
                })
            }
        }
    }
    unreachable!("the last attempt returns")
}

/// Posts every body to `{base}/v1/reports` from `threads` connections;
/// `tick` is called per delivered report. Returns how many were delivered
/// (all of them, or an error).
pub fn post_reports(
    base: &str,
    bodies: &[&str],
    threads: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<usize, TransportError> {
    let url = format!("{base}/v1/reports");
    let next = AtomicUsize::new(0);
    let delivered = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| -> Result<(), TransportError> {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(30))
                        .build();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = bodies.get(i) else {
                            return Ok(());
                        };
                        post_one(&agent, &url, body)?;
                        delivered.fetch_add(1, Ordering::Relaxed);
                        tick();
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("a sender thread panicked"))
    })?;
    Ok(delivered.into_inner())
}

/// `GET {base}/v1/experiments/{name}?control={control}` as JSON, with the
/// collector's admin token.
pub fn analysis(
    base: &str,
    token: &str,
    name: &str,
    control: &str,
) -> Result<serde_json::Value, TransportError> {
    let url = format!("{base}/v1/experiments/{name}?control={control}");
    let fail = |reason: String| TransportError::Analysis {
        url: url.clone(),
        reason,
    };
    match ureq::get(&url)
        .set("authorization", &format!("Bearer {token}"))
        .call()
    {
        Ok(r) => r.into_json().map_err(|e| fail(e.to_string())),
        Err(ureq::Error::Status(status, r)) => Err(TransportError::Refused {
            url: url.clone(),
            status,
            body: r.into_string().unwrap_or_default(),
        }),
        Err(e) => Err(TransportError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        }),
    }
}
