//! `GET /metrics` on `LINLI_METRICS_BIND`, parsed as the Prometheus text format.

use prometheus_parse::{Sample, Scrape, Value};
use serde_json::json;

use super::free_port;
use crate::support::*;

/// The parsed scrape and its text. (`prometheus-parse` drops samples whose label values hold
/// `{` or `}`, as route templates do; those are checked on the text.)
async fn scrape(base: &str) -> (Scrape, String) {
    let r = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = r.text().await.expect("body");
    let parsed =
        Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text format");
    (parsed, text)
}

fn find<'a>(s: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    s.samples
        .iter()
        .find(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
}

fn number(s: &Sample) -> f64 {
    match &s.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        other => panic!("{}: not a number: {other:?}", s.metric),
    }
}

#[actix_web::test]
async fn metrics_are_served_on_their_own_address_in_the_prometheus_format() {
    let db = TestDb::seeded_mysql();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = ServerProcess::start(
        &db,
        &[
            ("LINLI_METRICS_BIND", bind.as_str()),
            ("LINLI_CARD_LOOKUPS_PER_MINUTE", "3"),
            ("LINLI_JOB_INTERVAL_SCALE", "0.01"),
        ],
    );
    let metrics = format!("http://{bind}");
    // Not on the public address.
    let public = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(public.status(), 404);

    let http = reqwest::Client::new();
    for _ in 0..4 {
        http.get(format!(
            "{}/api/v1/cards/JC00001?check_code=AAAAAA",
            server.base
        ))
        .send()
        .await
        .unwrap();
    }
    http.get(format!("{}/api/v1/services?q=理发", server.base))
        .send()
        .await
        .unwrap();
    http.post(format!("{}/api/v1/auth/dev", server.base))
        .json(&json!({"openid": "metrics"}))
        .send()
        .await
        .unwrap();
    // The sweeper runs every 0.3 s here.
    let (mut s, mut text) = scrape(&metrics).await;
    for _ in 0..50 {
        if find(
            &s,
            "linli_job_last_run_timestamp_seconds",
            &[("job", "charging_sweeper")],
        )
        .is_some()
        {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        (s, text) = scrape(&metrics).await;
    }

    // Requests by route template (never the raw path), method and status, with latencies.
    assert!(
        text.contains(r#"linli_http_requests_total{route="/api/v1/cards/{card_number}",method="GET",status="404"} 3"#),
        "card lookups counted by template: {text}"
    );
    assert!(text.contains(r#"linli_http_requests_total{route="/api/v1/cards/{card_number}",method="GET",status="429"} 1"#));
    assert!(
        !text.contains("JC00001"),
        "a raw path became a label: {text}"
    );
    assert!(text.contains(
        r#"linli_http_request_duration_seconds_bucket{route="/api/v1/cards/{card_number}""#
    ));
    let services = find(
        &s,
        "linli_http_request_duration_seconds",
        &[
            ("route", "/api/v1/services"),
            ("method", "GET"),
            ("status", "200"),
        ],
    )
    .expect("latency histogram");
    assert!(
        matches!(services.value, Value::Histogram(_)),
        "{:?}",
        services.value
    );

    // The pool, the outbox, the jobs, the caches, the limits.
    assert!(number(find(&s, "linli_db_pool_size", &[]).expect("pool size")) >= 1.0);
    assert!(find(&s, "linli_db_pool_in_use", &[]).is_some());
    assert!(find(&s, "linli_db_pool_wait_seconds", &[]).is_some());
    for stage in ["fan_out", "delivery"] {
        let backlog = find(&s, "linli_outbox_backlog", &[("stage", stage)]).expect("backlog");
        assert_eq!(number(backlog), 0.0);
        assert!(find(&s, "linli_outbox_oldest_age_seconds", &[("stage", stage)]).is_some());
    }
    let swept = find(
        &s,
        "linli_job_last_run_timestamp_seconds",
        &[("job", "charging_sweeper")],
    )
    .expect("last sweeper run");
    assert!(number(swept) > 1.7e9);
    assert!(find(
        &s,
        "linli_cache_requests_total",
        &[("cache", "card_lookup")]
    )
    .is_some());
    assert!(find(&s, "linli_cache_requests_total", &[("cache", "search")]).is_some());
    let limited = find(&s, "linli_rate_limited_total", &[("limit", "card_lookup")]).expect("429s");
    assert_eq!(number(limited), 1.0);
}

/// A lost database shows as 503s counted by `linli_db_unavailable_total`.
#[actix_web::test]
async fn a_lost_database_is_counted() {
    let mut maria = ThrowawayMariadb::start();
    let db = TestDb::mysql_on(&maria.base_url());
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = ServerProcess::start(
        &db,
        &[
            ("LINLI_METRICS_BIND", bind.as_str()),
            ("LINLI_DB_TIMEOUT_MS", "300"),
        ],
    );
    maria.kill();
    let r = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let (s, _) = scrape(&format!("http://{bind}")).await;
    assert!(number(find(&s, "linli_db_unavailable_total", &[]).expect("counted")) >= 1.0);
    assert!(find(
        &s,
        "linli_http_requests_total",
        &[("route", "/readyz"), ("status", "503")]
    )
    .is_some());
}
