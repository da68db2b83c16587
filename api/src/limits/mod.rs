//! Rate limits: every configured limit, counted per process or — with `LINLI_REDIS_URL` —
//! once for the whole deployment.
//!
//! | limit | key | setting | when Redis does not answer |
//! | --- | --- | --- | --- |
//! | card lookups | client address | `LINLI_CARD_LOOKUPS_PER_MINUTE` | this process's own bucket |
//! | WeChat logins | client address | `LINLI_WECHAT_LOGINS_PER_MINUTE` | this process's own bucket |
//! | bookings | resident | `LINLI_BOOKINGS_PER_MINUTE` | this process's own bucket |
//! | partner API | client id | `LINLI_PARTNER_RATE_PER_MIN` | this process's own bucket |
//! | partner token | client id | `LINLI_PARTNER_TOKEN_PER_MINUTE` | refused (503) |
//! | partner token | client address | `LINLI_PARTNER_TOKEN_PER_ADDRESS_PER_MINUTE` | refused (503) |
//!
//! Falling back to the process's bucket keeps a limit (at most N times it with N processes)
//! without turning a Redis outage into an outage of card lookups, logins or bookings — which
//! the database's own rules protect anyway. The token endpoint is the one place where secrets
//! are tried; its callers are servers that retry later and tokens already issued keep working
//! for their lifetime, so it refuses rather than letting guesses through at N times the rate.

pub mod client_addr;
pub mod memory;
pub mod shared;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use client_addr::client_key;
use memory::{RateLimiter, DEFAULT_MAX_KEYS};
use shared::{SharedStore, Taken};

/// The most tokens one trip to Redis takes for a key ([`Leases`]).
const LEASE_MAX: u32 = 256;
/// A lease takes at most this part (1/N) of the tokens the key has left, so that a key with
/// fewer than 2N left (every limit of tens a minute, and any key close to its limit) gets one
/// token per trip and the processes share the last ones exactly: tokens one process leased
/// are refused to the others meanwhile, and lost if the client stops asking there.
const LEASE_SHARE: u32 = 32;
/// How long tokens taken ahead are kept; unspent ones then lapse.
const LEASE_TTL: Duration = Duration::from_secs(1);

/// Tokens this process took from a shared bucket ahead of use, per key: one Redis round trip
/// serves up to [`LEASE_MAX`] requests of a busy key instead of one, so the hot path (the card
/// lookup) mostly costs a map lookup. The tokens are taken from the shared bucket when leased,
/// so a lease never lets a client past the limit; tokens left unspent when the lease lapses
/// are lost to that client (the shared count errs towards strict), which only happens to a
/// client that stopped asking while it still had room. Leases are a fraction of what is left
/// ([`LEASE_SHARE`]), so near its limit a client gets one token per trip, as without leases.
#[derive(Debug, Default)]
struct Leases {
    map: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Leases {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Spend one leased token of `key`, if a live lease has one.
    fn spend(&self, key: &str, now: Instant) -> bool {
        let mut map = self.lock();
        match map.get_mut(key) {
            Some((tokens, until)) if *tokens > 0 && *until > now => {
                *tokens -= 1;
                true
            }
            Some(_) => {
                map.remove(key);
                false
            }
            None => false,
        }
    }

    /// Keep `tokens` more of `key` for [`LEASE_TTL`].
    fn add(&self, key: &str, tokens: u32, now: Instant) {
        if tokens == 0 {
            return;
        }
        let mut map = self.lock();
        if map.len() >= DEFAULT_MAX_KEYS {
            map.retain(|_, (t, until)| *t > 0 && *until > now);
            if map.len() >= DEFAULT_MAX_KEYS {
                // Every lease is live: drop them all (their tokens lapse; strict, not loose).
                map.clear();
            }
        }
        let lease = map.entry(key.to_owned()).or_insert((0, now + LEASE_TTL));
        if lease.1 <= now {
            *lease = (0, now + LEASE_TTL);
        }
        lease.0 = lease.0.saturating_add(tokens);
    }
}

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};

/// What a shared limit does while Redis does not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenStoreDown {
    /// Count in this process's memory (the limit holds per process).
    CountLocally,
    /// Answer 503 `service_unavailable`.
    Refuse,
}

/// One named limit: `per_minute` requests per key after a burst of `burst`.
#[derive(Debug)]
pub struct Limit {
    name: &'static str,
    per_minute: u32,
    burst: u32,
    local: RateLimiter<String>,
    shared: Option<SharedStore>,
    leases: Leases,
    when_down: WhenStoreDown,
}

impl Limit {
    pub fn new(
        name: &'static str,
        per_minute: u32,
        burst: u32,
        shared: Option<SharedStore>,
        when_down: WhenStoreDown,
    ) -> Self {
        Limit {
            name,
            per_minute,
            burst: burst.max(1),
            local: RateLimiter::new(per_minute, burst, DEFAULT_MAX_KEYS),
            shared,
            leases: Leases::default(),
            when_down,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `0` per minute turns a limit off.
    pub fn is_off(&self) -> bool {
        self.per_minute == 0
    }

    /// Take one request of `key`'s allowance, or say how long until there is one.
    pub async fn check(&self, key: &str) -> Result<(), Refusal> {
        if self.is_off() {
            return Ok(());
        }
        let Some(store) = &self.shared else {
            return self.check_locally(key);
        };
        if self.leases.spend(key, Instant::now()) {
            return Ok(());
        }
        match store
            .take(
                self.name,
                key,
                self.per_minute,
                self.burst,
                LEASE_MAX,
                LEASE_SHARE,
            )
            .await
        {
            Ok(Taken::Granted(n)) => {
                self.leases.add(key, n - 1, Instant::now());
                Ok(())
            }
            Ok(Taken::Limited(wait)) => Err(Refusal::Limited(wait)),
            Err(e) => {
                crate::ops::metrics::redis_failure(self.name);
                tracing::warn!(limit = self.name, error = %e, "shared rate limit unavailable");
                match self.when_down {
                    WhenStoreDown::CountLocally => self.check_locally(key),
                    WhenStoreDown::Refuse => Err(Refusal::StoreDown),
                }
            }
        }
    }

    fn check_locally(&self, key: &str) -> Result<(), Refusal> {
        self.local.check(&key.to_owned()).map_err(Refusal::Limited)
    }

    /// [`check`](Self::check), answering 429 `rate_limited` with `Retry-After` (whole seconds,
    /// at least 1), or 503 when the shared store is down and this limit refuses then.
    pub async fn enforce(&self, key: &str) -> Result<(), ApiError> {
        self.check(key).await.map_err(|refusal| {
            crate::ops::metrics::rate_limited(self.name);
            match refusal {
                Refusal::Limited(wait) => {
                    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                    ApiError::new(ErrorCode::RateLimited)
                        .with_retry_after(secs)
                        .with_details(serde_json::json!({ "retry_after_seconds": secs }))
                }
                Refusal::StoreDown => ApiError::unavailable("rate-limit store unavailable"),
            }
        })
    }
}

/// Why a request was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over the limit; the wait until the next request is allowed.
    Limited(Duration),
    /// The shared store did not answer and the limit refuses meanwhile.
    StoreDown,
}

/// Every limit of the application.
#[derive(Debug)]
pub struct Limits {
    /// Public card lookups per client address (keeps the printed sequence from being walked).
    pub card_lookup: Limit,
    /// WeChat logins per client address (protects WeChat's quota).
    pub login: Limit,
    /// Booking attempts per resident.
    pub booking: Limit,
    /// Partner API requests per client id.
    pub partner: Limit,
    /// Token requests per partner client id (known or not).
    pub partner_token_client: Limit,
    /// Token requests per client address.
    pub partner_token_addr: Limit,
    /// Whether the limits are shared through Redis.
    pub shared: bool,
}

impl Limits {
    /// The limits `config` sets, shared through Redis when `LINLI_REDIS_URL` is set.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let url = config.redis_url.expose().trim();
        let store = if url.is_empty() {
            None
        } else {
            Some(SharedStore::new(
                url,
                &config.redis_prefix,
                Duration::from_millis(config.redis_timeout_ms.max(1)),
            )?)
        };
        let limit = |name, per_minute: u32, burst: u32, when_down| {
            Limit::new(name, per_minute, burst, store.clone(), when_down)
        };
        use WhenStoreDown::{CountLocally, Refuse};
        let (token, token_addr) = (
            config.partner_token_per_minute,
            config.partner_token_per_address_per_minute,
        );
        Ok(Limits {
            card_lookup: limit(
                "card_lookup",
                config.card_lookups_per_minute,
                config.card_lookups_per_minute,
                CountLocally,
            ),
            login: limit(
                "login",
                config.wechat_logins_per_minute,
                config.wechat_logins_per_minute,
                CountLocally,
            ),
            booking: limit(
                "booking",
                config.bookings_per_minute,
                config.bookings_per_minute.min(10),
                CountLocally,
            ),
            partner: limit(
                "partner",
                config.partner_rate_per_min,
                config.partner_rate_per_min,
                CountLocally,
            ),
            partner_token_client: limit("partner_token_client", token, token, Refuse),
            partner_token_addr: limit("partner_token_addr", token_addr, token_addr, Refuse),
            shared: store.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_spends_what_it_was_given_and_lapses() {
        let leases = Leases::default();
        let t0 = Instant::now();
        assert!(!leases.spend("a", t0), "nothing leased yet");
        leases.add("a", 2, t0);
        assert!(leases.spend("a", t0));
        assert!(!leases.spend("b", t0), "leases are per key");
        assert!(leases.spend("a", t0));
        assert!(!leases.spend("a", t0), "two tokens, two requests");
        leases.add("a", 5, t0);
        assert!(
            !leases.spend("a", t0 + LEASE_TTL),
            "unspent tokens lapse with the lease"
        );
        leases.add("a", 1, t0 + LEASE_TTL);
        assert!(
            leases.spend("a", t0 + LEASE_TTL),
            "a new lease after one lapsed"
        );
    }
}
