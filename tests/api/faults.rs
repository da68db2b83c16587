//! Faults under load (issue 8): the database killed and restarted under a steady booking
//! load, and the server killed (`kill -9`) in the middle of bookings, sign-ups, redemptions
//! and webhook deliveries.
//!
//! Clients behave as the phone apps should: every write carries an `Idempotency-Key`, and a
//! request whose outcome is unknown (503, a dropped connection, `idempotency_in_progress`) is
//! sent again with the same key until the answer is known. Afterwards the database must hold
//! exactly what the clients were told, each thing once, with no half-written rows.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use linli::db::schema::{
    activities, booking_slots, bookings, charging_settings, household_quotas, points_balances,
    points_ledger, redemptions, shop_items, signups, team_members, webhook_deliveries,
    webhook_events,
};
use linli::db::DbConn;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

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

/// A client of a steady booking load: books its own sockets slot after slot until `stop`,
/// finishing (until known) every request it started.
async fn booking_client(
    http: reqwest::Client,
    base: String,
    token: String,
    sockets: Vec<i64>,
    name: String,
    stop: Arc<AtomicBool>,
    created: Arc<AtomicUsize>,
) -> ClientLog {
    let mut log = ClientLog::default();
    for k in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let socket = sockets[k % sockets.len()];
        let step = i64::try_from(k / sockets.len()).unwrap();
        assert!(step < 300, "the load ran out of slots within 7 days");
        let op = Op {
            url: format!("{base}/api/v1/bookings"),
            token: token.clone(),
            body: json!({
                "socket_id": socket,
                "starts_at": slot(60 + 30 * step),
                "ends_at": slot(90 + 30 * step),
            }),
            key: format!("{name}-{k}"),
        };
        let known = until_known(&http, &op, &mut log.tally, Duration::from_secs(90)).await;
        if matches!(known, Known::Created(_)) {
            created.fetch_add(1, Ordering::SeqCst);
        }
        log.done.push((op, Instant::now(), known));
        actix_web::rt::time::sleep(Duration::from_millis(15)).await;
    }
    log
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

#[actix_web::test]
async fn mariadb_killed_and_restarted_under_a_booking_load() {
    // The database is the test's own, so it can kill it.
    let mut maria = ThrowawayMariadb::start();
    let db = TestDb::mysql_on(&maria.base_url());
    db.migrate_and_seed();
    lift_household_quota(&db);
    let mut server = ServerProcess::start(
        &db,
        &[
            ("LINLI_BACKGROUND_JOBS", "1"),
            ("LINLI_BOOKINGS_PER_MINUTE", "1000000"),
            ("RUST_LOG", "error,linli::http::middleware=off"),
        ],
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // Six clients, each its own household and two sockets of its own.
    let clients: i64 = 6;
    let stop = Arc::new(AtomicBool::new(false));
    let created = Arc::new(AtomicUsize::new(0));
    let mut users = Vec::new();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let household = c + 1;
        let (token, uid) =
            resident_at(&db, &http, &server.base, &format!("load-{c}"), household).await;
        users.push(uid);
        let sockets = vec![2 * household - 1, 2 * household];
        tasks.push(actix_web::rt::spawn(booking_client(
            http.clone(),
            server.base.clone(),
            token,
            sockets,
            format!("load-{c}"),
            stop.clone(),
            created.clone(),
        )));
    }
    let (prober, prober_id) = resident_at(&db, &http, &server.base, "prober", 100).await;
    wait_for(&created, 30, 60, "bookings before the outage").await;

    // The database dies.
    maria.kill();
    let killed = Instant::now();
    let mine = format!("{}/api/v1/me/bookings", server.base);
    let mut probes = 0;
    while killed.elapsed() < Duration::from_secs(3) || probes < 3 {
        let t = Instant::now();
        let r = http.get(&mine).bearer_auth(&prober).send().await.unwrap();
        let status = r.status().as_u16();
        let has_retry_after = r.headers().contains_key("retry-after");
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 503, "a read while the database is down: {v}");
        assert_eq!(v["code"], "service_unavailable", "{v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert!(has_retry_after, "503 says when to retry");
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "slow 503: {:?}",
            t.elapsed()
        );

        let t = Instant::now();
        let op = Op {
            url: format!("{}/api/v1/bookings", server.base),
            token: prober.clone(),
            body: json!({"socket_id": 30, "starts_at": slot(60), "ends_at": slot(90)}),
            key: format!("probe-{probes}"),
        };
        let mut tally = Tally::default();
        assert_eq!(try_once(&http, &op, &mut tally).await, None);
        assert_eq!(
            tally.unavailable, 1,
            "a booking while the database is down: {tally:?}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "slow 503: {:?}",
            t.elapsed()
        );

        let r = http
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the process stays alive");
        let r = http
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503, "and says it is not ready");
        assert!(server.is_running(), "the server process must not exit");
        probes += 1;
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let before_restart = created.load(Ordering::SeqCst);

    // The database comes back on the same data: the same server serves again within 5 s.
    maria.start_again();
    let back = Instant::now();
    loop {
        let r = http.get(&mine).bearer_auth(&prober).send().await.unwrap();
        if r.status() == 200 {
            break;
        }
        assert_eq!(r.status(), 503);
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "still {} 5 s after the database came back",
            r.status()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = back.elapsed();
    // No stale connection is left behind: from now on every read is served.
    for _ in 0..20 {
        let r = http.get(&mine).bearer_auth(&prober).send().await.unwrap();
        assert_eq!(r.status(), 200, "after the recovery");
    }
    wait_for(
        &created,
        before_restart + 30,
        60,
        "bookings after the outage",
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(t.await.unwrap());
    }
    assert!(server.is_running(), "the server process must not exit");

    // What the clients saw: only answers, 503s and "still running"; never a 500.
    let mut tally = Tally::default();
    for l in &mut logs {
        tally.add(std::mem::take(&mut l.tally));
    }
    eprintln!(
        "database outage: {} bookings, tries {tally:?}, serving again {:?} after the restart",
        created.load(Ordering::SeqCst),
        recovered
    );
    assert!(tally.wrong.is_empty(), "not our 503: {:?}", tally.wrong);
    assert!(tally.unavailable > 0, "the load met the outage: {tally:?}");
    assert!(
        tally
            .last_unavailable
            .is_some_and(|t| t < back + Duration::from_secs(5)),
        "503s went on after the database was back: {tally:?}"
    );
    for l in &logs {
        for (op, _, known) in &l.done {
            assert!(
                matches!(known, Known::Created(_)),
                "{} {}: {known:?}",
                op.key,
                op.body
            );
        }
        let after = l.done.iter().filter(|(_, at, _)| *at > back).count();
        assert!(after > 0, "every client books again after the outage");
    }

    // Every booking a client was told about is stored once; no other booking exists.
    let told = created_ids(&logs);
    let mut conn = db.conn();
    let stored: Vec<(i64, i64)> = bookings::table
        .select((bookings::id, bookings::user_id))
        .load(&mut conn)
        .unwrap();
    let stored_ids: HashSet<i64> = stored.iter().map(|r| r.0).collect();
    assert_eq!(
        stored.len(),
        told.len(),
        "stored bookings against answered bookings"
    );
    assert_eq!(stored_ids, told.iter().copied().collect::<HashSet<_>>());
    assert!(
        stored
            .iter()
            .all(|(_, u)| users.contains(u) && *u != prober_id),
        "a booking nobody was told about"
    );
    assert_bookings_whole(&mut conn);
    drop(conn);
    drop(server);
}

/// A volunteer team with `n` open activities (capacity `seats`) and a points-shop item; the
/// residents get `points` each. Returns (activity ids, item id, its stock).
async fn volunteering_and_shop(
    db: &TestDb,
    http: &reqwest::Client,
    base: &str,
    residents: &[i64],
    n: usize,
    seats: i64,
    points: i64,
) -> (Vec<i64>, i64, i32) {
    let (staff, _) = dev_login_at(http, base, "faults-staff", "staff").await;
    let post = |path: &str, token: &str, body: Value| {
        let (http, url, token) = (http.clone(), format!("{base}{path}"), token.to_owned());
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!((200..300).contains(&status), "set-up: {status} {v}");
            v
        }
    };
    let team = post(
        "/api/v1/teams",
        &staff,
        json!({"name": "故障演练志愿服务队"}),
    )
    .await;
    let team_id = team["id"].as_i64().unwrap();
    let (_, leader_id) = dev_login_at(http, base, "faults-leader", "resident").await;
    diesel::insert_into(team_members::table)
        .values((
            team_members::team_id.eq(team_id),
            team_members::user_id.eq(leader_id),
            team_members::role.eq("leader"),
            team_members::joined_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut db.conn())
        .unwrap();
    let (leader, _) = dev_login_at(http, base, "faults-leader", "team_leader").await;
    let community_id: i64 = linli::db::schema::communities::table
        .select(linli::db::schema::communities::id)
        .first(&mut db.conn())
        .unwrap();
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let mut ids = Vec::new();
    for i in 0..n {
        let a = post(
            "/api/v1/activities",
            &leader,
            json!({
                "team_id": team_id, "community_id": community_id,
                "title": format!("义务理发 {i}"), "category": "haircut",
                "place": "东街社区服务中心", "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                "capacity": seats, "points_per_hour": 10
            }),
        )
        .await;
        ids.push(a["id"].as_i64().unwrap());
    }
    let stock = 100_000;
    let item = post(
        "/api/v1/points-shop/items",
        &staff,
        json!({"name": "食用油 5L", "price_points": 1, "stock": stock}),
    )
    .await;
    for uid in residents {
        post(
            &format!("/api/v1/users/{uid}/points/adjustments"),
            &staff,
            json!({"amount": points, "note": "活动奖励"}),
        )
        .await;
    }
    (ids, item["id"].as_i64().unwrap(), stock)
}

/// A client of the mixed load: a booking, a sign-up and a redemption in turn, until `stop`.
/// The request in flight when the server dies stays unknown.
#[allow(clippy::too_many_arguments)]
async fn mixed_client(
    http: reqwest::Client,
    base: String,
    token: String,
    name: String,
    sockets: Vec<i64>,
    activities: Vec<i64>,
    item: i64,
    stop: Arc<AtomicBool>,
    progress: Arc<AtomicUsize>,
) -> ClientLog {
    let mut log = ClientLog::default();
    for k in 0usize.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let round = k / 3;
        let (url, body) = match k % 3 {
            0 => {
                let step = i64::try_from(round / sockets.len()).unwrap();
                assert!(step < 300, "the load ran out of slots within 7 days");
                (
                    format!("{base}/api/v1/bookings"),
                    json!({
                        "socket_id": sockets[round % sockets.len()],
                        "starts_at": slot(60 + 30 * step),
                        "ends_at": slot(90 + 30 * step),
                    }),
                )
            }
            1 if round < activities.len() => (
                format!("{base}/api/v1/activities/{}/signups", activities[round]),
                json!({}),
            ),
            _ => (
                format!("{base}/api/v1/points-shop/items/{item}/redeem"),
                json!({"quantity": 1 + k % 2}),
            ),
        };
        let op = Op {
            url,
            token: token.clone(),
            body,
            key: format!("{name}-{k}"),
        };
        // The server is killed under this loop: a request cut off stays unknown for now, and
        // the client stops.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(known) = try_once(&http, &op, &mut log.tally).await {
                progress.fetch_add(1, Ordering::SeqCst);
                log.done.push((op, Instant::now(), known));
                break;
            }
            if log.tally.dropped > 0 {
                log.unknown.push(op);
                return log;
            }
            assert!(Instant::now() < deadline, "no answer for {}", op.key);
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
    log
}

#[actix_web::test]
async fn server_killed_mid_load_leaves_nothing_half_written_and_loses_no_webhook() {
    let db = TestDb::seeded_mysql();
    lift_household_quota(&db);
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_BOOKINGS_PER_MINUTE", "1000000"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
        ("LINLI_WEBHOOK_RETRY_SCALE", "0.001"),
        ("LINLI_WEBHOOK_TIMEOUT_MS", "1000"),
        // A dead process's claims (webhook deliveries, idempotency keys) pass on after 2 s.
        ("LINLI_WEBHOOK_CLAIM_SECS", "2"),
        ("LINLI_IDEMPOTENCY_LOCK_SECS", "2"),
        ("RUST_LOG", "error,linli::http::middleware=off"),
    ];
    let mut first = ServerProcess::start(&db, &env);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let receiver = Receiver::start();
    partner_with_webhook(
        &http,
        &first.base,
        "故障物业",
        &[1, 2],
        &["booking.created"],
        &receiver.url,
    )
    .await;

    let clients: i64 = 6;
    let mut residents = Vec::new();
    for c in 0..clients {
        let household = c + 1;
        residents
            .push(resident_at(&db, &http, &first.base, &format!("mixed-{c}"), household).await);
    }
    let uids: Vec<i64> = residents.iter().map(|r| r.1).collect();
    let (activity_ids, item, stock) =
        volunteering_and_shop(&db, &http, &first.base, &uids, 60, 3, 100_000).await;

    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (household, (token, _)) in (1i64..).zip(&residents) {
        tasks.push(actix_web::rt::spawn(mixed_client(
            http.clone(),
            first.base.clone(),
            token.clone(),
            format!("mixed-{}", household - 1),
            vec![2 * household - 1, 2 * household],
            activity_ids.clone(),
            item,
            stop.clone(),
            progress.clone(),
        )));
    }
    wait_for(&progress, 90, 60, "the mixed load").await;
    // Mid-load, mid-delivery: kill -9.
    first.kill_hard();
    stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(t.await.unwrap());
    }

    // A new process on the same database; each client learns its unknown outcomes by sending
    // the same request again with the same key.
    let second = ServerProcess::start(&db, &env);
    for log in &mut logs {
        let mut tally = Tally::default();
        for mut op in std::mem::take(&mut log.unknown) {
            op.url = op.url.replace(&first.base, &second.base);
            let known = until_known(&http, &op, &mut tally, Duration::from_secs(60)).await;
            log.done.push((op, Instant::now(), known));
        }
        log.tally.add(tally);
    }
    let mut tally = Tally::default();
    for l in &mut logs {
        tally.add(std::mem::take(&mut l.tally));
    }
    let answered: usize = logs.iter().map(|l| l.done.len()).sum::<usize>();
    eprintln!("server killed: {answered} requests answered in all, tries {tally:?}");
    assert!(tally.wrong.is_empty(), "{:?}", tally.wrong);
    assert!(
        tally.dropped > 0,
        "some request was cut off by the kill: {tally:?}"
    );

    // Every answer is a success except sign-ups to a full activity's waitlist (still 201).
    for l in &logs {
        for (op, _, known) in &l.done {
            assert!(
                matches!(known, Known::Created(_)),
                "{} {}: {known:?}",
                op.key,
                op.url
            );
        }
    }
    let of_kind = |part: &str| -> HashSet<i64> {
        let ids: Vec<i64> = logs
            .iter()
            .flat_map(|l| l.done.iter())
            .filter(|(op, _, _)| op.url.contains(part))
            .filter_map(|(_, _, k)| match k {
                Known::Created(id) => Some(*id),
                Known::Refused(..) => None,
            })
            .collect();
        let set: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(
            set.len(),
            ids.len(),
            "two {part} requests were told the same id"
        );
        set
    };
    let (told_bookings, told_signups, told_redemptions) = (
        of_kind("/bookings"),
        of_kind("/signups"),
        of_kind("/redeem"),
    );
    assert!(!told_bookings.is_empty() && !told_signups.is_empty() && !told_redemptions.is_empty());
    let mut conn = db.conn();

    // Bookings: exactly those told, each whole, each with its outbox event.
    let stored: HashSet<i64> = bookings::table
        .select(bookings::id)
        .load::<i64>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        stored, told_bookings,
        "stored bookings against answered bookings"
    );
    assert_bookings_whole(&mut conn);
    let events: Vec<String> = webhook_events::table
        .filter(webhook_events::event_type.eq("booking.created"))
        .select(webhook_events::event_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        events.len(),
        stored.len(),
        "one booking.created event per booking"
    );

    // Sign-ups: exactly those told; seats counted right, queue numbers unique.
    let rows: Vec<(i64, i64, String, i64)> = signups::table
        .select((
            signups::id,
            signups::activity_id,
            signups::status,
            signups::queue_no,
        ))
        .load(&mut conn)
        .unwrap();
    let stored: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(
        stored, told_signups,
        "stored sign-ups against answered sign-ups"
    );
    for id in &activity_ids {
        let mine: Vec<_> = rows.iter().filter(|r| r.1 == *id).collect();
        let confirmed = mine.iter().filter(|r| r.2 == "confirmed").count();
        let taken: i32 = activities::table
            .find(id)
            .select(activities::seats_taken)
            .first(&mut conn)
            .unwrap();
        assert_eq!(
            usize::try_from(taken).unwrap(),
            confirmed,
            "activity {id} seats"
        );
        assert!(confirmed <= 3, "activity {id} oversold");
        let queue: HashSet<i64> = mine.iter().map(|r| r.3).collect();
        assert_eq!(
            queue.len(),
            mine.len(),
            "activity {id}: a queue number twice"
        );
    }

    // Redemptions: exactly those told, stock and ledger agree.
    let rows: Vec<(i64, i32, i32)> = redemptions::table
        .select((redemptions::id, redemptions::quantity, redemptions::points))
        .load(&mut conn)
        .unwrap();
    let stored: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(
        stored, told_redemptions,
        "stored redemptions against answered ones"
    );
    let left: i32 = shop_items::table
        .find(item)
        .select(shop_items::stock)
        .first(&mut conn)
        .unwrap();
    assert_eq!(left + rows.iter().map(|r| r.1).sum::<i32>(), stock, "stock");
    let spent: Vec<(String, i32)> = points_ledger::table
        .filter(points_ledger::reason.eq("redemption"))
        .select((points_ledger::reference, points_ledger::amount))
        .load(&mut conn)
        .unwrap();
    assert_eq!(spent.len(), rows.len(), "one ledger entry per redemption");
    let by_ref: HashMap<String, i32> = spent.into_iter().collect();
    for (id, _, points) in &rows {
        assert_eq!(
            by_ref.get(&linli::volunteering::rules::redemption_reference(*id)),
            Some(&-points),
            "redemption {id} in the ledger"
        );
    }
    let entries: Vec<(i64, i32)> = points_ledger::table
        .select((points_ledger::user_id, points_ledger::amount))
        .load(&mut conn)
        .unwrap();
    let mut sums: HashMap<i64, i64> = HashMap::new();
    for (u, a) in entries {
        *sums.entry(u).or_default() += i64::from(a);
    }
    let balances: Vec<(i64, i64)> = points_balances::table
        .select((points_balances::user_id, points_balances::balance))
        .load(&mut conn)
        .unwrap();
    assert_eq!(balances.len(), sums.len());
    for (u, b) in balances {
        assert_eq!(
            Some(&b),
            sums.get(&u),
            "balance of user {u} against its ledger"
        );
    }

    // Webhooks: every event in the outbox reaches the receiver (a send cut off by the kill is
    // sent again: at least once).
    let expected: HashSet<String> = events.into_iter().collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen: HashSet<String> = receiver.ids().into_iter().collect();
        let pending: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::status.ne("delivered"))
            .count()
            .get_result(&mut conn)
            .unwrap();
        if expected.is_subset(&seen) && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events never arrived; {pending} deliveries not delivered",
            expected.difference(&seen).count(),
            expected.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);
}

/// Make the key's request look as if its process died after committing the work, before the
/// answer was stored or sent: no stored answer, and the claim's lock expired.
fn lose_the_answer(db: &TestDb, key: &str) {
    use linli::db::schema::idempotency_keys as ik;
    let n = diesel::update(ik::table.filter(ik::idem_key.eq(key)))
        .set((
            ik::response_status.eq(None::<i32>),
            ik::response_body.eq(None::<String>),
            ik::response_headers.eq(None::<String>),
            ik::locked_until.eq(chrono::DateTime::UNIX_EPOCH.naive_utc()),
        ))
        .execute(&mut db.conn())
        .unwrap();
    assert_eq!(n, 1);
}

// The deterministic core of the kill tests: whatever a retry finds, it answers with what the
// first attempt committed instead of doing it again (which would be refused: the household
// quota is 1, a second sign-up is `already_signed_up`, a second redemption spends twice).
on_both!(a_retry_after_a_lost_answer_gets_what_was_committed, |app| {
    app.seed_demo();
    let alice = app.resident("lost-answer", 1).await;
    let staff = app.token("lost-answer-staff", "staff").await;
    let uid: i64 = linli::db::schema::users::table
        .filter(linli::db::schema::users::openid.eq("dev:lost-answer"))
        .select(linli::db::schema::users::id)
        .first(&mut app.db.conn())
        .unwrap();
    app.post(
        &format!("/api/v1/users/{uid}/points/adjustments"),
        Some(&staff),
        json!({"amount": 100, "note": "活动奖励"}),
    )
    .await
    .expect(201, None);
    let now = chrono::Utc::now().naive_utc();
    let activity: i64 = activities::table
        .filter(activities::status.eq("open"))
        .filter(activities::required_skills.eq("[]"))
        .filter(activities::signup_deadline.gt(now + chrono::Duration::hours(1)))
        .select(activities::id)
        .first(&mut app.db.conn())
        .unwrap();
    let item: i64 = shop_items::table
        .filter(shop_items::name.eq("毛巾"))
        .select(shop_items::id)
        .first(&mut app.db.conn())
        .unwrap();
    let writes = [
        (
            "/api/v1/bookings".to_owned(),
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        ),
        (format!("/api/v1/activities/{activity}/signups"), json!({})),
        (
            format!("/api/v1/points-shop/items/{item}/redeem"),
            json!({"quantity": 1}),
        ),
    ];
    for (i, (path, body)) in writes.iter().enumerate() {
        let key = format!("lost-{i}");
        let headers = [("Idempotency-Key", key.as_str())];
        let first = app
            .request(
                reqwest::Method::POST,
                path,
                Some(&alice),
                Some(body.clone()),
                &headers,
            )
            .await;
        first.expect(201, None);
        lose_the_answer(&app.db, &key);
        let again = app
            .request(
                reqwest::Method::POST,
                path,
                Some(&alice),
                Some(body.clone()),
                &headers,
            )
            .await;
        again.expect(201, None);
        assert_eq!(
            again.body["id"], first.body["id"],
            "{path}: the same object"
        );
        assert_eq!(again.header("location"), first.header("location"));
    }
    let mut c = app.db.conn();
    let n: i64 = bookings::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let n: i64 = signups::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let n: i64 = redemptions::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let balance: i64 = points_balances::table
        .filter(points_balances::user_id.eq(uid))
        .select(points_balances::balance)
        .first(&mut c)
        .unwrap();
    assert_eq!(balance, 70, "spent once");
});
