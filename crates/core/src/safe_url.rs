//! Which catalogue URLs the widget may put in `href` and `src`: http(s)
//! and relative URLs only, decided without a browser so it is the same
//! everywhere and testable natively. Anything a browser could read as
//! another scheme (`javascript:`, `data:`, `java\tscript:`, `/\evil`) is
//! refused, and so is what no URL holds (RFC 3986): a space, `"`, `<`, `>`
//! or a backtick anywhere — so `"><img src=x onerror=...>` is no relative
//! URL — and, in an authority, user info (`https://shop.example@evil.example`)
//! or a port that is not a number.

/// A URL the widget accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafeUrl<'a> {
    /// Relative to the page (same origin).
    Relative(&'a str),
    /// Absolute http(s), or protocol-relative (`//host/...`); `host` is
    /// lower-cased, with its port.
    Absolute {
        /// The URL as given (trimmed).
        url: &'a str,
        /// `http`, `https`, or empty for protocol-relative.
        scheme: String,
        /// Host and port.
        host: String,
    },
}

impl SafeUrl<'_> {
    /// The URL text to use.
    pub fn as_str(&self) -> &str {
        match self {
            SafeUrl::Relative(u) | SafeUrl::Absolute { url: u, .. } => u,
        }
    }

    /// Whether it points at `page_origin` (`scheme://host[:port]`).
    pub fn same_origin(&self, page_origin: &str) -> bool {
        match self {
            SafeUrl::Relative(_) => true,
            SafeUrl::Absolute { scheme, host, .. } => {
                let Some((ps, ph)) = page_origin.split_once("://") else {
                    return false;
                };
                (scheme.is_empty() || scheme.eq_ignore_ascii_case(ps))
                    && host.eq_ignore_ascii_case(ph)
            }
        }
    }
}

/// The host and port of an authority, lower-cased; `None` when it is not
/// one (empty, user info, a port that is not a number).
fn host_of(rest: &str) -> Option<String> {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let port = match authority.rsplit_once(':') {
        Some((_, p)) if !authority.ends_with(']') => p,
        _ => "",
    };
    let host = &authority[..authority.len() - port.len()].trim_end_matches(':');
    let fine = !host.is_empty()
        && !authority.contains('@')
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit());
    fine.then(|| authority.to_ascii_lowercase())
}

/// Checks a catalogue URL; `None` means "do not use it".
pub fn check_url(raw: &str) -> Option<SafeUrl<'_>> {
    // Browsers strip leading and trailing C0 controls and spaces, and drop
    // tabs and newlines anywhere: refuse the latter outright.
    let u = raw.trim_matches(|c: char| c <= ' ');
    if u.is_empty()
        || u.len() > 2048
        || u.chars().any(|c| {
            c.is_ascii_control() || c.is_whitespace() || matches!(c, '\\' | '"' | '<' | '>' | '`')
        })
    {
        return None;
    }
    if let Some(rest) = u.strip_prefix("//") {
        return host_of(rest).map(|host| SafeUrl::Absolute {
            url: u,
            scheme: String::new(),
            host,
        });
    }
    let end = u.find(['/', '?', '#']).unwrap_or(u.len());
    if let Some(colon) = u[..end].find(':') {
        let scheme = &u[..colon];
        let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !is_scheme {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let rest = u[colon + 1..].strip_prefix("//")?;
        if scheme != "http" && scheme != "https" {
            return None;
        }
        return host_of(rest).map(|host| SafeUrl::Absolute {
            url: u,
            scheme,
            host,
        });
    }
    Some(SafeUrl::Relative(u))
}

#[cfg(all(test, not(target_arch = "wasm32")))] // native unit tests
mod tests {
    use super::*;

    #[test]
    fn http_https_and_relative_pass() {
        for ok in [
            "https://shop.example/p/1",
            "HTTP://Shop.Example:8080/x?y#z",
            "/p/1",
            "p/1?x=a:b",
            "//cdn.example/i.png",
            "  /p/2\n",
            "https://[::1]:8080/p",
            "http://shop.example:/p",
            "/p/l'oreal?q=a%20b",
        ] {
            assert!(check_url(ok).is_some(), "{ok:?}");
        }
        assert_eq!(check_url("  /p/2\n").unwrap().as_str(), "/p/2");
    }

    #[test]
    fn other_schemes_and_tricks_are_refused() {
        for bad in [
            "javascript:alert(1)",
            "  JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "vbscript:x",
            "/\\evil.example/x",
            "\\\\evil.example",
            "https:evil.example",
            "http://",
            "1http://x",
            "\"><img src=x onerror=alert(1)>",
            "/p/1\"onmouseover=alert(1)",
            "<script>alert(1)</script>",
            "/p/`x`",
            "/p 1",
            "https://shop.example@evil.example/",
            "//user:pw@evil.example",
            "https://shop.example:80x/",
            "https://:80/",
            "https://shop.example\u{a0}.evil/",
            "",
            "   ",
        ] {
            assert!(check_url(bad).is_none(), "{bad:?} passed");
        }
    }

    #[test]
    fn same_origin_compares_scheme_and_host() {
        let page = "http://127.0.0.1:8710";
        assert!(check_url("/img/1.svg").unwrap().same_origin(page));
        assert!(check_url("http://127.0.0.1:8710/img/1.svg")
            .unwrap()
            .same_origin(page));
        assert!(check_url("//127.0.0.1:8710/img/1.svg")
            .unwrap()
            .same_origin(page));
        assert!(!check_url("https://127.0.0.1:8710/img")
            .unwrap()
            .same_origin(page));
        assert!(!check_url("http://127.0.0.1:8711/img")
            .unwrap()
            .same_origin(page));
        // A port that is not a number is no URL at all.
        assert!(check_url("http://127.0.0.1:8710.evil.example/").is_none());
        assert!(!check_url("http://127.0.0.1.evil.example:8710/")
            .unwrap()
            .same_origin(page));
        assert!(!check_url("//evil.example/x").unwrap().same_origin(page));
    }
}
