//! What every handler shares: configuration, the database pool, token keys, the outbound HTTP
//! client and the clock.

use std::sync::Arc;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::error::{ApiError, ApiResult};

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: Pool,
    pub jwt: Arc<JwtKeys>,
    pub http: reqwest::Client,
    pub clock: Clock,
    /// Request limit per partner API client.
    pub partner_limiter: Arc<crate::partners::limiter::WindowLimiter>,
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
