//! The journey on the device: each arrival is classified into a small
//! channel vocabulary from the UTM parameters and the referrer's class (the
//! URL itself is never kept), and the journey keeps its last
//! [`MAX_TOUCHES`] touchpoints until it ends — with a purchase, or when its
//! window runs out without one. An ended journey is reported once, noised
//! (see [`super::oracle`]).

use serde::{Deserialize, Serialize};

/// Touchpoints a journey keeps (the latest ones).
pub const MAX_TOUCHES: usize = 4;
/// The default journey window: 30 days after its first touch.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;

/// Where an arrival came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// An e-mail campaign (xsell's link token, or `utm_medium=email`).
    Email,
    /// A click on an xsell recommendation.
    Widget,
    /// Paid traffic (cpc, display, paid social; or a click id).
    Paid,
    /// Organic search.
    Search,
    /// Organic social.
    Social,
    /// A link on another site.
    Referral,
    /// No referrer: typed, bookmarked, or an app.
    Direct,
}

/// Every channel, in index order (the order of the path domain).
pub const CHANNELS: [Channel; 7] = [
    Channel::Email,
    Channel::Widget,
    Channel::Paid,
    Channel::Search,
    Channel::Social,
    Channel::Referral,
    Channel::Direct,
];

impl Channel {
    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Widget => "widget",
            Self::Paid => "paid",
            Self::Search => "search",
            Self::Social => "social",
            Self::Referral => "referral",
            Self::Direct => "direct",
        }
    }

    /// Its index in [`CHANNELS`].
    pub fn index(self) -> usize {
        CHANNELS.iter().position(|&c| c == self).expect("listed")
    }
}

/// What the page knows about an arrival. The browser layer fills it from
/// `location.search` and `document.referrer` and keeps none of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Arrival<'a> {
    /// `utm_medium`, if present.
    pub utm_medium: Option<&'a str>,
    /// `utm_source`, if present.
    pub utm_source: Option<&'a str>,
    /// The landing URL has xsell's e-mail link token (`xs_c`).
    pub email_token: bool,
    /// The landing URL has an ad click id (`gclid`, `fbclid`, `msclkid`, ...).
    pub click_id: bool,
    /// The referrer's host, if any.
    pub referrer_host: Option<&'a str>,
    /// The shop's own host (a referrer from it is not an arrival).
    pub own_host: &'a str,
    /// The first page of this visit (the browser layer knows: nothing in
    /// the tab's session storage yet). A later page with no referrer and
    /// no campaign parameter is a reload, a back button, or a shop that
    /// sends no referrer on its own links — not an arrival.
    pub new_visit: bool,
}

const SEARCH: [&str; 9] = [
    "google",
    "bing",
    "duckduckgo",
    "yahoo",
    "baidu",
    "yandex",
    "ecosia",
    "startpage",
    "qwant",
];
const SOCIAL: [&str; 12] = [
    "facebook",
    "instagram",
    "t.co",
    "twitter",
    "x.com",
    "linkedin",
    "pinterest",
    "reddit",
    "tiktok",
    "youtube",
    "threads",
    "mastodon",
];
const PAID_MEDIA: [&str; 9] = [
    "cpc",
    "ppc",
    "paid",
    "paidsearch",
    "paid_search",
    "display",
    "cpm",
    "paid_social",
    "cpv",
];

/// Whether `host` is `name` or a subdomain of a domain starting `name.`
/// (`www.google.de` matches `google`; `x.com` matches `x.com`).
fn host_is(host: &str, name: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if name.contains('.') {
        return host == name || host.ends_with(&format!(".{name}"));
    }
    labels
        .iter()
        .take(labels.len().saturating_sub(1))
        .any(|l| *l == name)
}

/// The channel of an arrival, or `None` for a page view that is not one
/// (the referrer is the shop itself and no campaign parameter is present).
pub fn classify(a: &Arrival<'_>) -> Option<Channel> {
    let medium = a.utm_medium.map(|m| m.trim().to_ascii_lowercase());
    let medium = medium.as_deref();
    let host = a
        .referrer_host
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty());
    let internal = host.as_deref().is_some_and(|h| h == a.own_host);
    if a.email_token || medium == Some("email") {
        return Some(Channel::Email);
    }
    if a.click_id || medium.is_some_and(|m| PAID_MEDIA.contains(&m)) {
        return Some(Channel::Paid);
    }
    match medium {
        Some("organic") => return Some(Channel::Search),
        Some("social") | Some("social-network") => return Some(Channel::Social),
        Some("referral") => return Some(Channel::Referral),
        _ => {}
    }
    let Some(host) = host.filter(|_| !internal) else {
        // No outside referrer and no recognised medium: a tagged link
        // (utm_source) or the first page of a visit is direct; anything
        // else is a page inside the visit, not an arrival.
        let tagged = medium.is_some() || a.utm_source.is_some();
        return (tagged || (a.new_visit && !internal)).then_some(Channel::Direct);
    };
    if SEARCH.iter().any(|s| host_is(&host, s)) {
        Some(Channel::Search)
    } else if SOCIAL.iter().any(|s| host_is(&host, s)) {
        Some(Channel::Social)
    } else {
        Some(Channel::Referral)
    }
}

/// The open journey: its last touches and when it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Journey {
    /// Latest touches, oldest first, no two equal in a row, at most [`MAX_TOUCHES`].
    pub touches: Vec<Channel>,
    /// Time of the first touch (ms), 0 when empty.
    pub started_ms: u64,
}

/// A journey that ended, ready to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedJourney {
    /// Its touches.
    pub touches: Vec<Channel>,
    /// Whether it ended with a purchase.
    pub converted: bool,
}

impl Journey {
    /// No touch yet.
    pub fn is_empty(&self) -> bool {
        self.touches.is_empty()
    }

    /// Records a touch at `now`. A journey past its window ends first (as
    /// not converted) and comes back; the touch then opens a new one.
    /// Repeats of the latest channel are kept once.
    pub fn touch(&mut self, channel: Channel, now: u64, window_ms: u64) -> Option<EndedJourney> {
        let ended = self.expire(now, window_ms);
        if self.touches.is_empty() {
            self.started_ms = now;
        }
        if self.touches.last() != Some(&channel) {
            self.touches.push(channel);
            if self.touches.len() > MAX_TOUCHES {
                self.touches.remove(0);
            }
        }
        ended
    }

    /// A purchase at `now`: the journey ends converted (if it had a touch
    /// within its window; a purchase after the window ends the old one as
    /// not converted and reports nothing for itself).
    pub fn purchase(&mut self, now: u64, window_ms: u64) -> Option<EndedJourney> {
        if let Some(expired) = self.expire(now, window_ms) {
            return Some(expired);
        }
        if self.touches.is_empty() {
            return None;
        }
        let touches = std::mem::take(&mut self.touches);
        self.started_ms = 0;
        Some(EndedJourney {
            touches,
            converted: true,
        })
    }

    /// Whether the journey has a touch and its window ran out by `now`.
    pub fn expired(&self, now: u64, window_ms: u64) -> bool {
        !self.touches.is_empty() && now >= self.started_ms.saturating_add(window_ms)
    }

    /// Ends the journey as not converted if its window ran out by `now`.
    pub fn expire(&mut self, now: u64, window_ms: u64) -> Option<EndedJourney> {
        if !self.expired(now, window_ms) {
            return None;
        }
        self.started_ms = 0;
        Some(EndedJourney {
            touches: std::mem::take(&mut self.touches),
            converted: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrive(medium: Option<&str>, referrer: Option<&str>) -> Option<Channel> {
        classify(&Arrival {
            utm_medium: medium,
            referrer_host: referrer,
            own_host: "shop.example",
            new_visit: true,
            ..Arrival::default()
        })
    }

    #[test]
    fn arrivals_are_classified() {
        assert_eq!(
            arrive(Some("Email"), Some("mail.google.com")),
            Some(Channel::Email)
        );
        assert_eq!(
            classify(&Arrival {
                email_token: true,
                own_host: "shop.example",
                ..Arrival::default()
            }),
            Some(Channel::Email)
        );
        assert_eq!(
            arrive(Some("cpc"), Some("www.google.com")),
            Some(Channel::Paid)
        );
        assert_eq!(arrive(None, Some("www.google.de")), Some(Channel::Search));
        assert_eq!(arrive(None, Some("duckduckgo.com")), Some(Channel::Search));
        assert_eq!(arrive(None, Some("l.facebook.com")), Some(Channel::Social));
        assert_eq!(arrive(None, Some("t.co")), Some(Channel::Social));
        assert_eq!(
            arrive(None, Some("blog.example.org")),
            Some(Channel::Referral)
        );
        assert_eq!(
            arrive(None, Some("googleblog.example")),
            Some(Channel::Referral)
        );
        assert_eq!(arrive(None, None), Some(Channel::Direct));
        assert_eq!(arrive(None, Some("shop.example")), None);
        assert_eq!(
            arrive(Some("social"), Some("shop.example")),
            Some(Channel::Social)
        );
    }

    #[test]
    fn a_journey_keeps_its_last_four_distinct_touches() {
        let w = u64::from(DEFAULT_WINDOW_DAYS) * crate::clock::MS_PER_DAY;
        let mut j = Journey::default();
        for (t, c) in [
            Channel::Search,
            Channel::Search,
            Channel::Email,
            Channel::Direct,
            Channel::Email,
            Channel::Widget,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(j.touch(c, 1000 + t as u64, w), None);
        }
        assert_eq!(
            j.touches,
            [
                Channel::Email,
                Channel::Direct,
                Channel::Email,
                Channel::Widget
            ]
        );
        let ended = j.purchase(2000, w).unwrap();
        assert!(ended.converted);
        assert!(j.touches.is_empty());
        assert_eq!(j.purchase(3000, w), None, "no touch, nothing to report");
    }

    #[test]
    fn a_journey_expires_unconverted() {
        let w = 10_000;
        let mut j = Journey::default();
        j.touch(Channel::Paid, 0, w);
        j.touch(Channel::Direct, 5_000, w);
        let ended = j.touch(Channel::Email, 10_000, w).unwrap();
        assert_eq!((ended.touches.len(), ended.converted), (2, false));
        assert_eq!(j.touches, [Channel::Email]);
        assert_eq!(j.started_ms, 10_000);
        let late = j.purchase(25_000, w).unwrap();
        assert!(
            !late.converted,
            "a purchase after the window does not convert it"
        );
    }
}
