//! CORS on the report endpoint, for exactly the shop's configured origins
//! (`xsell serve --origin`), so a widget on the shop's pages that posts to
//! a collector on another origin can read the answer's status: the widget
//! keeps a report until it reads an acknowledgement.
//!
//! - `OPTIONS /v1/reports` from a configured origin: 204 with
//!   `Access-Control-Allow-Origin: <that origin>`, `-Methods: POST`,
//!   `-Headers: Content-Type`, a day's `-Max-Age` and `Vary: Origin`; from
//!   any other origin, or without one: 403 with `Vary: Origin` and no
//!   `Access-Control-*` header.
//! - Every answer of `/v1/reports` to a configured origin (204, 400, 429,
//!   503 alike) carries `Access-Control-Allow-Origin` and `Vary: Origin`;
//!   a foreign origin's report is refused (403, [`super::post_report`])
//!   without them.
//! - No `--origin`: no CORS at all, as before. `OPTIONS` answers 405 and
//!   reports from every origin are stored, but a page on another origin
//!   cannot read the answer, so its widget keeps every report until the
//!   retry window ends (the collector stores each id once). A collector
//!   that serves the shop itself, as the demo does, is same-origin and
//!   needs none of this.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// The path CORS is answered on.
pub const REPORTS_PATH: &str = "/v1/reports";

/// The request's `Origin` when it is one of `origins`.
fn allowed<'h>(origins: &[String], headers: &'h HeaderMap) -> Option<&'h HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    origins.iter().any(|o| o == text).then_some(origin)
}

/// The middleware (on every route; it acts on [`REPORTS_PATH`] only, and
/// only when origins are configured).
pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let origins = &state.config.origins;
    if origins.is_empty() || req.uri().path() != REPORTS_PATH {
        return next.run(req).await;
    }
    let origin = allowed(origins, req.headers()).cloned();
    let vary = (header::VARY, HeaderValue::from_static("origin"));
    if req.method() == Method::OPTIONS {
        let Some(origin) = origin else {
            return (StatusCode::FORBIDDEN, [vary]).into_response();
        };
        return (
            StatusCode::NO_CONTENT,
            [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("POST"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("content-type"),
                ),
                (
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static("86400"),
                ),
                vary,
            ],
        )
            .into_response();
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.append(vary.0, vary.1);
    if let Some(origin) = origin {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    resp
}
