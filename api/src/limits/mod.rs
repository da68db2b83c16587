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

use std::time::Duration;

pub use client_addr::client_key;
use memory::{RateLimiter, DEFAULT_MAX_KEYS};
use shared::SharedStore;

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
        match store
            .take(self.name, key, self.per_minute, self.burst)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(Refusal::Limited(wait)),
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
