//! The gateway's limits on what one source may cost it. The protocol has no device
//! authentication, so anyone who can reach the port can open connections and send frames:
//!
//! - [`AddressSlots`]: at most N connections at once from one source address (a host carries
//!   several piles on one connection, and a few hosts may share a carrier's NAT address, so N
//!   is generous); more are closed as they arrive;
//! - [`FrameBudget`]: a token bucket per connection (a rate per second, two seconds' worth of
//!   burst). A frame over it is dropped before it costs a database call, so a flooding
//!   connection cannot crowd out the others' work; a connection that keeps flooding for
//!   [`FLOOD_STRIKES`] seconds in a row is closed.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Consecutive seconds with dropped frames after which a flooding connection is closed.
pub const FLOOD_STRIKES: u32 = 3;

/// What to do with one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within budget: handle it.
    Pass,
    /// Over budget: drop it unread.
    Drop,
    /// Over budget for [`FLOOD_STRIKES`] seconds in a row: close the connection.
    Close,
}

/// One connection's frame budget.
#[derive(Debug)]
pub struct FrameBudget {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
    window_start: Instant,
    dropped_in_window: u64,
    strikes: u32,
}

impl FrameBudget {
    /// `per_sec` frames a second (at least 1), a full bucket of two seconds' worth.
    pub fn new(per_sec: u32, now: Instant) -> Self {
        let rate = f64::from(per_sec.max(1));
        FrameBudget {
            rate,
            capacity: rate * 2.0,
            tokens: rate * 2.0,
            last: now,
            window_start: now,
            dropped_in_window: 0,
            strikes: 0,
        }
    }

    /// Account for one frame arriving at `now`.
    pub fn take(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
        let window = now.saturating_duration_since(self.window_start);
        if window >= Duration::from_secs(1) {
            // A second with drops is a strike; a quiet second (or a gap) forgives.
            self.strikes = match (self.dropped_in_window > 0, window < Duration::from_secs(2)) {
                (true, true) => self.strikes + 1,
                (true, false) => 1,
                (false, _) => 0,
            };
            self.window_start = now;
            self.dropped_in_window = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Pass;
        }
        self.dropped_in_window += 1;
        if self.strikes >= FLOOD_STRIKES {
            Verdict::Close
        } else {
            Verdict::Drop
        }
    }
}

/// Connections held per source address; cheap to clone.
#[derive(Clone, Debug)]
pub struct AddressSlots {
    max: u32,
    held: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// One held connection's place; freed when dropped.
#[derive(Debug)]
pub struct Slot {
    addr: IpAddr,
    held: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl AddressSlots {
    pub fn new(max: u32) -> Self {
        AddressSlots {
            max: max.max(1),
            held: Arc::default(),
        }
    }

    /// A place for one more connection from `addr`, or `None` when it holds the most.
    pub fn admit(&self, addr: IpAddr) -> Option<Slot> {
        let mut held = lock(&self.held);
        let n = held.entry(addr).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            addr,
            held: self.held.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = lock(&self.held);
        if let Some(n) = held.get_mut(&self.addr) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.addr);
            }
        }
    }
}

fn lock(m: &Mutex<HashMap<IpAddr, u32>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let t0 = Instant::now();
        let mut b = FrameBudget::new(10, t0);
        let passed = (0..100).filter(|_| b.take(t0) == Verdict::Pass).count();
        assert_eq!(passed, 20, "two seconds' worth at once");
        // Half a second later, five more.
        let t1 = t0 + Duration::from_millis(500);
        let passed = (0..100).filter(|_| b.take(t1) == Verdict::Pass).count();
        assert_eq!(passed, 5);
    }

    #[test]
    fn flooding_for_three_seconds_closes_and_a_quiet_second_forgives() {
        let t0 = Instant::now();
        let mut b = FrameBudget::new(5, t0);
        let mut last = Verdict::Pass;
        for ms in (0..5_000).step_by(1) {
            last = b.take(t0 + Duration::from_millis(ms));
            if last == Verdict::Close {
                assert!(ms >= 3_000, "closed after {ms} ms");
                break;
            }
        }
        assert_eq!(last, Verdict::Close);

        let mut b = FrameBudget::new(5, t0);
        for ms in 0..2_500 {
            assert_ne!(b.take(t0 + Duration::from_millis(ms)), Verdict::Close);
        }
        // A quiet gap, then normal traffic: never closed.
        for s in 5..20 {
            assert_eq!(b.take(t0 + Duration::from_secs(s)), Verdict::Pass);
        }
    }

    #[test]
    fn slots_are_counted_per_address_and_freed_on_drop() {
        let slots = AddressSlots::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = slots.admit(a).unwrap();
        let _second = slots.admit(a).unwrap();
        assert!(slots.admit(a).is_none());
        assert!(slots.admit(b).is_some(), "another address is not affected");
        drop(first);
        assert!(slots.admit(a).is_some());
    }
}
