//! Faults under load: the database killed and restarted under a steady booking load, the
//! server killed (`kill -9`) in the middle of bookings, sign-ups, redemptions and webhook
//! deliveries, and a retry after a lost answer.
//!
//! Clients behave as the phone apps should: every write carries an `Idempotency-Key`, and a
//! request whose outcome is unknown (503, a dropped connection, `idempotency_in_progress`) is
//! sent again with the same key until the answer is known. Afterwards the database must hold
//! exactly what the clients were told, each thing once, with no half-written rows.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use linli::db::schema::{booking_slots, bookings, charging_settings, household_quotas};
use linli::db::DbConn;
use serde_json::Value;

use crate::support::*;

mod database_outage;
mod db_timeouts;
pub(crate) mod galera_node_kill;
mod lost_answer;
mod nested_deadlock;
mod server_kill;
mod silent_rollback;

/// Let every household hold many active bookings, so a client can book on and on.
fn lift_household_quota(db: &TestDb) {
    diesel::update(charging_settings::table)
        .set(charging_settings::max_active_per_household.eq(100_000))
        .execute(&mut db.conn())
        .unwrap();
}

/// A write a client sends until it knows the answer.
#[derive(Clone, Debug)]
struct Op {
    url: String,
    token: String,
    body: Value,
    key: String,
}

/// The answer a client finally knows.
#[derive(Clone, Debug, PartialEq)]
enum Known {
    /// 2xx: the id of what was created.
    Created(i64),
    /// A refusal that is an answer (a 4xx other than "still running").
    Refused(u16, Value),
}

/// What the clients saw, try by try.
#[derive(Default, Debug)]
struct Tally {
    ok: usize,
    /// 503 `service_unavailable`, with `Retry-After`.
    unavailable: usize,
    /// When the last of them came.
    last_unavailable: Option<Instant>,
    /// 409 `idempotency_in_progress`.
    in_progress: usize,
    /// The connection broke or no answer came.
    dropped: usize,
    /// Anything else that is not an answer (a 500, a 503 without our shape).
    wrong: Vec<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.ok += other.ok;
        self.unavailable += other.unavailable;
        self.last_unavailable = self.last_unavailable.max(other.last_unavailable);
        self.in_progress += other.in_progress;
        self.dropped += other.dropped;
        self.wrong.extend(other.wrong);
    }
}

/// One try: the answer, or `None` when the client must try again with the same key.
async fn try_once(http: &reqwest::Client, op: &Op, tally: &mut Tally) -> Option<Known> {
    let sent = http
        .post(&op.url)
        .bearer_auth(&op.token)
        .header("Idempotency-Key", &op.key)
        .json(&op.body)
        .send()
        .await;
    let Ok(res) = sent else {
        tally.dropped += 1;
        return None;
    };
    let status = res.status().as_u16();
    let retry_after = res.headers().contains_key("retry-after");
    let Ok(text) = res.text().await else {
        tally.dropped += 1;
        return None;
    };
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    match status {
        200..=299 => {
            tally.ok += 1;
            Some(Known::Created(body["id"].as_i64().unwrap_or_else(|| {
                panic!("a created answer without an id: {text}")
            })))
        }
        503 if body["code"] == "service_unavailable"
            && body["message"].as_str().is_some_and(|m| !m.is_empty())
            && retry_after =>
        {
            tally.unavailable += 1;
            tally.last_unavailable = Some(Instant::now());
            None
        }
        409 if body["code"] == "idempotency_in_progress" => {
            tally.in_progress += 1;
            None
        }
        s if s >= 500 => {
            tally.wrong.push(format!("{} {s} {text}", op.url));
            None
        }
        s => Some(Known::Refused(s, body)),
    }
}

/// Send `op` until its answer is known (panics after `within`).
async fn until_known(
    http: &reqwest::Client,
    op: &Op,
    tally: &mut Tally,
    within: Duration,
) -> Known {
    let deadline = Instant::now() + within;
    loop {
        if let Some(known) = try_once(http, op, tally).await {
            return known;
        }
        assert!(
            Instant::now() < deadline,
            "no answer for {} (key {}) within {within:?}; so far {tally:?}",
            op.url,
            op.key
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What one load client did: each request's key, what it asked, and its known answer (or
/// `None` when the client stopped before the answer was known).
#[derive(Default)]
struct ClientLog {
    done: Vec<(Op, Instant, Known)>,
    unknown: Vec<Op>,
    tally: Tally,
}

/// Wait until `counter` reaches `at_least` (panics after `secs`).
async fn wait_for(counter: &AtomicUsize, at_least: usize, secs: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while counter.load(Ordering::SeqCst) < at_least {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every booking has its slot cells and every household's quota counter matches its active
/// bookings: nothing is half-written.
fn assert_bookings_whole(conn: &mut DbConn) {
    let rows: Vec<(
        i64,
        i64,
        i64,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        String,
    )> = bookings::table
        .select((
            bookings::id,
            bookings::socket_id,
            bookings::household_id,
            bookings::starts_at,
            bookings::ends_at,
            bookings::status,
        ))
        .load(conn)
        .unwrap();
    let cells: Vec<(i64, i64)> = booking_slots::table
        .filter(booking_slots::booking_id.is_not_null())
        .select((
            booking_slots::booking_id.assume_not_null(),
            booking_slots::socket_id,
        ))
        .load(conn)
        .unwrap();
    let mut cells_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (booking, socket) in cells {
        cells_of.entry(booking).or_default().push(socket);
    }
    let mut active: HashMap<i64, i32> = HashMap::new();
    for (id, socket, household, starts, ends, status) in &rows {
        let live = status == "confirmed" || status == "checked_in";
        if live {
            *active.entry(*household).or_default() += 1;
            let want = usize::try_from((*ends - *starts).num_minutes() / 30).unwrap();
            let have = cells_of.get(id).map_or(&[][..], Vec::as_slice);
            assert_eq!(
                have.len(),
                want,
                "booking {id} has {have:?} cells, wants {want}"
            );
            assert!(
                have.iter().all(|s| s == socket),
                "booking {id}: cells of another socket"
            );
        }
    }
    let ids: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    for booking in cells_of.keys() {
        assert!(
            ids.contains(booking),
            "cells of a booking that does not exist: {booking}"
        );
    }
    let quotas: Vec<(i64, i32)> = household_quotas::table
        .select((
            household_quotas::household_id,
            household_quotas::active_count,
        ))
        .load(conn)
        .unwrap();
    for (household, count) in quotas {
        assert_eq!(
            count,
            active.get(&household).copied().unwrap_or(0),
            "household {household}: quota counter against its active bookings"
        );
    }
}

/// The ids the clients were told were created; each is a different object.
fn created_ids(logs: &[ClientLog]) -> Vec<i64> {
    let ids: Vec<i64> = logs
        .iter()
        .flat_map(|l| l.done.iter())
        .filter_map(|(_, _, k)| match k {
            Known::Created(id) => Some(*id),
            Known::Refused(..) => None,
        })
        .collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "two requests were told the same id"
    );
    ids
}
