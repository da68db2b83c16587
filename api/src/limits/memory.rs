//! A keyed rate limiter: one token bucket per key (a client address, a user), held in memory.
//!
//! Each key may make `burst` requests at once and then `per_minute` a minute. The map is
//! bounded: when it is full, keys whose bucket has refilled (idle clients) are dropped first;
//! if every key is active, the map is cleared, which errs towards letting requests through
//! rather than growing without limit. Limits are per process: with N processes a client gets
//! up to N times the limit. This is the embedded default, and the fallback of a shared limit
//! whose Redis does not answer ([`super::shared`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before idle ones are dropped.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets per key. `per_minute == 0` turns the limiter off.
#[derive(Debug)]
pub struct RateLimiter<K = String> {
    per_sec: f64,
    burst: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// `per_minute` sustained requests per key after a burst of `burst` (at least 1).
    pub fn new(per_minute: u32, burst: u32, max_keys: usize) -> Self {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            max_keys: max_keys.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_off(&self) -> bool {
        self.per_sec <= 0.0
    }

    /// Take one token for `key`, or say how long until one is available.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// [`check`](Self::check) at a given instant (for tests).
    pub fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.is_off() {
            return Ok(());
        }
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, b| refill(b, now, per_sec, burst) < burst);
            if buckets.len() >= self.max_keys {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let tokens = refill(bucket, now, self.per_sec, self.burst);
        bucket.at = now;
        if tokens >= 1.0 {
            bucket.tokens = tokens - 1.0;
            Ok(())
        } else {
            bucket.tokens = tokens;
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_sec))
        }
    }
}

fn refill(b: &Bucket, now: Instant, per_sec: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
    (b.tokens + elapsed * per_sec).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_per_key() {
        let l = RateLimiter::<u8>::new(60, 3, 10); // one a second after 3
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check_at(&1, t0).is_ok());
        }
        let wait = l.check_at(&1, t0).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        // Another key is not affected.
        assert!(l.check_at(&2, t0).is_ok());
        // A second later one more request is allowed, not two.
        let t1 = t0 + Duration::from_secs(1);
        assert!(l.check_at(&1, t1).is_ok());
        assert!(l.check_at(&1, t1).is_err());
    }

    #[test]
    fn zero_means_off_and_map_stays_bounded() {
        let off = RateLimiter::<u32>::new(0, 1, 10);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| off.check_at(&1, t0).is_ok()));
        let l = RateLimiter::<u32>::new(60, 2, 4);
        for k in 0..100 {
            let _ = l.check_at(&k, t0);
            assert!(l.buckets.lock().unwrap().len() <= 4);
        }
        // Idle keys are dropped before active ones.
        let l = RateLimiter::<u32>::new(60, 1, 2);
        assert!(l.check_at(&1, t0).is_ok());
        assert!(l.check_at(&2, t0).is_ok());
        let later = t0 + Duration::from_secs(5);
        assert!(l.check_at(&2, later).is_ok()); // 2 is active again (bucket empty)
        assert!(l.check_at(&3, later).is_ok()); // 1 is idle (refilled): dropped for 3
        assert!(
            l.check_at(&2, later).is_err(),
            "key 2 kept its empty bucket"
        );
    }
}
