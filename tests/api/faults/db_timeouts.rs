//! MySQL connections have connect, read and write timeouts: a server that stops answering
//! (a transaction killed by a replicated write, a dropped packet) fails the request with a
//! fast 503 instead of hanging it, the connection is not handed out again, and requests are
//! served again as soon as the server answers. The database sits behind a TCP proxy the test
//! can freeze: it keeps every connection open and forwards nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use std::io::{Read, Write};

use super::*;

/// A TCP proxy to `upstream` that forwards nothing while `frozen` is set. It runs on threads
/// of its own: the server under test connects synchronously from the test's runtime.
struct FreezingProxy {
    addr: std::net::SocketAddr,
    frozen: Arc<AtomicBool>,
}

fn pump(mut from: std::net::TcpStream, mut to: std::net::TcpStream, frozen: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while frozen.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
}

impl FreezingProxy {
    fn start(upstream: String) -> FreezingProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let frozen = Arc::new(AtomicBool::new(false));
        let f = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (f1, f2) = (f.clone(), f.clone());
                std::thread::spawn(move || pump(client, server, f1));
                std::thread::spawn(move || pump(s2, c2, f2));
            }
        });
        FreezingProxy { addr, frozen }
    }

    fn freeze(&self, on: bool) {
        self.frozen.store(on, Ordering::SeqCst);
    }
}

/// `mysql://user@host:port/db` → (`host:port`, the URL with `proxy` in place of host:port).
fn through(url: &str, proxy: std::net::SocketAddr) -> (String, String) {
    let parsed = url::Url::parse(url).unwrap();
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(3306)
    );
    let mut via = parsed.clone();
    via.set_host(Some("127.0.0.1")).unwrap();
    via.set_port(Some(proxy.port())).unwrap();
    (upstream, via.to_string())
}

#[actix_web::test]
async fn db_timeouts_a_statement_longer_than_the_read_timeout_fails_fast() {
    let db = TestDb::new(Backend::Mysql);
    let mut config = linli::config::Config::defaults();
    config.database_url = linli::config::Secret::new(db.url.clone());
    config.db_read_timeout_secs = 2;
    let pool = linli::db::build_pool(&config).unwrap();
    let mut conn = pool.get().unwrap();
    // Without the server's own statement limit, only the client's read timeout can stop it.
    conn.batch_execute("SET SESSION max_statement_time = 0; SELECT SLEEP(0.2)")
        .unwrap();
    let started = Instant::now();
    let err = conn
        .batch_execute("SELECT SLEEP(5)")
        .expect_err("a statement longer than the read timeout fails");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(3500),
        "the read timeout (2 s) did not apply: {took:?}"
    );
    assert!(
        linli::db::is_connection_lost(&err.to_string()),
        "not a lost connection: {err}"
    );
    let health = linli::db::DbHealth::default();
    assert!(
        linli::db::drop_if_dead(&pool, &mut conn, &health),
        "the timed-out connection still answers"
    );
}

#[actix_web::test]
async fn db_timeouts_a_server_that_stops_answering_gets_a_fast_503_not_a_hang() {
    let (upstream, _) = through(
        &format!("{}/x", mysql_base_url()),
        "127.0.0.1:1".parse().unwrap(),
    );
    let proxy = FreezingProxy::start(upstream);
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        // The test's own database, reached through the proxy.
        let (_, via) = through(c.database_url.expose(), proxy.addr);
        c.database_url = linli::config::Secret::new(via);
        c.db_connect_timeout_secs = 1;
        c.db_read_timeout_secs = 2;
    })
    .await;
    let token = app.token("frozen", "resident").await;
    app.get("/api/v1/me", Some(&token)).await.expect(200, None);

    proxy.freeze(true);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    for round in 0..3 {
        let started = Instant::now();
        let res = http
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("round {round}: no answer (hung request): {e}"));
        let took = started.elapsed();
        assert_eq!(res.status().as_u16(), 503, "round {round}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "service_unavailable");
        assert!(
            took < Duration::from_secs(5),
            "round {round}: the 503 took {took:?} (read timeout 2 s)"
        );
    }

    proxy.freeze(false);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let res = app.get("/api/v1/me", Some(&token)).await;
        if res.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not serving again 5 s after the database answers: {}",
            res.status
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// SIGTERM while a request waits on a database that stopped answering (its read timeout far
/// longer than the grace period): the stuck request does not hold the process, which stops
/// accepting at once and exits when the grace period ends, not when the database answers.
#[actix_web::test]
async fn db_timeouts_sigterm_is_not_blocked_by_a_request_stuck_on_the_database() {
    let db = TestDb::new(Backend::Mysql);
    let (upstream, _) = through(&db.url, "127.0.0.1:1".parse().unwrap());
    let proxy = FreezingProxy::start(upstream);
    let (_, via) = through(&db.url, proxy.addr);
    let server = ServerProcess::start(
        &db,
        &[
            ("LINLI_DATABASE_URL", via.as_str()),
            ("LINLI_DB_READ_TIMEOUT_SECS", "120"),
            ("LINLI_REQUEST_TIMEOUT_SECS", "120"),
            ("LINLI_SHUTDOWN_GRACE_SECS", "2"),
            ("LINLI_AUTH_CACHE_MS", "0"),
            ("LINLI_BACKGROUND_JOBS", "0"),
        ],
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (token, _) = dev_login_at(&http, &server.base, "stuck", "resident").await;

    proxy.freeze(true);
    let url = format!("{}/api/v1/me", server.base);
    let stuck = actix_web::rt::spawn({
        let http = http.clone();
        async move { http.get(url).bearer_auth(token).send().await }
    });
    // The request is in flight, waiting on the frozen database.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !stuck.is_finished(),
        "the request did not wait on the database"
    );

    let terminated = Instant::now();
    server.terminate();
    let port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
    eventually(10, "the listener closed", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    })
    .await;
    let code = server.wait_exit(Duration::from_secs(20));
    assert!(
        code.is_some(),
        "the process still runs 20 s after SIGTERM (grace 2 s): held by the stuck request"
    );
    assert_eq!(code, Some(0), "a stop by SIGTERM exits 0");
    eprintln!("exited {code:?} {:?} after SIGTERM", terminated.elapsed());
    // The client is not left waiting either: its connection is closed with the process.
    let answer = stuck.await.unwrap();
    assert!(
        answer
            .as_ref()
            .map_or(true, |r| r.status().is_server_error()),
        "the stuck request was answered {:?}",
        answer.map(|r| r.status())
    );
    proxy.freeze(false);
}
