//! The database killed (`kill -9`) and restarted under a steady booking load: the server
//! answers 503 fast while it is down, serves again within 5 s of its return, and the database
//! holds exactly the bookings the clients were told about.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use linli::db::schema::bookings;
use serde_json::{json, Value};

use super::*;

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

/// Six load clients, each of its own household (1..=6) booking two sockets of its own, slot
/// after slot, until `stop`.
pub(super) struct BookingLoad {
    stop: Arc<AtomicBool>,
    pub(super) created: Arc<AtomicUsize>,
    pub(super) users: Vec<i64>,
    tasks: Vec<actix_web::rt::task::JoinHandle<ClientLog>>,
}

impl BookingLoad {
    async fn start(db: &TestDb, http: &reqwest::Client, base: &str) -> BookingLoad {
        Self::start_from(db, http, base, 1).await
    }

    /// Six clients of households `first..first + 6`, each booking sockets `2h - 1` and `2h`.
    pub(super) async fn start_from(
        db: &TestDb,
        http: &reqwest::Client,
        base: &str,
        first: i64,
    ) -> BookingLoad {
        let clients: i64 = 6;
        let stop = Arc::new(AtomicBool::new(false));
        let created = Arc::new(AtomicUsize::new(0));
        let mut users = Vec::new();
        let mut tasks = Vec::new();
        for c in first - 1..first - 1 + clients {
            let household = c + 1;
            let (token, uid) = resident_at(db, http, base, &format!("load-{c}"), household).await;
            users.push(uid);
            let sockets = vec![2 * household - 1, 2 * household];
            tasks.push(actix_web::rt::spawn(booking_client(
                http.clone(),
                base.to_owned(),
                token,
                sockets,
                format!("load-{c}"),
                stop.clone(),
                created.clone(),
            )));
        }
        BookingLoad {
            stop,
            created,
            users,
            tasks,
        }
    }

    /// Stop the clients; what each did.
    pub(super) async fn stop(self) -> Vec<ClientLog> {
        self.stop.store(true, Ordering::SeqCst);
        let mut logs = Vec::new();
        for t in self.tasks {
            logs.push(t.await.unwrap());
        }
        logs
    }
}

/// While the database is down (for 3 s, at least 3 probes): a read and a booking each answer
/// our 503 with `Retry-After` within 3 s; the process stays alive and says it is not ready.
pub(super) async fn probe_while_down(
    http: &reqwest::Client,
    server: &mut ServerProcess,
    prober: &str,
) {
    let killed = Instant::now();
    let mine = format!("{}/api/v1/me/bookings", server.base);
    let mut probes = 0;
    while killed.elapsed() < Duration::from_secs(3) || probes < 3 {
        let t = Instant::now();
        let r = http.get(&mine).bearer_auth(prober).send().await.unwrap();
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
            token: prober.to_owned(),
            body: json!({"socket_id": 30, "starts_at": slot(60), "ends_at": slot(90)}),
            key: format!("probe-{probes}"),
        };
        let mut tally = Tally::default();
        assert_eq!(try_once(http, &op, &mut tally).await, None);
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
}

/// After the database came back at `back`: the same server serves `mine` again within 5 s,
/// and from then on every read; how long it took.
pub(super) async fn served_again(
    http: &reqwest::Client,
    mine: &str,
    prober: &str,
    back: Instant,
) -> Duration {
    loop {
        let r = http.get(mine).bearer_auth(prober).send().await.unwrap();
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
        let r = http.get(mine).bearer_auth(prober).send().await.unwrap();
        assert_eq!(r.status(), 200, "after the recovery");
    }
    recovered
}

/// What the clients saw: only answers, 503s and "still running", never a 500; 503s only
/// until 5 s after the database was `back`; every write booked; every client booked again
/// after the outage.
pub(super) fn assert_clients_saw_only_answers(
    logs: &mut [ClientLog],
    back: Instant,
    created: usize,
    recovered: Duration,
) {
    let mut tally = Tally::default();
    for l in logs.iter_mut() {
        tally.add(std::mem::take(&mut l.tally));
    }
    eprintln!(
        "database outage: {} bookings, tries {tally:?}, serving again {:?} after the restart",
        created, recovered
    );
    assert!(tally.wrong.is_empty(), "not our 503: {:?}", tally.wrong);
    assert!(tally.unavailable > 0, "the load met the outage: {tally:?}");
    assert!(
        tally
            .last_unavailable
            .is_some_and(|t| t < back + Duration::from_secs(5)),
        "503s went on after the database was back: {tally:?}"
    );
    for l in logs.iter() {
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
}

/// Every booking a client was told about is stored once and whole; no other booking exists
/// (none of the prober's, none of anyone else's).
pub(super) fn assert_stored_as_told(
    db: &TestDb,
    logs: &[ClientLog],
    users: &[i64],
    prober_id: i64,
) {
    let told = created_ids(logs);
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
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let load = BookingLoad::start(&db, &http, &server.base).await;
    let (prober, prober_id) = resident_at(&db, &http, &server.base, "prober", 100).await;
    wait_for(&load.created, 30, 60, "bookings before the outage").await;

    // The database dies.
    maria.kill();
    probe_while_down(&http, &mut server, &prober).await;
    let before_restart = load.created.load(Ordering::SeqCst);

    // The database comes back on the same data: the same server serves again within 5 s.
    maria.start_again();
    let back = Instant::now();
    let mine = format!("{}/api/v1/me/bookings", server.base);
    let recovered = served_again(&http, &mine, &prober, back).await;
    wait_for(
        &load.created,
        before_restart + 30,
        60,
        "bookings after the outage",
    )
    .await;
    let (created, users) = (load.created.clone(), load.users.clone());
    let mut logs = load.stop().await;
    assert!(server.is_running(), "the server process must not exit");

    assert_clients_saw_only_answers(&mut logs, back, created.load(Ordering::SeqCst), recovered);
    assert_stored_as_told(&db, &logs, &users, prober_id);
    drop(server);
}
