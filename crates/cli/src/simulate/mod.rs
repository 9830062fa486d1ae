//! `xsell simulate`: a reproducible stand-in for live traffic, on real
//! baskets. Each simulated device is a real Instacart user on the day of
//! one real order ([`population`]), walked through the widget's own
//! [`Shopper`] core of the arm its salt falls in ([`walk`]), with a stated
//! behaviour model ([`behaviour`]). The devices' noised reports go over
//! HTTP to a real collector ([`transport`]) and the collector's experiment
//! analysis makes the before/after table ([`table`]), beside the truth the
//! simulator knows ([`truth`]). Documented in `docs/simulator.md`.

pub mod behaviour;
pub mod population;
pub mod table;
pub mod transport;
pub mod truth;
pub mod walk;

use behaviour::Behaviour;
use population::Population;
use rayon::prelude::*;
use walk::{DeviceDay, WalkSettings};
use xsell_core::privacy::exact::SplitMix64;
use xsell_core::shopper::{Shopper, ShopperSettings};
use xsell_core::{Model, Valid};

/// The simulator's experiment: one placement, three arms of equal weight
/// (xsell with the shop's own config, the legacy co-purchase list, and no
/// widget), over `days` days starting `start`.
pub fn experiment_file(name: &str, placement: &str, start: &str, end: &str) -> String {
    serde_json::json!({
        "v": 1,
        "experiments": [{
            "name": name,
            "placement": placement,
            "start": start,
            "end": end,
            "arms": [
                { "name": "xsell", "weight": 1 },
                { "name": "legacy", "weight": 1, "kind": "legacy" },
                { "name": "holdout", "weight": 1, "kind": "holdout" }
            ]
        }]
    })
    .to_string()
}

/// The seed of device `k`'s stream `stream` (SplitMix64 of the mix, so
/// nearby seeds and devices give unrelated streams).
fn stream(seed: u64, k: u64, stream: u64) -> SplitMix64 {
    let mut s = SplitMix64(
        seed ^ k.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ stream.wrapping_mul(0xd1b5_4a32_d192_ed03),
    );
    use xsell_core::privacy::exact::RandomBits;
    SplitMix64(s.next_u64())
}

/// Everything a run of devices shares.
pub struct Simulation<'a, 'm> {
    /// The model.
    pub model: &'a Model<'m>,
    /// The shop's settings, with the experiment.
    pub settings: &'a Valid<ShopperSettings>,
    /// The real trips.
    pub population: &'a Population,
    /// The behaviour model.
    pub behaviour: &'a Behaviour,
    /// Placement, days, prices.
    pub walk: &'a WalkSettings,
}

impl Simulation<'_, '_> {
    /// Simulates `clients` devices, device `k` on trip `k mod trips` (the
    /// population in a seeded random order, so every trip is used about
    /// equally often), in parallel; `tick` is called once per device.
    pub fn run(&self, clients: u64, seed: u64, tick: &(dyn Fn() + Sync)) -> Vec<DeviceDay> {
        let trips = &self.population.trips;
        if trips.is_empty() {
            return Vec::new();
        }
        let mut order: Vec<usize> = (0..trips.len()).collect();
        let mut rng = stream(seed, u64::MAX, 0);
        for i in (1..order.len()).rev() {
            let j = xsell_core::privacy::exact::uniform_below(&mut rng, i as u64 + 1) as usize;
            order.swap(i, j);
        }
        (0..clients)
            .into_par_iter()
            .map_init(
                || Shopper::new(self.model.clone(), self.settings.clone(), None, None).0,
                |shopper, k| {
                    let trip = &trips[order[(k % trips.len() as u64) as usize]];
                    let day = walk::walk(
                        shopper,
                        trip,
                        self.behaviour,
                        self.walk,
                        &mut stream(seed, k, 1),
                        &mut stream(seed, k, 2),
                    );
                    tick();
                    day
                },
            )
            .collect()
    }
}
