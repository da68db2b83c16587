//! The test harness: a real server on a real port over a real database.
//!
//! Every test gets its own database ([`TestDb`]) and talks HTTP to the real application: in its
//! own runtime ([`TestApp`]) or as separate processes of the built binary ([`ServerProcess`]).
//! Outbound calls go to local fakes the test starts, over HTTPS with a CA made in the test
//! ([`trusted_ca`], trusted through `LINLI_EXTRA_CA_FILE`): [`FakeWechat`] for logins,
//! [`Receiver`] for webhooks. Tests that kill the database start their own ([`ThrowawayMariadb`]).

mod app;
mod charging;
mod database;
mod galera;
mod mariadb;
mod piles;
mod processes;
mod redis;
mod remote;
mod tls;
mod webhooks;
mod wechat;

pub use app::*;
pub use charging::*;
pub use database::*;
pub use galera::*;
pub use mariadb::*;
pub use piles::*;
pub use processes::*;
pub use redis::*;
pub use remote::*;
pub use tls::*;
pub use webhooks::*;
pub use wechat::*;

use std::time::{Duration, Instant};

/// Run a test body once on MySQL and once on SQLite, as two tests (`<name>::mysql` and
/// `<name>::sqlite`). The app comes from `TestApp::spawn`, or from `spawn = <async fn(Backend)
/// -> TestApp>` when the test needs other settings.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::on_both!($name, spawn = $crate::support::TestApp::spawn, |$app| $body);
    };
    ($name:ident, spawn = $spawn:path, |$app:ident| $body:block) => {
        mod $name {
            // `#[expect]` cannot be used here: whether the glob import is used depends on the
            // body.
            #[allow(unused_imports, reason = "a body may need nothing from its module")]
            use super::*;
            #[actix_web::test]
            async fn mysql() {
                let $app = $spawn($crate::support::Backend::Mysql).await;
                $body
            }
            #[actix_web::test]
            async fn sqlite() {
                let $app = $spawn($crate::support::Backend::Sqlite).await;
                $body
            }
        }
    };
}

/// Wait until `check` holds (polling), or panic after `secs`.
pub async fn eventually<F: FnMut() -> bool>(secs: u64, what: &str, mut check: F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An HTTP client for talking to the server under test. It drops pooled connections after one
/// idle second: the server closes a keep-alive connection idle for five, and a pooled
/// connection reused at that moment fails with "connection closed before message completed"
/// (the race every HTTP client has with a server's keep-alive timeout; a reverse proxy in
/// front of Linli avoids it the same way, with an upstream idle timeout below the server's).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .expect("an HTTP client")
}
