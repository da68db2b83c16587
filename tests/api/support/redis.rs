//! The Redis the shared rate limits use in tests: `LINLI_TEST_REDIS_URL` (set by
//! `scripts/test`, which starts a private one when none answers), each test under a key
//! prefix of its own so tests running at once never share a counter.

/// The tests' Redis.
pub fn redis_url() -> String {
    std::env::var("LINLI_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test uses.
pub fn redis_prefix() -> String {
    format!("linli-test:{}:", uuid::Uuid::new_v4().simple())
}
