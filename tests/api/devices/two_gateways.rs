//! Two API processes and two gateways, all real processes on one MySQL database (issue 15,
//! "Proven by" point 2): commands issued on either API process reach the pile once; a gateway
//! killed with SIGKILL mid-session leaves its pile to the other gateway as soon as the pile
//! dials it (not when the dead gateway's lease runs out), the stop the dead gateway had sent
//! unanswered is resent once with the same message id, and each session settles once; one it
//! had claimed but not sent goes out from the other gateway, once, when the claim runs out.

use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};

use super::PILE;
use crate::support::*;
use linli::db::schema::{device_commands, device_leases, device_settlements, sockets};
use linli::devices::dny::messages::{StartStop, HEARTBEAT, QUERY, START_STOP};
use linli::devices::dny::Frame;

/// Settings shared by every process: heartbeats a minute apart, so the dead gateway's lease
/// (two intervals and the margin: 3 minutes) outlasts the test and cannot be what moves the
/// pile; a reply timeout of 8 s, so the one resend comes within seconds while a prompt
/// answer, even on a loaded machine, leaves none.
const ENV: [(&str, &str); 5] = [
    ("LINLI_BACKGROUND_JOBS", "0"),
    ("LINLI_DEVICE_HEARTBEAT_MS", "60000"),
    ("LINLI_DEVICE_OFFLINE_MARGIN_MS", "60000"),
    ("LINLI_DEVICE_REPLY_TIMEOUT_MS", "8000"),
    ("LINLI_DEVICE_COMMAND_POLL_MS", "50"),
];

/// A generous wait for a command to reach the pile (a loaded 2-core machine).
const REACH: Duration = Duration::from_secs(30);

/// `POST base+path` with a bearer token: (status, body).
async fn post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let r = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// The resident's newest session, as `GET /me/charging-sessions` on `base` shows it.
async fn my_session(http: &reqwest::Client, base: &str, token: &str) -> Value {
    let v: Value = http
        .get(format!("{base}/api/v1/me/charging-sessions"))
        .bearer_auth(token)
        .send()
        .await
        .expect("my sessions")
        .json()
        .await
        .expect("my sessions answer");
    v["items"][0].clone()
}

/// Poll the resident's newest session on `base` until `check` holds (30 s).
async fn session_until(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + REACH;
    loop {
        let s = my_session(http, base, token).await;
        if check(&s) {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for: {what}; last: {s}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Walk up to `socket` (with its printed code) on `base`; the new session's id.
async fn walk_up(db: &TestDb, http: &reqwest::Client, base: &str, token: &str, socket: i64) -> i64 {
    let code: String = sockets::table
        .find(socket)
        .select(sockets::code)
        .first(&mut db.conn())
        .unwrap();
    let (status, body) = post(
        http,
        base,
        &format!("/api/v1/sockets/{socket}/charging-session"),
        token,
        json!({"socket_code": code}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// The pile's side: every 0x82 it received, in order, and the next one within `wait`. A 0x81
/// (the gateway asking its state after a reconnect) is answered with a heartbeat, ports 1 and
/// 2 in use; acknowledgements are read past.
struct Pile {
    sim: PileSim,
    received: Vec<(u16, StartStop)>,
}

impl Pile {
    async fn next_command(&mut self, wait: Duration) -> Option<(Frame, StartStop)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let f = self.sim.recv(left).await?;
            match f.command {
                START_STOP => {
                    let cmd = StartStop::parse(&f.data).expect("a 0x82 command");
                    self.received.push((f.message_id, cmd.clone()));
                    return Some((f, cmd));
                }
                QUERY => {
                    let mut ports = [0u8; 10];
                    ports[..2].copy_from_slice(&[1, 1]);
                    self.sim.send(PILE, HEARTBEAT, heartbeat(&ports)).await;
                }
                _ => {}
            }
        }
    }

    async fn command(&mut self, what: &str) -> (Frame, StartStop) {
        self.next_command(REACH)
            .await
            .unwrap_or_else(|| panic!("{what} did not reach the pile"))
    }

    /// No further 0x82 within `wait` (longer than the reply timeout: a command sent twice
    /// would show).
    async fn quiet(&mut self, wait: Duration) {
        if let Some((f, cmd)) = self.next_command(wait).await {
            panic!(
                "an unexpected command reached the pile: id {} {cmd:?}",
                f.message_id
            );
        }
    }
}

/// Which gateway holds the pile's lease.
fn lease_holder(db: &TestDb, device: i64) -> Option<String> {
    device_leases::table
        .filter(device_leases::device_id.eq(device))
        .select(device_leases::gateway)
        .first(&mut db.conn())
        .optional()
        .unwrap()
}

/// A gateway's name carries its process id.
fn is_process(name: &str, pid: u32) -> bool {
    name.contains(&format!("-{pid}-"))
}

/// One MySQL database with socket 1's pile whitelisted as [`PILE`], two API processes, two
/// gateway processes, and the pile connected to gateway 1, registered and idle.
struct Cluster {
    device: i64,
    apis: Vec<ServerProcess>,
    gw1: GatewayProcess,
    gw2: GatewayProcess,
    http: reqwest::Client,
    pile: Pile,
    /// Last: fields drop in order, and the processes go before their database.
    db: TestDb,
}

impl Cluster {
    async fn start() -> Cluster {
        let db = TestDb::seeded_mysql();
        let pile_id: i64 = sockets::table
            .find(1i64)
            .select(sockets::pile_id)
            .first(&mut db.conn())
            .unwrap();
        let device = linli::devices::model::devices::register(
            &mut db.conn(),
            PILE,
            pile_id,
            10,
            chrono::Utc::now().naive_utc(),
        )
        .unwrap();
        let apis = ServerProcess::start_many(&db, &ENV, 2);
        let gw1 = GatewayProcess::start(&db, &ENV);
        let gw2 = GatewayProcess::start(&db, &ENV);
        let mut sim = PileSim::connect(&gw1.addr).await;
        sim.register(PILE, 10).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        Cluster {
            db,
            device,
            apis,
            gw1,
            gw2,
            http: http_client(),
            pile: Pile {
                sim,
                received: Vec::new(),
            },
        }
    }

    /// Kill gateway 1 with SIGKILL; the pile sees its connection drop.
    async fn kill_gateway_1(&mut self) {
        self.gw1.kill_hard();
        assert!(self.pile.sim.closed_within(Duration::from_secs(10)).await);
    }
}

#[actix_web::test]
async fn commands_reach_the_pile_once_and_a_killed_gateways_pile_moves_and_settles_once() {
    let mut c = Cluster::start().await;
    let (a, b) = (c.apis[0].base.clone(), c.apis[1].base.clone());
    let (device, http) = (c.device, c.http.clone());
    let (r1, _) = resident_at(&c.db, &http, &a, "two-gw-1", 1).await;
    let (r2, _) = resident_at(&c.db, &http, &b, "two-gw-2", 2).await;
    let (admin_a, _) = dev_login_at(&http, &a, "two-gw-admin", "admin").await;
    let (admin_b, _) = dev_login_at(&http, &b, "two-gw-admin", "admin").await;

    // Resident 1 starts on socket 1 through API A, resident 2 on socket 2 through API B.
    let s1 = walk_up(&c.db, &http, &a, &r1, 1).await;
    let (f1, start1) = c.pile.command("start 1").await;
    c.pile.sim.reply(&f1, &start1, 0).await;
    let s2 = walk_up(&c.db, &http, &b, &r2, 2).await;
    let (f2, start2) = c.pile.command("start 2").await;
    c.pile.sim.reply(&f2, &start2, 0).await;
    assert!(start1.start && start2.start);
    assert_eq!((start1.port, start2.port), (0, 1));
    c.pile.sim.power(PILE, &start1, 60, 1, 1800).await;
    c.pile.sim.power(PILE, &start2, 60, 2, 1900).await;
    session_until(&http, &b, &r1, "session 1 at 10 Wh", |s| {
        s["state"] == "charging" && s["energy_wh"] == 10
    })
    .await;
    session_until(&http, &a, &r2, "session 2 at 20 Wh", |s| {
        s["state"] == "charging" && s["energy_wh"] == 20
    })
    .await;
    assert!(is_process(
        &lease_holder(&c.db, device).unwrap(),
        c.gw1.pid()
    ));

    // Staff stop session 2 through API A; the stop reaches the pile through gateway 1, which
    // dies before the pile's answer gets back.
    let (status, body) = post(
        &http,
        &a,
        &format!("/api/v1/charging-sessions/{s2}/stop"),
        &admin_a,
        json!({}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (stop2_first, stop2) = c.pile.command("stop 2").await;
    assert!(!stop2.start);
    assert_eq!((stop2.port, stop2.order), (start2.port, start2.order));
    c.kill_gateway_1().await;

    // The pile's modem dials again, reaching gateway 2, and goes on reporting.
    c.pile.sim = PileSim::connect(&c.gw2.addr).await;
    c.pile.sim.power(PILE, &start1, 300, 4, 1800).await;
    eventually(30, "gateway 2 takes the pile's lease", || {
        lease_holder(&c.db, device).is_some_and(|g| is_process(&g, c.gw2.pid()))
    })
    .await;
    // The unanswered stop is the dead gateway's no more: gateway 2 resends it once, with its
    // message id (the protocol's one resend), and the pile answers this time.
    let (stop2_again, again) = c.pile.command("stop 2 resent").await;
    assert_eq!(again, stop2);
    assert_eq!(
        stop2_again.message_id, stop2_first.message_id,
        "a resend keeps the id"
    );
    c.pile.sim.reply(&stop2_again, &stop2, 0).await;
    session_until(
        &http,
        &a,
        &r1,
        "session 1 at 40 Wh through gateway 2",
        |s| s["state"] == "charging" && s["energy_wh"] == 40,
    )
    .await;
    // Session 2 settles; the pile resends its settlement until acknowledged.
    let settle2 = settlement(&start2, 5, 7);
    c.pile.sim.settle(PILE, &settle2).await;
    c.pile.sim.settle(PILE, &settle2).await;

    // A command issued now on API B reaches the pile through gateway 2, once.
    let (status, body) = post(
        &http,
        &b,
        &format!("/api/v1/charging-sessions/{s1}/stop"),
        &admin_b,
        json!({}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (f, stop1) = c.pile.command("stop 1").await;
    assert!(!stop1.start);
    assert_eq!((stop1.port, stop1.order), (start1.port, start1.order));
    c.pile.sim.reply(&f, &stop1, 0).await;
    c.pile.sim.power(PILE, &start1, 600, 6, 1700).await;
    let settle1 = settlement(&start1, 7, 7);
    for _ in 0..3 {
        c.pile.sim.settle(PILE, &settle1).await;
    }
    // Longer than the reply timeout and a poll: a command sent twice would show here.
    c.pile.quiet(Duration::from_secs(10)).await;

    let s = session_until(&http, &b, &r1, "session 1 settled", |s| {
        s["state"] == "settled"
    })
    .await;
    assert_eq!(
        (s["id"].as_i64(), s["energy_wh"].as_i64()),
        (Some(s1), Some(70))
    );
    assert_eq!(s["stop_reason"], "stopped_remotely");
    let s = session_until(&http, &a, &r2, "session 2 settled", |s| {
        s["state"] == "settled"
    })
    .await;
    assert_eq!(
        (s["id"].as_i64(), s["energy_wh"].as_i64()),
        (Some(s2), Some(50))
    );

    // Each command reached the pile once; the stop the dead gateway sent came once more from
    // gateway 2 with the same message id.
    let ids: Vec<u16> = c.pile.received.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        c.pile
            .received
            .iter()
            .map(|(_, c)| c.clone())
            .collect::<Vec<_>>(),
        vec![start1.clone(), start2.clone(), stop2.clone(), stop2, stop1],
        "{ids:?}"
    );
    assert_eq!(ids[2], ids[3]);
    let statuses: Vec<(String, i32)> = device_commands::table
        .filter(device_commands::device_id.eq(device))
        .order(device_commands::id)
        .select((device_commands::status, device_commands::attempts))
        .load(&mut c.db.conn())
        .unwrap();
    let done = |attempts| ("done".to_owned(), attempts);
    assert_eq!(statuses, vec![done(1), done(1), done(2), done(1)]);

    // One settlement per session, every copy kept count of (and each was acknowledged).
    let n: i64 = device_settlements::table
        .count()
        .get_result(&mut c.db.conn())
        .unwrap();
    assert_eq!(n, 2);
    for (order, copies) in [(start1.order, 3), (start2.order, 2)] {
        let hex = linli::devices::model::order_hex(&order);
        assert_eq!(
            linli::devices::model::sessions::settlement_copies(&mut c.db.conn(), &hex).unwrap(),
            copies
        );
    }
}

/// A start gateway 1 claimed but never sent (it was killed between its claim and its send)
/// goes out from gateway 2 once the claim runs out, once.
#[actix_web::test]
async fn a_command_claimed_by_a_killed_gateway_goes_out_once_from_the_other() {
    let mut c = Cluster::start().await;
    let gw1 = lease_holder(&c.db, c.device).unwrap();
    assert!(is_process(&gw1, c.gw1.pid()));
    let base = c.apis[1].base.clone();
    let (r1, _) = resident_at(&c.db, &c.http, &base, "two-gw-claimed", 1).await;
    c.kill_gateway_1().await;
    let s1 = walk_up(&c.db, &c.http, &base, &r1, 1).await;
    // What gateway 1 leaves behind when killed right after its claim: the command claimed
    // (for the reply timeout, as a claim is), not sent.
    let until = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(8);
    let claimed = diesel::update(
        device_commands::table
            .filter(device_commands::device_id.eq(c.device))
            .filter(device_commands::status.eq("pending")),
    )
    .set((
        device_commands::claimed_by.eq(&gw1),
        device_commands::claimed_until.eq(until),
    ))
    .execute(&mut c.db.conn())
    .unwrap();
    assert_eq!(claimed, 1);

    c.pile.sim = PileSim::connect(&c.gw2.addr).await;
    c.pile.sim.send(PILE, HEARTBEAT, heartbeat(&[0; 10])).await;
    let (f, start) = c.pile.command("the start gateway 1 claimed").await;
    assert!(start.start);
    assert_eq!(start.port, 0);
    c.pile.sim.reply(&f, &start, 0).await;
    c.pile.quiet(Duration::from_secs(10)).await;
    let claimed_by: Option<String> = device_commands::table
        .filter(device_commands::device_id.eq(c.device))
        .select(device_commands::claimed_by)
        .first(&mut c.db.conn())
        .unwrap();
    assert!(claimed_by.is_some_and(|g| is_process(&g, c.gw2.pid())));
    let s = session_until(&c.http, &base, &r1, "charging", |s| {
        s["state"] == "charging"
    })
    .await;
    assert_eq!(s["id"].as_i64(), Some(s1));
}
