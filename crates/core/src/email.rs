//! Recommendation blocks for e-mail campaigns: the widget's scoring with
//! the recipient's orders as history, the campaign's control group, and
//! the links a block may carry.
//!
//! - [`assign`] puts a recipient in an arm from the recipient key and the
//!   campaign name alone (deterministic, so a re-run gives the same arms).
//! - [`EmailPicker::pick`] scores complements to the latest order (the
//!   earlier ones as history), in stock, nothing bought recently, nothing
//!   shown in the recipient's recent campaigns, diversified by the DPP; the
//!   legacy arm gets the shop's old co-purchase list.
//! - [`landing_url`] and [`survey_url`] build the links: campaign, arm and
//!   slot (or answer) only — never anything about the recipient.

use crate::clock::MS_PER_DAY;
use crate::privacy::exact::{uniform_below, SplitMix64};
use crate::safe_url::{check_url, SafeUrl};
use crate::score::{Event, PageType, Reason, Recommender, Request};
use crate::shopper::experiment::fnv;
use crate::shopper::legacy::co_purchase;
use crate::slate::fatigue::FatigueState;
use crate::slate::pipeline::{build_slate, SlateConfig};
use crate::slate::trigger::{PageContext, Placement};

/// The arm a recipient is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailArm {
    /// xsell's personalised block.
    Xsell,
    /// The control: the legacy co-purchase block.
    Legacy,
    /// The control: no block at all.
    NoBlock,
}

impl EmailArm {
    /// Its name, as links and reports carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Xsell => "xsell",
            Self::Legacy => "legacy",
            Self::NoBlock => "none",
        }
    }
}

/// A campaign name: 1–32 of `a-z 0-9 _ -` (it travels in links and reports).
pub fn valid_campaign(name: &str) -> bool {
    crate::privacy::report::valid_placement(name)
}

/// The arm of `key` in `campaign`: the control arm for `control_percent`
/// of recipients (uniform in the hash of campaign and key), else xsell.
pub fn assign(key: &str, campaign: &str, control_percent: u8, control: EmailArm) -> EmailArm {
    let mut rng = SplitMix64(fnv(campaign) ^ fnv(key).rotate_left(29));
    if uniform_below(&mut rng, 100) < u64::from(control_percent.min(100)) {
        control
    } else {
        EmailArm::Xsell
    }
}

/// One order of a recipient: when, and its items (model indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Time, ms since 1970.
    pub time_ms: u64,
    /// Items.
    pub items: Vec<u32>,
}

/// Picks blocks over one model.
#[derive(Debug, Clone)]
pub struct EmailPicker<'m> {
    rec: Recommender<'m>,
    config: SlateConfig,
    /// Items bought this recently are not recommended.
    pub recent_ms: u64,
}

impl<'m> EmailPicker<'m> {
    /// A picker over `rec` with the model's slate defaults; `recent_days`:
    /// items bought within that many days are left out.
    pub fn new(rec: Recommender<'m>, recent_days: u32) -> Self {
        let mut config = SlateConfig::for_model(rec.model());
        config.placement = Placement {
            pages: vec![PageType::Cart],
            min_cart_items: 0,
            min_dwell_ms: 0,
            slots: 4,
        };
        Self {
            rec,
            config,
            recent_ms: u64::from(recent_days) * MS_PER_DAY,
        }
    }

    /// Up to `slots` items for the arm, best first. `orders` in any order;
    /// `shown` are items of the recipient's recent campaigns. An arm
    /// without a block, or a recipient without orders, gets nothing.
    pub fn pick(
        &mut self,
        arm: EmailArm,
        orders: &[Order],
        shown: &[u32],
        now_ms: u64,
        slots: usize,
    ) -> Vec<(u32, Reason)> {
        let mut orders: Vec<&Order> = orders.iter().filter(|o| !o.items.is_empty()).collect();
        orders.sort_by_key(|o| o.time_ms);
        let Some(latest) = orders.last() else {
            return Vec::new();
        };
        let n = self.rec.model().len() as u32;
        let known = |i: &&u32| **i < n;
        let cart: Vec<u32> = latest.items.iter().filter(known).copied().collect();
        let mut blocked: Vec<u32> = orders
            .iter()
            .filter(|o| o.time_ms.saturating_add(self.recent_ms) > now_ms)
            .flat_map(|o| o.items.iter().filter(known).copied())
            .chain(shown.iter().filter(known).copied())
            .collect();
        blocked.sort_unstable();
        blocked.dedup();
        match arm {
            EmailArm::NoBlock => Vec::new(),
            EmailArm::Legacy => {
                let mut exclude = cart.clone();
                exclude.extend(&blocked);
                co_purchase(self.rec.model(), cart.last().copied(), &exclude, slots)
            }
            EmailArm::Xsell => {
                let events: Vec<Event> = cart.iter().map(|&i| Event::cart(i)).collect();
                let history: Vec<Vec<u32>> = orders[..orders.len() - 1]
                    .iter()
                    .map(|o| o.items.iter().filter(known).copied().collect())
                    .collect();
                let mut cfg = self.config.clone();
                cfg.placement.slots = slots;
                let mut rules = cfg.rules.get().clone();
                rules.blocked.extend(&blocked);
                if let Ok(r) = crate::ParamGuard::check(rules) {
                    cfg.rules = r;
                }
                let request = Request {
                    events: &events,
                    cart: &cart,
                    current_item: None,
                    page: PageType::Cart,
                    history: &history,
                    count: slots,
                };
                let page = PageContext {
                    page: PageType::Cart,
                    cart_items: cart.len(),
                    dwell_ms: u64::MAX,
                };
                build_slate(
                    &mut self.rec,
                    &request,
                    &page,
                    &cfg,
                    &FatigueState::default(),
                    now_ms,
                )
                .items
                .into_iter()
                .map(|s| (s.item, s.reason))
                .collect()
            }
        }
    }

    /// The model.
    pub fn model(&self) -> &crate::Model<'m> {
        self.rec.model()
    }
}

/// The shop's base URL for e-mail links: absolute http(s), no query or
/// fragment; returned without a trailing `/`.
pub fn check_shop_url(raw: &str) -> Option<String> {
    match check_url(raw)? {
        SafeUrl::Absolute { url, scheme, .. }
            if !scheme.is_empty() && !url.contains(['?', '#']) =>
        {
            Some(url.trim_end_matches('/').to_string())
        }
        _ => None,
    }
}

/// `url` (absolute http(s), or relative to `shop`) with the campaign's
/// parameters: `utm_source=xsell&utm_medium=email&utm_campaign=C&xs_c=C&xs_a=ARM&xs_s=SLOT`.
/// `None` if the catalogue URL fails the URL policy. `shop` comes from
/// [`check_shop_url`]; `campaign` passed [`valid_campaign`].
pub fn landing_url(
    shop: &str,
    url: &str,
    campaign: &str,
    arm: EmailArm,
    slot: usize,
) -> Option<String> {
    Some(with_params(
        &absolute_url(shop, url)?,
        &format!("{}&xs_s={slot}", campaign_params(campaign, arm)),
    ))
}

/// `url` as an absolute http(s) URL: as it is, or relative to `shop`;
/// `None` if it fails the URL policy or is protocol-relative (an e-mail
/// has no page scheme to inherit).
pub fn absolute_url(shop: &str, url: &str) -> Option<String> {
    Some(match check_url(url)? {
        SafeUrl::Absolute { url, scheme, .. } if !scheme.is_empty() => url.to_string(),
        SafeUrl::Absolute { .. } => return None,
        SafeUrl::Relative(path) if path.starts_with('/') => format!("{shop}{path}"),
        SafeUrl::Relative(path) => format!("{shop}/{path}"),
    })
}

/// The survey link for `answer` (1–5): the shop's home page with the
/// campaign, arm and answer.
pub fn survey_url(shop: &str, campaign: &str, arm: EmailArm, answer: u8) -> String {
    with_params(
        &format!("{shop}/"),
        &format!("{}&xs_r={answer}", campaign_params(campaign, arm)),
    )
}

/// What every link of a campaign's block carries: the UTM tags and
/// xsell's campaign and arm (`xs_c`, `xs_a`).
fn campaign_params(campaign: &str, arm: EmailArm) -> String {
    format!(
        "utm_source=xsell&utm_medium=email&utm_campaign={campaign}&xs_c={campaign}&xs_a={}",
        arm.as_str()
    )
}

/// `url` with `params` added to its query, before any fragment.
fn with_params(url: &str, params: &str) -> String {
    let (head, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let sep = if head.contains('?') { '&' } else { '?' };
    format!("{head}{sep}{params}{fragment}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arms_are_deterministic_and_near_the_share() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("cust-{i}")).collect();
        let control = keys
            .iter()
            .filter(|k| assign(k, "spring", 10, EmailArm::Legacy) == EmailArm::Legacy)
            .count() as f64;
        // 10 % ± 6 standard errors.
        let se = (0.1f64 * 0.9 / 20_000.0).sqrt() * 20_000.0;
        assert!((control - 2000.0).abs() < 6.0 * se, "{control}");
        assert_eq!(
            assign("a", "spring", 10, EmailArm::NoBlock),
            assign("a", "spring", 10, EmailArm::NoBlock)
        );
        assert_eq!(assign("a", "x", 0, EmailArm::Legacy), EmailArm::Xsell);
        assert_eq!(assign("a", "x", 100, EmailArm::Legacy), EmailArm::Legacy);
    }

    #[test]
    fn links_carry_campaign_arm_and_slot_only() {
        let shop = check_shop_url("https://shop.example/").unwrap();
        assert_eq!(shop, "https://shop.example");
        assert_eq!(
            landing_url(&shop, "/p/1?x=1#top", "spring", EmailArm::Xsell, 2).unwrap(),
            "https://shop.example/p/1?x=1&utm_source=xsell&utm_medium=email&utm_campaign=spring&xs_c=spring&xs_a=xsell&xs_s=2#top"
        );
        assert!(landing_url(&shop, "javascript:alert(1)", "s", EmailArm::Xsell, 1).is_none());
        assert!(landing_url(&shop, "//cdn.example/p", "s", EmailArm::Xsell, 1).is_none());
        assert!(survey_url(&shop, "s", EmailArm::Legacy, 5).ends_with("xs_a=legacy&xs_r=5"));
        assert_eq!(check_shop_url("shop.example"), None);
        assert_eq!(check_shop_url("https://shop.example/?a=1"), None);
    }
}
