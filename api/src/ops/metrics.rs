//! What operators look at, in the Prometheus text format on `LINLI_METRICS_BIND` (never on
//! the public address): requests by route template, method and status with latency
//! histograms; the database pool (size, in use, waits, timeouts); 503s for a lost database;
//! the webhook outbox (backlog and the age of its oldest item, per stage); the last run of each
//! background job; cache hits and misses (card lookups, search, the availability grid); rate
//! limit refusals.
//!
//! Recording goes through the `metrics` facade: with no recorder installed (metrics off, or
//! code outside a server) every call is a no-op. Figures that live in the database (the
//! outbox) are read when the endpoint is scraped, so an idle deployment costs nothing.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::db::schema::{domain_events as de, webhook_deliveries as wd};
use crate::state::AppState;

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder; installed once, by the first server that serves metrics.
fn handle() -> Result<&'static PrometheusHandle, String> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .map_err(|e| e.to_string())?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).map_err(|e| e.to_string())?;
            Ok(handle)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Serve `GET /metrics` on `LINLI_METRICS_BIND` when it is set; returns the server to run
/// beside the API (and stop with it).
pub fn serve(state: &AppState) -> std::io::Result<Option<actix_web::dev::Server>> {
    serve_on(&state.config.metrics_bind, Some(state.clone()))
}

/// Serve `GET /metrics` for a process without the API's state (`linli gateway`): the
/// counters it records, nothing read from the database. `None` when `bind` is empty.
pub fn serve_counters(bind: &str) -> std::io::Result<Option<actix_web::dev::Server>> {
    serve_on(bind, None)
}

/// The endpoint; with a state, the database's figures are sampled at each scrape.
fn serve_on(
    bind: &str,
    state: Option<AppState>,
) -> std::io::Result<Option<actix_web::dev::Server>> {
    let bind = bind.trim();
    if bind.is_empty() {
        return Ok(None);
    }
    let handle = handle().map_err(std::io::Error::other)?;
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let state = state.clone();
                async move {
                    if let Some(state) = &state {
                        sample(state).await;
                    }
                    HttpResponse::Ok()
                        .content_type("text/plain; version=0.0.4; charset=utf-8")
                        .body(handle.render())
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(bind)?
    .run();
    Ok(Some(server))
}

/// Gauges read at scrape time: the pool, and the outbox from the database.
async fn sample(state: &AppState) {
    let pool = state.pool.state();
    metrics::gauge!("linli_db_pool_size").set(f64::from(pool.connections));
    metrics::gauge!("linli_db_pool_in_use")
        .set(f64::from(pool.connections - pool.idle_connections));
    metrics::gauge!("linli_db_pool_max").set(f64::from(state.pool.max_size()));
    let now = state.clock.now_naive();
    let outbox = state
        .db(move |conn| {
            let fan_out: (i64, Option<NaiveDateTime>) = de::table
                .filter(de::fanned_out_at.is_null())
                .select((diesel::dsl::count_star(), diesel::dsl::min(de::occurred_at)))
                .first(conn)?;
            let delivery: (i64, Option<NaiveDateTime>) = wd::table
                .filter(wd::status.eq("pending"))
                .select((diesel::dsl::count_star(), diesel::dsl::min(wd::created_at)))
                .first(conn)?;
            Ok([("fan_out", fan_out), ("delivery", delivery)])
        })
        .await;
    match outbox {
        Ok(stages) => {
            for (stage, (count, oldest)) in stages {
                let age = oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1e3);
                metrics::gauge!("linli_outbox_backlog", "stage" => stage).set(count as f64);
                metrics::gauge!("linli_outbox_oldest_age_seconds", "stage" => stage).set(age);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: outbox not read"),
    }
}

/// One answered request: `route` is the matched template (`/api/v1/bookings/{id}`), or
/// `unmatched`, so paths with ids or tokens never become labels.
pub fn request(route: &str, method: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("route", route.to_owned()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("linli_http_requests_total", &labels).increment(1);
    metrics::histogram!("linli_http_request_duration_seconds", &labels)
        .record(elapsed.as_secs_f64());
}

/// How long a request waited for a pooled connection.
pub fn pool_wait(waited: Duration) {
    metrics::histogram!("linli_db_pool_wait_seconds").record(waited.as_secs_f64());
}

/// Database work answered 503: no connection in time, or the connection died.
pub fn db_unavailable() {
    metrics::counter!("linli_db_unavailable_total").increment(1);
}

/// A transaction refused by a transient conflict (deadlock, Galera certification, a node not
/// ready) is run again.
pub fn db_retry() {
    metrics::counter!("linli_db_retries_total").increment(1);
}

/// A background job finished a run (successfully or not).
pub fn job_ran(job: &'static str, ok: bool) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    metrics::gauge!("linli_job_last_run_timestamp_seconds", "job" => job).set(now);
    let result = if ok { "ok" } else { "failed" };
    metrics::counter!("linli_job_runs_total", "job" => job, "result" => result).increment(1);
}

/// A cache was asked: `cache` is `card_lookup`, `search`, `search_page` or
/// `availability_grid`.
pub fn cache(cache: &'static str, hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    metrics::counter!("linli_cache_requests_total", "cache" => cache, "result" => result)
        .increment(1);
}

/// A request refused by a rate limit.
pub fn rate_limited(limit: &'static str) {
    metrics::counter!("linli_rate_limited_total", "limit" => limit).increment(1);
}

/// A shared rate limit whose Redis did not answer.
pub fn redis_failure(limit: &'static str) {
    metrics::counter!("linli_rate_limit_store_failures_total", "limit" => limit).increment(1);
}

/// The device gateway refused a connection as it arrived (`reason`: `per_address`).
pub fn device_connection_refused(reason: &'static str) {
    metrics::counter!("linli_device_connections_refused_total", "reason" => reason).increment(1);
}

/// The device gateway dropped a frame over its connection's budget.
pub fn device_frame_dropped() {
    metrics::counter!("linli_device_frames_dropped_total").increment(1);
}

/// The device gateway closed a connection (`reason`: `flood`, `strangers`).
pub fn device_connection_closed(reason: &'static str) {
    metrics::counter!("linli_device_connections_closed_total", "reason" => reason).increment(1);
}
