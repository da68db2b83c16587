//! What every handler shares: configuration, the database pool, token keys, the outbound HTTP
//! client and the clock.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::directory::cache::DirectoryCache;
use crate::error::{ApiError, ApiResult};
use crate::http::ratelimit::RateLimiter;

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: Pool,
    pub jwt: Arc<JwtKeys>,
    pub http: reqwest::Client,
    pub clock: Clock,
    /// Request limit per partner API client.
    pub partner_limiter: Arc<RateLimiter<String>>,
    /// WeChat logins per client address.
    pub login_limit: Arc<RateLimiter>,
    /// Booking attempts per user.
    pub booking_limit: Arc<RateLimiter<i64>>,
    /// Cached card lookups and directory snapshot (issue 4), kept current by the stamp.
    pub directory: Arc<DirectoryCache>,
    /// Rendered availability grids (issue 3), kept current by the sockets' write stamps.
    pub grid: Arc<crate::charging::grid::GridCache>,
    /// Availability-grid stamp reads in flight, shared by concurrent requests.
    pub grid_flights: Arc<crate::charging::grid::Flights>,
    /// Per-address limit of card lookups.
    pub card_lookup_limit: Arc<RateLimiter>,
}

impl AppState {
    /// Run blocking Diesel work on the blocking thread pool with a pooled connection. A pool
    /// that cannot hand out a connection within the configured timeout answers 503.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }
}
