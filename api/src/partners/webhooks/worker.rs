//! The delivery worker: claims due deliveries, sends them signed, records each attempt and
//! schedules the next. Claims are a conditional update (`claimed_until`), which works on
//! MySQL, SQLite and MySQL-compatible distributed engines alike, so several server processes
//! never send one delivery at the same time; a process that dies mid-send leaves its claim to
//! expire, and another sends the delivery (at least once).
//!
//! Deliveries of one resource (a booking, a socket, a maintenance window) to one subscription
//! go in the order of the resource's events: a later one waits while an earlier one is being
//! sent or retried (until it is delivered, or failed after its last try). Other resources'
//! deliveries are not held up.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::signing::sign;
use super::url_policy::Policy;
use crate::db::schema::{
    webhook_attempts as wa, webhook_deliveries as wd, webhook_events as we,
    webhook_subscriptions as ws,
};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::outbound::describe;
use crate::partners::dto::DeliveryStatus;
use crate::state::AppState;

/// Delays before the 2nd … 8th attempt, in seconds (Standard Webhooks' schedule: about a day).
const RETRY_DELAYS_SECS: [i64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];
/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

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
    // A delivery waits while an earlier event of its resource is still pending for the same
    // subscription (being sent, or waiting for its next try). Fan-out writes a resource's
    // deliveries in its order, and a delivery leaves `pending` only for good (delivered or
    // failed), so whoever sees no earlier one pending may send this one.
    let earlier = diesel::alias!(wd as earlier);
    let earlier_pending = earlier.filter(
        earlier
            .field(wd::subscription_id)
            .eq(wd::subscription_id)
            .and(earlier.field(wd::resource_type).eq(wd::resource_type))
            .and(earlier.field(wd::resource_id).eq(wd::resource_id))
            .and(earlier.field(wd::sequence).lt(wd::sequence))
            .and(earlier.field(wd::status).eq(DeliveryStatus::Pending)),
    );
    let candidates: Vec<i64> = wd::table
        .filter(
            wd::status
                .eq(DeliveryStatus::Pending)
                .and(wd::next_attempt_at.le(now)),
        )
        .filter(wd::claimed_until.is_null().or(wd::claimed_until.lt(now)))
        .filter(diesel::dsl::not(diesel::dsl::exists(earlier_pending)))
        .order((wd::next_attempt_at, wd::id))
        .limit(limit)
        .select(wd::id)
        .load(conn)?;
    let mut out = Vec::new();
    for id in candidates {
        let claimed = diesel::update(
            wd::table
                .filter(wd::id.eq(id).and(wd::status.eq(DeliveryStatus::Pending)))
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

/// How one try to send went.
struct Attempt {
    /// The receiver's HTTP status, if it answered.
    status: Option<u16>,
    /// What went wrong, if it did not answer (or could not be signed).
    error: Option<String>,
    took: StdDuration,
}

/// Record an attempt and decide what comes next: delivered, another try later, or failed.
/// `retry_scale` multiplies the retry delays (tests shorten them).
fn record(
    conn: &mut DbConn,
    worker: &str,
    due: &Due,
    attempt: &Attempt,
    now: NaiveDateTime,
    retry_scale: f64,
) -> ApiResult<()> {
    let Attempt {
        status,
        ref error,
        took,
    } = *attempt;
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let attempts = due.attempts + 1;
    let error = error
        .as_ref()
        .map(|e| e.chars().take(250).collect::<String>());
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
                wd::status.eq(DeliveryStatus::Delivered),
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
                wd::status.eq(DeliveryStatus::Failed),
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

/// Send one delivery: resolve the host once, check every address, connect only to those, and
/// follow no redirect (a 3xx is a failed attempt: a redirect could lead inside).
async fn send(state: &AppState, policy: &Policy, due: &Due) -> Attempt {
    let started = Instant::now();
    let failed = |error: String| Attempt {
        status: None,
        error: Some(error),
        took: started.elapsed(),
    };
    let target = match policy.resolve(&due.url).await {
        Ok(t) => t,
        Err(refusal) => return failed(format!("refused: {refusal}")),
    };
    let pin = target.host.as_deref().map(|h| (h, target.addrs.as_slice()));
    let client = match state.outbound.webhook_client(pin) {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let timestamp = state.clock.now().timestamp();
    let signature = match sign(&due.secret, &due.event_id, timestamp, &due.payload) {
        Ok(s) => s,
        Err(e) => return failed(e.to_string()),
    };
    let result = client
        .post(target.url)
        .header("content-type", "application/json")
        .header("webhook-id", &due.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(due.payload.clone())
        .send()
        .await;
    match result {
        Ok(res) => Attempt {
            status: Some(res.status().as_u16()),
            error: None,
            took: started.elapsed(),
        },
        Err(e) => failed(describe(&e)),
    }
}

/// One pass of the delivery worker: claim what is due, send, record. Returns how many were
/// attempted.
pub async fn deliver_due(state: &AppState, policy: &Policy, worker: &str) -> ApiResult<usize> {
    let now = state.clock.now_naive();
    let w = worker.to_owned();
    let claim_secs = state.config.webhook_claim_secs;
    let due = state
        // In a transaction retried on conflicts: on Galera a claim racing another node's is
        // refused (1213) at a statement or at COMMIT, and is simply tried again.
        .db(move |conn| crate::db::transaction(conn, |c| claim(c, &w, now, 20, claim_secs)))
        .await?;
    let n = due.len();
    let mut failure = None;
    let sends = due.into_iter().map(|d| async move {
        let attempt = send(state, policy, &d).await;
        (d, attempt)
    });
    for (d, attempt) in futures_util::future::join_all(sends).await {
        let (w, now, scale) = (
            worker.to_owned(),
            state.clock.now_naive(),
            state.config.webhook_retry_scale,
        );
        // Every attempt made is recorded on its own: one record failing (the database lost
        // for a moment, its answer lost at COMMIT) must not leave the others of this pass
        // unrecorded, or their claims would lapse and they would be sent a second time.
        let recorded = state
            .db(move |conn| {
                crate::db::transaction(conn, |c| record(c, &w, &d, &attempt, now, scale))
            })
            .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record a webhook attempt; its claim lapses and it is sent again");
            failure.get_or_insert(e);
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(n),
    }
}

/// A name for this process's delivery worker, written into its claims.
pub fn worker_name() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Give back the deliveries `worker` claimed and has not finished (on shutdown, when the
/// grace period ran out mid-attempt): another process sends them at once, not after the
/// claim expires.
pub async fn hand_back(state: &AppState, worker: &str) -> ApiResult<usize> {
    let w = worker.to_owned();
    state
        .db(move |conn| {
            Ok(diesel::update(
                wd::table.filter(wd::claimed_by.eq(&w).and(wd::status.eq("pending"))),
            )
            .set((
                wd::claimed_by.eq(None::<String>),
                wd::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?)
        })
        .await
}

/// Run the delivery worker as `worker` until `stop` turns true: the pass under way (its
/// attempts are bounded by the webhook timeout) is finished and recorded first.
pub fn spawn_worker(
    state: AppState,
    worker: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let policy = Policy::from_config(&state.config);
        let poll = StdDuration::from_millis(state.config.webhook_poll_ms.max(10));
        while !*stop.borrow() {
            let fanned = super::fanout::fan_out_pass(&state).await;
            match deliver_due(&state, &policy, &worker).await {
                Ok(n) if n > 0 || fanned > 0 => continue, // more may be waiting
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook delivery pass failed"),
            }
            tokio::select! {
                _ = actix_web::rt::time::sleep(poll) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        break; // nobody can stop us any more: the server is gone
                    }
                }
            }
        }
    })
}
