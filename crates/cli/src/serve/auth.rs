//! The admin credential: everything that reads the shop's numbers (stats,
//! experiment results, the duration calculator) needs `Authorization:
//! Bearer <token>`; report ingestion, the model and the config files stay
//! public. The token comes from `--admin-token-file` or `XSELL_ADMIN_TOKEN`,
//! else a random one is made at start and printed once. It is compared in
//! constant time and never logged; a request without it gets 401 and no
//! data.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The shortest token accepted from a file or the environment.
pub const MIN_TOKEN_LEN: usize = 16;

/// A bearer token.
#[derive(Clone)]
pub struct AdminToken(Arc<str>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(…)") // never printed by accident
    }
}

impl PartialEq for AdminToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

/// Why a token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Too short to resist guessing.
    #[error("the admin token has {0} characters; use at least {MIN_TOKEN_LEN} (e.g. `openssl rand -hex 32`)")]
    TooShort(usize),
    /// Characters that cannot travel in a header.
    #[error("the admin token must be printable ASCII without spaces")]
    Unprintable,
}

impl AdminToken {
    /// A checked token (surrounding whitespace, such as a file's final
    /// newline, is dropped).
    pub fn new(text: &str) -> Result<Self, TokenError> {
        let t = text.trim();
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::Unprintable);
        }
        if t.len() < MIN_TOKEN_LEN {
            return Err(TokenError::TooShort(t.len()));
        }
        Ok(Self(t.into()))
    }

    /// A random token: 32 hex digits from the OS's CSPRNG.
    pub fn random() -> Self {
        let mut b = [0u8; 16];
        getrandom::getrandom(&mut b).expect("the OS random source");
        Self(
            b.iter()
                .map(|x| format!("{x:02x}"))
                .collect::<String>()
                .into(),
        )
    }

    /// The token, to print once at start or hand to a client.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `header` (an `Authorization` value) carries this token.
    pub fn admits(&self, header: Option<&str>) -> bool {
        let Some(given) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return false;
        };
        given.trim().as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

/// The environment variable that holds the admin token.
pub const TOKEN_ENV: &str = "XSELL_ADMIN_TOKEN";

/// The token a collector starts with: from `file`, else from
/// [`TOKEN_ENV`], else a random one; and whether it was made here (then
/// the banner must show it, once).
pub fn configured_token(file: Option<&std::path::Path>) -> Result<(AdminToken, bool), String> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("reading the admin token file {}: {e}", f.display()))?;
        return AdminToken::new(&text)
            .map(|t| (t, false))
            .map_err(|e| format!("{}: {e}", f.display()));
    }
    match std::env::var(TOKEN_ENV) {
        Ok(v) => AdminToken::new(&v)
            .map(|t| (t, false))
            .map_err(|e| format!("{TOKEN_ENV}: {e}")),
        Err(_) => Ok((AdminToken::random(), true)),
    }
}

/// The start banner's line about the dashboard: its link carries the
/// token in the fragment (`#token=`), which the browser never sends.
pub fn banner(url: &str, token: &AdminToken, made_here: bool) -> String {
    if made_here {
        format!(
            "dashboard {url}/dashboard#token={} (admin token made at start; set {TOKEN_ENV} or --admin-token-file to keep one)",
            token.reveal()
        )
    } else {
        format!("dashboard {url}/dashboard (admin token from the configuration)")
    }
}

/// Middleware of the admin routes: 401 without the token.
pub async fn require(State(token): State<AdminToken>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if token.admits(given) {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"xsell\"")],
            axum::Json(serde_json::json!({
                "error": "this route needs the admin token: send Authorization: Bearer <token> (see `xsell serve --help`)"
            })),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_only_the_exact_bearer_token() {
        let t = AdminToken::new("0123456789abcdef0123\n").unwrap();
        assert!(t.admits(Some("Bearer 0123456789abcdef0123")));
        assert!(!t.admits(Some("Bearer 0123456789abcdef012")));
        assert!(!t.admits(Some("bearer 0123456789abcdef0123")));
        assert!(!t.admits(Some("0123456789abcdef0123")));
        assert!(!t.admits(None));
        assert_eq!(AdminToken::new("short"), Err(TokenError::TooShort(5)));
        assert!(AdminToken::new("with space inside it ok").is_err());
        let r = AdminToken::random();
        assert_eq!(r.reveal().len(), 32);
        assert_ne!(r.reveal(), AdminToken::random().reveal());
        assert_eq!(format!("{r:?}"), "AdminToken(…)");
    }
}
