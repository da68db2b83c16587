//! Rate-limit counters in Redis, shared by every process of a deployment.
//!
//! Each key is one GCRA cell (the token bucket of [`super::memory`] stored as its "theoretical
//! arrival time"): one Lua script reads it, decides and writes it back atomically, on Redis's
//! own clock, so processes on machines whose clocks differ still share one limit. A key expires
//! when its bucket is full again, so idle clients cost nothing.
//!
//! Redis runs on its own thread (a small tokio runtime of its own): the HTTP workers only wait
//! for an answer, bounded by `LINLI_REDIS_TIMEOUT_MS`. After a failure the store is skipped for
//! [`PAUSE_AFTER_FAILURE`] so a dead Redis costs one timeout a second, not one per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

/// How long a failed store is left alone before it is tried again.
pub const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// GCRA with leases: KEYS[1] the cell; ARGV[1] microseconds per token; ARGV[2] burst;
/// ARGV[3] the most tokens wanted; ARGV[4] the share of the tokens available now that one
/// lease may take (1/ARGV[4]). Returns `{granted, wait}`: `granted` tokens (at least 1, at most
/// ARGV[3] and a share of what is available, so that near the limit every lease is one token)
/// and `wait = 0`; or `{0, microseconds until one token is available}`.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local share = tonumber(ARGV[4])
if interval <= 0 then return {want, 0} end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local available = math.floor((now + burst * interval - tat) / interval)
if available < 1 then
  return {0, math.max(1, math.floor(tat + interval - burst * interval - now))}
end
local granted = math.min(want, math.max(1, math.floor(available / share)))
local new_tat = tat + granted * interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
return {granted, 0}
";

/// The store's answer to [`SharedStore::take`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// This many tokens (at least one) are the caller's.
    Granted(u32),
    /// None is available for this long.
    Limited(Duration),
}

/// Why the store gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer in time")]
    Timeout,
    #[error("redis is paused after a failure")]
    Paused,
    #[error("redis thread is gone")]
    Gone,
}

/// A connection to the shared counters; cheap to clone.
#[derive(Clone)]
pub struct SharedStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    prefix: String,
    timeout: Duration,
    script: redis::Script,
    runtime: tokio::runtime::Handle,
    /// Unix milliseconds until which the store is not tried (after a failure).
    paused_until: AtomicU64,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("prefix", &self.inner.prefix)
            .finish_non_exhaustive()
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl SharedStore {
    /// A store for `url` (not connected yet: the first check connects, so the server starts
    /// even while Redis is down). Fails only on a malformed URL or when no thread can start.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("LINLI_REDIS_URL: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("redis runtime: {e}"))?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("linli-redis".into())
            .spawn(move || runtime.block_on(std::future::pending::<()>()))
            .map_err(|e| format!("redis thread: {e}"))?;
        Ok(SharedStore {
            inner: Arc::new(Inner {
                client,
                conn: OnceCell::new(),
                prefix: prefix.to_owned(),
                timeout,
                script: redis::Script::new(SCRIPT),
                runtime: handle,
                paused_until: AtomicU64::new(0),
            }),
        })
    }

    /// Take up to `want` tokens of `limit` for `key` (`per_minute` after a burst of `burst`),
    /// at most a `1/share` part of those available now and at least one: `Ok(Granted(n))`
    /// when allowed, `Ok(Limited(wait))` when not, `Err` when Redis did not answer.
    pub async fn take(
        &self,
        limit: &str,
        key: &str,
        per_minute: u32,
        burst: u32,
        want: u32,
        share: u32,
    ) -> Result<Taken, StoreError> {
        let inner = self.inner.clone();
        if unix_ms() < inner.paused_until.load(Ordering::Relaxed) {
            return Err(StoreError::Paused);
        }
        let cell = format!("{}rl:{limit}:{key}", inner.prefix);
        let interval_us = 60_000_000 / u64::from(per_minute.max(1));
        let burst = burst.max(1);
        let timeout = inner.timeout;
        let task = inner.clone();
        let joined = self.inner.runtime.spawn(async move {
            tokio::time::timeout(timeout, async {
                let mut conn = task
                    .conn
                    .get_or_try_init(|| {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(timeout.max(Duration::from_millis(250))))
                            .set_response_timeout(Some(timeout))
                            .set_number_of_retries(1);
                        ConnectionManager::new_with_config(task.client.clone(), config)
                    })
                    .await?
                    .clone();
                let answer: (u64, u64) = task
                    .script
                    .key(cell)
                    .arg(interval_us)
                    .arg(burst)
                    .arg(want.max(1))
                    .arg(share.max(1))
                    .invoke_async(&mut conn)
                    .await?;
                Ok::<_, StoreError>(answer)
            })
            .await
            .map_err(|_| StoreError::Timeout)?
        });
        let result = joined.await.map_err(|_| StoreError::Gone).and_then(|r| r);
        match result {
            Ok((0, us)) => Ok(Taken::Limited(Duration::from_micros(us.max(1)))),
            Ok((granted, _)) => Ok(Taken::Granted(u32::try_from(granted).unwrap_or(u32::MAX))),
            Err(e) => {
                let until = unix_ms() + PAUSE_AFTER_FAILURE.as_millis() as u64;
                inner.paused_until.store(until, Ordering::Relaxed);
                Err(e)
            }
        }
    }
}
