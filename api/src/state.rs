//! What every handler shares: configuration, the database pool, token keys, the outbound HTTPS
//! clients and the clock.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::cards::Cards;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConn, DbHealth, Pool};
use crate::directory::cache::DirectoryCache;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits::Limits;

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: Pool,
    /// Whether the database is known to be unreachable (shared with the pool's manager).
    pub db_health: DbHealth,
    pub jwt: Arc<JwtKeys>,
    /// The outbound HTTPS clients (WeChat, webhooks).
    pub outbound: Arc<crate::outbound::Outbound>,
    pub clock: Clock,
    /// Every rate limit, per process or shared through Redis.
    pub limits: Arc<Limits>,
    /// The directory's cache (snapshot, searches), kept current by the directory stamp.
    pub directory: Arc<DirectoryCache>,
    /// The card index (keyed on the directory stamp) and the per-address lookup limit.
    pub cards: Cards,
    /// The rendered availability grids and the stamp reads they share, kept current by the
    /// sockets' write stamps.
    pub charging: crate::charging::Charging,
    /// Current roles and partner scopes, each answer kept for at most `LINLI_AUTH_CACHE_MS`.
    pub auth: Arc<crate::auth::current::AuthCache>,
    /// The personal-data keys (phone numbers' encryption keys by version, the blind-index key).
    pub pii: Arc<crate::pii::PiiKeys>,
}

impl AppState {
    /// Run blocking Diesel work on the blocking thread pool with a pooled connection. A pool
    /// that cannot hand out a connection within the configured timeout answers 503; while the
    /// database is known to be down it waits only [`crate::db::DOWN_WAIT`]. A failure on a
    /// connection that turns out dead drops it (and the other dead ones) from the pool.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let health = self.db_health.clone();
        let mut wait = self.config.db_timeout();
        if health.is_down() {
            wait = wait.min(crate::db::DOWN_WAIT);
        }
        let manager = self
            .config
            .database_target()
            .map(|t| crate::db::Manager::watched(t, health.clone()))
            .map_err(ApiError::internal)?;
        actix_web::web::block(move || {
            crate::db::with_reconnect(manager, || {
                let asked = std::time::Instant::now();
                let got = pool.get_timeout(wait);
                crate::ops::metrics::pool_wait(asked.elapsed());
                let mut conn = match got {
                    Ok(conn) => conn,
                    Err(e) => {
                        crate::ops::metrics::db_unavailable();
                        return Err(e.into());
                    }
                };
                let result = f(&mut conn);
                if let Err(e) = &result {
                    let suspicious = matches!(
                        e.code,
                        ErrorCode::ServiceUnavailable | ErrorCode::InternalError
                    ) && !e.retryable;
                    if suspicious {
                        crate::db::drop_if_dead(&pool, &mut conn, &health);
                    }
                    if e.code == ErrorCode::ServiceUnavailable {
                        crate::ops::metrics::db_unavailable();
                    }
                }
                result
            })
        })
        .await
        .map_err(ApiError::internal)?
    }
}
