//! Three `linli serve` processes on one database and one Redis, requests round-robin: each
//! limit holds for the three together (within 10%), not three times over.

use std::time::Instant;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

/// Send `total` requests round-robin over `servers` (request `i` to server `i % n`) and
/// count how many were let through (anything but 429). Also returns the seconds it took, as
/// the buckets refill meanwhile.
async fn round_robin<F>(servers: &[ServerProcess], total: usize, mut send: F) -> (usize, f64)
where
    F: FnMut(&str, usize) -> reqwest::RequestBuilder,
{
    let started = Instant::now();
    let mut allowed = 0;
    for i in 0..total {
        let r = send(&servers[i % servers.len()].base, i)
            .send()
            .await
            .expect("request");
        let status = r.status();
        assert!(!status.is_server_error(), "request {i}: {status}");
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().get("retry-after").is_some());
        } else {
            allowed += 1;
        }
    }
    (allowed, started.elapsed().as_secs_f64())
}

/// `allowed` is the limit for the deployment: at least `per_minute` (the burst), and no more
/// than 10% above what the burst and the refill during `secs` allow.
#[track_caller]
fn within_ten_percent(what: &str, allowed: usize, per_minute: u32, secs: f64) {
    let expected = f64::from(per_minute) * (1.0 + secs / 60.0);
    eprintln!("{what}: {allowed} let through, {expected:.1} expected ({secs:.1} s)");
    assert!(
        allowed as f64 >= f64::from(per_minute) * 0.9 && allowed as f64 <= expected * 1.1,
        "{what}: {allowed} let through by three processes; the limit for all is {expected:.1}"
    );
}

#[actix_web::test]
async fn card_lookups_and_logins_are_limited_once_for_three_processes() {
    let db = TestDb::seeded_mysql();
    let wechat = FakeWechat::start();
    let (url, prefix) = (redis_url(), redis_prefix());
    let envs = [
        ("LINLI_REDIS_URL", url.as_str()),
        ("LINLI_REDIS_PREFIX", prefix.as_str()),
        ("LINLI_CARD_LOOKUPS_PER_MINUTE", "60"),
        ("LINLI_WECHAT_LOGINS_PER_MINUTE", "30"),
        ("LINLI_WECHAT_API_BASE", wechat.base.as_str()),
        ("LINLI_WECHAT_APPID", "wx-test-app"),
        ("LINLI_WECHAT_SECRET", "wx-test-secret"),
    ];
    let servers = ServerProcess::start_many(&db, &envs, PROCESSES);
    let http = reqwest::Client::new();

    let (allowed, secs) = round_robin(&servers, 240, |base, _| {
        http.get(format!("{base}/api/v1/cards/JC00001?check_code=AAAAAA"))
    })
    .await;
    within_ten_percent("card lookups", allowed, 60, secs);

    let (allowed, secs) = round_robin(&servers, 120, |base, i| {
        http.post(format!("{base}/api/v1/auth/wechat"))
            .json(&json!({"code": format!("ok-rr-{i}")}))
    })
    .await;
    within_ten_percent("logins", allowed, 30, secs);
}

/// A limit in the thousands, where each process takes tokens ahead from Redis (a lease of up
/// to 32 per trip): eight clients at once behind round-robin, one address. The deployment still
/// lets through the limit and no more (within 10%): a lease only holds tokens already taken
/// from the shared bucket, and close to the limit leases are one token.
#[actix_web::test]
async fn a_high_limit_with_leases_holds_for_concurrent_clients() {
    let db = TestDb::seeded_mysql();
    let (url, prefix) = (redis_url(), redis_prefix());
    let envs = [
        ("LINLI_REDIS_URL", url.as_str()),
        ("LINLI_REDIS_PREFIX", prefix.as_str()),
        ("LINLI_CARD_LOOKUPS_PER_MINUTE", "1200"),
    ];
    let servers = ServerProcess::start_many(&db, &envs, PROCESSES);
    let http = reqwest::Client::new();
    let started = Instant::now();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let mut tasks = Vec::new();
    for client in 0..8usize {
        let (http, bases) = (http.clone(), bases.clone());
        tasks.push(actix_web::rt::spawn(async move {
            let mut allowed = 0usize;
            for i in 0..250usize {
                let base = &bases[(client + i) % bases.len()];
                let r = http
                    .get(format!("{base}/api/v1/cards/JC00001?check_code=AAAAAA"))
                    .send()
                    .await
                    .expect("request");
                assert!(!r.status().is_server_error(), "{}", r.status());
                if r.status() != StatusCode::TOO_MANY_REQUESTS {
                    allowed += 1;
                }
            }
            allowed
        }));
    }
    let mut allowed = 0;
    for t in tasks {
        allowed += t.await.expect("client");
    }
    let secs = started.elapsed().as_secs_f64();
    within_ten_percent(
        "card lookups at 1200 a minute, 8 clients",
        allowed,
        1200,
        secs,
    );
}

#[actix_web::test]
async fn bookings_and_partner_calls_are_limited_once_for_three_processes() {
    let db = TestDb::seeded_mysql();
    let (url, prefix) = (redis_url(), redis_prefix());
    let envs = [
        ("LINLI_REDIS_URL", url.as_str()),
        ("LINLI_REDIS_PREFIX", prefix.as_str()),
        ("LINLI_BOOKINGS_PER_MINUTE", "10"),
        ("LINLI_PARTNER_TOKEN_PER_MINUTE", "12"),
    ];
    let servers = ServerProcess::start_many(&db, &envs, PROCESSES);
    let http = reqwest::Client::new();
    let token = dev_token(&http, &servers[0].base, "rr-resident").await;
    // Bookings of a socket that does not exist: each attempt takes its token, then 404.
    let (allowed, secs) = round_robin(&servers, 60, |base, _| {
        http.post(format!("{base}/api/v1/bookings"))
            .bearer_auth(&token)
            .json(&json!({
                "socket_id": 999_999,
                "starts_at": "2030-01-01T10:00:00+08:00",
                "ends_at": "2030-01-01T11:00:00+08:00",
            }))
    })
    .await;
    within_ten_percent("booking attempts", allowed, 10, secs);

    let (allowed, secs) = round_robin(&servers, 72, |base, _| {
        http.post(format!("{base}/api/v1/partner/token")).json(
            &json!({"grant_type": "client_credentials", "client_id": "pc_rr", "client_secret": "x"}),
        )
    })
    .await;
    within_ten_percent("token requests of one client id", allowed, 12, secs);
}

async fn dev_token(http: &reqwest::Client, base: &str, name: &str) -> String {
    let r: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/dev"))
        .json(&json!({"openid": name}))
        .send()
        .await
        .expect("dev login")
        .json()
        .await
        .expect("token json");
    r["access_token"].as_str().expect("access_token").to_owned()
}

/// While Redis does not answer, lookups count in each process (still limited) and the token
/// endpoint, where secrets are tried, refuses with 503 rather than counting per process.
#[actix_web::test]
async fn without_redis_lookups_count_locally_and_tokens_are_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.redis_url = linli::config::Secret::new("redis://127.0.0.1:1");
        c.redis_timeout_ms = 50;
        c.card_lookups_per_minute = 2;
    })
    .await;
    let path = "/api/v1/cards/JC00001?check_code=AAAAAA";
    app.get(path, None)
        .await
        .expect(404, Some("card_not_found"));
    app.get(path, None)
        .await
        .expect(404, Some("card_not_found"));
    app.get(path, None).await.expect(429, Some("rate_limited"));
    let r = app
        .post(
            "/api/v1/partner/token",
            None,
            json!({"client_id": "pc_x", "client_secret": "x"}),
        )
        .await;
    r.expect(503, Some("service_unavailable"));
}
