//! Per-source caps: at most so many reports a day from one source (an
//! IPv4 address, or an IPv6 /64, which one host usually holds), so one
//! sender can neither starve the shoppers nor flood the estimates alone.
//!
//! Nothing here identifies anyone or outlives the day:
//! - a source is kept only as a keyed hash (`RandomState`, SipHash with
//!   random keys), never as its address;
//! - the key is made afresh at every UTC day and held only in memory, so
//!   yesterday's hashes cannot be recomputed, and a restart forgets all;
//! - the counts are never written down, logged or answered;
//! - at most [`MAX_TRACKED`] sources are counted a day; past that a new
//!   source is let through uncounted (and the number of those is kept),
//!   so memory stays bounded under a flood of addresses.
//!
//! What it cannot do: many sources (a botnet) each under the cap pass, and
//! many honest shoppers behind one address (a company, a carrier's NAT)
//! share its cap. The widget keeps a refused report and retries it on a
//! later day within the collector's window.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;

/// Sources counted a day at most (about 16 bytes each).
pub const MAX_TRACKED: usize = 1 << 20;

/// Whether a report from a source is let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Under the cap (or not countable): take it.
    Yes,
    /// The source has sent its day's share.
    OverCap,
}

/// Today's counts.
pub struct Caps {
    per_day: u32,
    day: u64,
    key: RandomState,
    counts: HashMap<u64, u32>,
    untracked: u64,
}

/// The part of an address that names a source: all of IPv4, the /64 of
/// IPv6 (an IPv4-mapped IPv6 address is its IPv4 one).
fn prefix(ip: IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match ip {
        IpAddr::V4(v4) => out[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => out[..4].copy_from_slice(&v4.octets()),
            None => {
                out[0] = 6;
                out[8..].copy_from_slice(&v6.octets()[..8]);
            }
        },
    }
    out
}

impl Caps {
    /// Caps of `per_day` reports a source.
    pub fn new(per_day: u32) -> Self {
        Self {
            per_day,
            day: u64::MAX,
            key: RandomState::new(),
            counts: HashMap::new(),
            untracked: 0,
        }
    }

    /// Counts a report from `source` on `day` (days since 1970, UTC).
    pub fn admit(&mut self, day: u64, source: IpAddr) -> Admit {
        if day != self.day {
            // A new day: a new key, and nothing of yesterday kept.
            self.day = day;
            self.key = RandomState::new();
            self.counts = HashMap::new();
            self.untracked = 0;
        }
        if self.per_day == 0 {
            return Admit::OverCap;
        }
        let h = self.key.hash_one(prefix(source));
        let full = self.counts.len() >= MAX_TRACKED;
        match self.counts.get_mut(&h) {
            Some(n) if *n >= self.per_day => Admit::OverCap,
            Some(n) => {
                *n += 1;
                Admit::Yes
            }
            None if full => {
                self.untracked += 1;
                Admit::Yes
            }
            None => {
                self.counts.insert(h, 1);
                Admit::Yes
            }
        }
    }

    /// Sources counted today.
    pub fn tracked(&self) -> usize {
        self.counts.len()
    }

    /// Reports let through uncounted today (the table was full).
    pub fn untracked(&self) -> u64 {
        self.untracked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_source_gets_its_share_a_day_and_a_new_day_starts_afresh() {
        let mut caps = Caps::new(3);
        let a = ip("203.0.113.7");
        let got: Vec<Admit> = (0..5).map(|_| caps.admit(100, a)).collect();
        assert_eq!(
            got,
            [
                Admit::Yes,
                Admit::Yes,
                Admit::Yes,
                Admit::OverCap,
                Admit::OverCap
            ]
        );
        assert_eq!(
            caps.admit(100, ip("203.0.113.8")),
            Admit::Yes,
            "another source"
        );
        assert_eq!(caps.admit(101, a), Admit::Yes, "the next day");
        assert_eq!(caps.tracked(), 1, "yesterday is forgotten");
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source_and_mapped_ipv4_is_its_ipv4() {
        let mut caps = Caps::new(2);
        for host in ["2001:db8:1:2::1", "2001:db8:1:2::ffff"] {
            assert_eq!(caps.admit(1, ip(host)), Admit::Yes);
        }
        assert_eq!(caps.admit(1, ip("2001:db8:1:2:abcd::9")), Admit::OverCap);
        assert_eq!(caps.admit(1, ip("2001:db8:1:3::1")), Admit::Yes);
        assert_eq!(caps.admit(1, ip("198.51.100.1")), Admit::Yes);
        assert_eq!(caps.admit(1, ip("::ffff:198.51.100.1")), Admit::Yes);
        assert_eq!(caps.admit(1, ip("198.51.100.1")), Admit::OverCap);
    }

    #[test]
    fn the_key_changes_every_day_so_counts_cannot_be_linked_across_days() {
        let mut caps = Caps::new(10);
        caps.admit(1, ip("192.0.2.1"));
        let first: Vec<u64> = caps.counts.keys().copied().collect();
        caps.admit(2, ip("192.0.2.1"));
        let second: Vec<u64> = caps.counts.keys().copied().collect();
        assert_ne!(first, second, "a fresh key each day");
    }

    #[test]
    fn past_the_table_new_sources_pass_uncounted_and_memory_stays_bounded() {
        let mut caps = Caps::new(1);
        // Fill the table cheaply: MAX_TRACKED distinct fake hashes.
        caps.admit(5, ip("10.0.0.1"));
        for h in 0..MAX_TRACKED as u64 {
            caps.counts.insert(h.wrapping_mul(0x9e37_79b9_7f4a_7c15), 1);
        }
        assert!(caps.tracked() >= MAX_TRACKED);
        let before = caps.tracked();
        assert_eq!(caps.admit(5, ip("10.9.9.9")), Admit::Yes);
        assert_eq!(caps.tracked(), before, "not added");
        assert_eq!(caps.untracked(), 1);
        assert_eq!(
            caps.admit(5, ip("10.0.0.1")),
            Admit::OverCap,
            "the counted still are"
        );
    }
}
