//! Webhooks: signing, delivery with retries, and the URL rules.
//!
//! Events come from the domain-event outbox (`crate::events`), written in the transaction of
//! each change; `super::fanout` turns them into one delivery per matching subscription. The
//! worker claims due deliveries with a conditional update (`claimed_until`), which works on
//! MySQL, SQLite and MySQL-compatible distributed engines alike, so several server processes
//! never send one delivery at the same time. Signatures follow Standard Webhooks: `webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

use std::net::IpAddr;
use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::Value;
use sha2::Sha256;

use super::dto::{AttemptView, DeliveryView, SubscriptionView};
use crate::db::schema::{
    webhook_attempts as wa, webhook_deliveries as wd, webhook_events as we,
    webhook_subscriptions as ws,
};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::pagination::PageRequest;
use crate::state::AppState;

/// Event types a partner can subscribe to.
pub use crate::events::EVENT_TYPES;

/// Delays before the 2nd … 8th attempt, in seconds (Standard Webhooks' schedule: about a day).
const RETRY_DELAYS_SECS: [i64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, ApiError> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(ApiError::internal)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(ApiError::internal)?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Verify a signature header as a receiver would (used by tests and documented in the README).
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
    let Ok(expected) = sign(secret, id, timestamp, body) else {
        return false;
    };
    header.split(' ').any(|candidate| {
        candidate.len() == expected.len()
            && candidate
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]) // shared CGNAT
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Check a subscription URL: http(s), a host, and (unless allowed by configuration) no
/// loopback or private address, by literal or by what the name resolves to.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, ApiError> {
    let url = url::Url::parse(raw).map_err(|e| ApiError::validation("url", e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::validation("url", "must be http or https"));
    }
    if raw.len() > 512 || !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::validation(
            "url",
            "at most 512 characters, without credentials",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::validation("url", "must have a host"))?;
    if allow_private {
        return Ok(url);
    }
    let refuse = || ApiError::new(ErrorCode::WebhookUrlNotAllowed).with_field("url");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return if is_internal(ip) {
            Err(refuse())
        } else {
            Ok(url)
        };
    }
    if bare.eq_ignore_ascii_case("localhost")
        || bare.ends_with(".localhost")
        || bare.ends_with(".internal")
    {
        return Err(refuse());
    }
    let port = url.port_or_known_default().unwrap_or(443);
    match tokio::net::lookup_host((bare, port)).await {
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            if addrs.iter().any(|a| is_internal(a.ip())) {
                return Err(refuse());
            }
        }
        Err(_) => {
            return Err(ApiError::validation(
                "url",
                "the host name does not resolve",
            ))
        }
    }
    Ok(url)
}

/// One delivery ready to send.
struct Due {
    id: i64,
    attempts: i32,
    event_id: String,
    payload: String,
    url: String,
    secret: String,
}

/// Claim up to `limit` due deliveries for `worker`, for `claim_secs`.
fn claim(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    limit: i64,
    claim_secs: i64,
) -> ApiResult<Vec<Due>> {
    let candidates: Vec<i64> = wd::table
        .filter(wd::status.eq("pending").and(wd::next_attempt_at.le(now)))
        .filter(wd::claimed_until.is_null().or(wd::claimed_until.lt(now)))
        .order(wd::next_attempt_at)
        .limit(limit)
        .select(wd::id)
        .load(conn)?;
    let mut out = Vec::new();
    for id in candidates {
        let claimed = diesel::update(
            wd::table
                .filter(wd::id.eq(id).and(wd::status.eq("pending")))
                .filter(wd::claimed_until.is_null().or(wd::claimed_until.lt(now))),
        )
        .set((
            wd::claimed_by.eq(worker),
            wd::claimed_until.eq(now + Duration::seconds(claim_secs)),
        ))
        .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        let row: (i32, String, String, String, String) = wd::table
            .inner_join(we::table)
            .inner_join(ws::table)
            .filter(wd::id.eq(id))
            .select((wd::attempts, we::event_id, we::payload, ws::url, ws::secret))
            .first(conn)?;
        out.push(Due {
            id,
            attempts: row.0,
            event_id: row.1,
            payload: row.2,
            url: row.3,
            secret: row.4,
        });
    }
    Ok(out)
}

/// Record an attempt and decide what comes next: delivered, another try later, or failed.
#[allow(clippy::too_many_arguments)]
fn record(
    conn: &mut DbConn,
    worker: &str,
    due: &Due,
    status: Option<u16>,
    error: Option<String>,
    took: StdDuration,
    now: NaiveDateTime,
    retry_scale: f64,
) -> ApiResult<()> {
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let attempts = due.attempts + 1;
    let error = error.map(|e| e.chars().take(250).collect::<String>());
    diesel::insert_into(wa::table)
        .values((
            wa::delivery_id.eq(due.id),
            wa::attempted_at.eq(now),
            wa::status_code.eq(status.map(i32::from)),
            wa::error.eq(&error),
            wa::duration_ms.eq(i32::try_from(took.as_millis()).unwrap_or(i32::MAX)),
        ))
        .execute(conn)?;
    let q = wd::table.filter(wd::id.eq(due.id).and(wd::claimed_by.eq(worker)));
    if ok {
        diesel::update(q)
            .set((
                wd::status.eq("delivered"),
                wd::attempts.eq(attempts),
                wd::delivered_at.eq(Some(now)),
                wd::last_status_code.eq(status.map(i32::from)),
                wd::last_error.eq(None::<String>),
                wd::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    } else if attempts >= MAX_ATTEMPTS {
        diesel::update(q)
            .set((
                wd::status.eq("failed"),
                wd::attempts.eq(attempts),
                wd::last_status_code.eq(status.map(i32::from)),
                wd::last_error.eq(&error),
                wd::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    } else {
        let idx = usize::try_from(attempts - 1)
            .unwrap_or(0)
            .min(RETRY_DELAYS_SECS.len() - 1);
        let delay_ms = (RETRY_DELAYS_SECS[idx] as f64 * 1000.0 * retry_scale).max(1.0) as i64;
        diesel::update(q)
            .set((
                wd::attempts.eq(attempts),
                wd::next_attempt_at.eq(now + Duration::milliseconds(delay_ms)),
                wd::last_status_code.eq(status.map(i32::from)),
                wd::last_error.eq(&error),
                wd::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Send one delivery. Redirects are not followed (a redirect could lead inside).
async fn send(
    state: &AppState,
    client: &reqwest::Client,
    due: &Due,
) -> (Option<u16>, Option<String>, StdDuration) {
    let started = Instant::now();
    let timestamp = state.clock.now().timestamp();
    let signature = match sign(&due.secret, &due.event_id, timestamp, &due.payload) {
        Ok(s) => s,
        Err(e) => return (None, Some(e.to_string()), started.elapsed()),
    };
    let result = client
        .post(&due.url)
        .header("content-type", "application/json")
        .header("webhook-id", &due.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(due.payload.clone())
        .send()
        .await;
    match result {
        Ok(res) => (Some(res.status().as_u16()), None, started.elapsed()),
        Err(e) => (None, Some(e.without_url().to_string()), started.elapsed()),
    }
}

/// One pass of the delivery worker: claim what is due, send, record. Returns how many were
/// attempted.
pub async fn deliver_due(
    state: &AppState,
    client: &reqwest::Client,
    worker: &str,
) -> ApiResult<usize> {
    let now = state.clock.now_naive();
    let w = worker.to_owned();
    let claim_secs = state.config.webhook_claim_secs;
    let due = state
        .db(move |conn| claim(conn, &w, now, 20, claim_secs))
        .await?;
    let n = due.len();
    let sends = due.into_iter().map(|d| async move {
        let (status, error, took) = send(state, client, &d).await;
        (d, status, error, took)
    });
    for (d, status, error, took) in futures_util::future::join_all(sends).await {
        let (w, now, scale) = (
            worker.to_owned(),
            state.clock.now_naive(),
            state.config.webhook_retry_scale,
        );
        state
            .db(move |conn| record(conn, &w, &d, status, error, took, now, scale))
            .await?;
    }
    Ok(n)
}

/// Run the delivery worker until the process ends.
pub fn spawn_worker(state: AppState) {
    actix_web::rt::spawn(async move {
        let worker = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let client = match reqwest::Client::builder()
            .timeout(StdDuration::from_millis(state.config.webhook_timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("linli-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhook worker could not start");
                return;
            }
        };
        let poll = StdDuration::from_millis(state.config.webhook_poll_ms.max(10));
        loop {
            let fanned = super::fanout::fan_out_pass(&state).await;
            match deliver_due(&state, &client, &worker).await {
                Ok(n) if n > 0 || fanned > 0 => continue, // more may be waiting
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed"),
            }
            actix_web::rt::time::sleep(poll).await;
        }
    });
}

// ---------------------------------------------------------------------------------------
// Subscriptions and deliveries, as the partner manages them

fn subscription_view(
    row: (i64, String, String, String, NaiveDateTime),
    secret: Option<String>,
) -> SubscriptionView {
    let (id, url, events, status, created_at) = row;
    SubscriptionView {
        id,
        url,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        status,
        secret,
        created_at: created_at.and_utc(),
    }
}

pub fn check_events(events: &[String]) -> ApiResult<String> {
    if events.is_empty() || events.iter().any(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ApiError::validation(
            "events",
            format!("choose from {}", EVENT_TYPES.join(", ")),
        ));
    }
    let mut list: Vec<&str> = events.iter().map(String::as_str).collect();
    list.sort_unstable();
    list.dedup();
    Ok(list.join(","))
}

pub fn create_subscription(
    conn: &mut DbConn,
    partner_id: i64,
    url: &str,
    events: &str,
    now: NaiveDateTime,
) -> ApiResult<SubscriptionView> {
    let secret = new_secret();
    diesel::insert_into(ws::table)
        .values((
            ws::partner_id.eq(partner_id),
            ws::url.eq(url),
            ws::events.eq(events),
            ws::secret.eq(&secret),
            ws::status.eq("active"),
            ws::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    Ok(subscription_view(
        (
            id,
            url.to_owned(),
            events.to_owned(),
            "active".to_owned(),
            now,
        ),
        Some(secret),
    ))
}

pub fn subscriptions(conn: &mut DbConn, partner_id: i64) -> ApiResult<Vec<SubscriptionView>> {
    let rows: Vec<(i64, String, String, String, NaiveDateTime)> = ws::table
        .filter(ws::partner_id.eq(partner_id).and(ws::status.eq("active")))
        .order(ws::id)
        .select((ws::id, ws::url, ws::events, ws::status, ws::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| subscription_view(r, None))
        .collect())
}

/// The subscription if it is the partner's (else not found).
pub fn owned_subscription(conn: &mut DbConn, partner_id: i64, id: i64) -> ApiResult<()> {
    let n: i64 = ws::table
        .filter(ws::id.eq(id).and(ws::partner_id.eq(partner_id)))
        .count()
        .get_result(conn)?;
    if n == 0 {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

pub fn delete_subscription(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    diesel::update(ws::table.filter(ws::id.eq(id)))
        .set(ws::status.eq("deleted"))
        .execute(conn)?;
    Ok(())
}

type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    String,
    i32,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

fn delivery_view(r: DeliveryRow, attempts: Option<Vec<AttemptView>>) -> DeliveryView {
    let pending = r.4 == "pending";
    DeliveryView {
        id: r.0,
        subscription_id: r.1,
        event_id: r.2,
        event_type: r.3,
        status: r.4,
        attempts: r.5,
        next_attempt_at: pending.then(|| r.6.and_utc()),
        delivered_at: r.7.map(|t| t.and_utc()),
        payload: serde_json::from_str(&r.8).unwrap_or(Value::Null),
        attempt_log: attempts,
    }
}

pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<&str>,
    page: PageRequest,
) -> ApiResult<(Vec<DeliveryView>, i64)> {
    let query = || {
        let mut q = wd::table
            .inner_join(we::table)
            .filter(wd::subscription_id.eq(subscription_id))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(wd::status.eq(s.to_owned()));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<DeliveryRow> = query()
        .order((wd::created_at.desc(), wd::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            wd::id,
            wd::subscription_id,
            we::event_id,
            we::event_type,
            wd::status,
            wd::attempts,
            wd::next_attempt_at,
            wd::delivered_at,
            we::payload,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter().map(|r| delivery_view(r, None)).collect(),
        total,
    ))
}

/// One of the partner's deliveries with every attempt (else not found).
pub fn delivery(conn: &mut DbConn, partner_id: i64, id: i64) -> ApiResult<DeliveryView> {
    let row: DeliveryRow = wd::table
        .inner_join(we::table)
        .filter(wd::id.eq(id).and(wd::partner_id.eq(partner_id)))
        .select((
            wd::id,
            wd::subscription_id,
            we::event_id,
            we::event_type,
            wd::status,
            wd::attempts,
            wd::next_attempt_at,
            wd::delivered_at,
            we::payload,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let attempts: Vec<(NaiveDateTime, Option<i32>, Option<String>, i32)> = wa::table
        .filter(wa::delivery_id.eq(id))
        .order((wa::attempted_at, wa::id))
        .select((
            wa::attempted_at,
            wa::status_code,
            wa::error,
            wa::duration_ms,
        ))
        .load(conn)?;
    let log = attempts
        .into_iter()
        .map(|(at, status_code, error, duration_ms)| AttemptView {
            attempted_at: at.and_utc(),
            status_code,
            error,
            duration_ms,
        })
        .collect();
    Ok(delivery_view(row, Some(log)))
}

/// Send an event again: a new delivery of the same event (same `webhook-id`) to the same
/// subscription, due now.
pub fn replay(conn: &mut DbConn, partner_id: i64, id: i64, now: NaiveDateTime) -> ApiResult<i64> {
    let (event_row, subscription): (i64, i64) = wd::table
        .filter(wd::id.eq(id).and(wd::partner_id.eq(partner_id)))
        .select((wd::event_row_id, wd::subscription_id))
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    diesel::insert_into(wd::table)
        .values((
            wd::event_row_id.eq(event_row),
            wd::subscription_id.eq(subscription),
            wd::partner_id.eq(partner_id),
            wd::status.eq("pending"),
            wd::attempts.eq(0),
            wd::next_attempt_at.eq(now),
            wd::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example from the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let ts = 1_614_265_330;
        let body = r#"{"test": 2432232314}"#;
        let sig = sign(secret, id, ts, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify(secret, id, ts, body, &format!("v1,bogus {sig}")));
        assert!(!verify(secret, id, ts + 1, body, &sig));
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2001:4860:4860::8888", "1.1.1.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }
}
