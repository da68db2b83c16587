//! Charging piles over DNY: a simulated pile speaks to the real gateway over real TCP on
//! `127.0.0.1:0`, residents start charging through the real API, and the session follows the
//! pile's replies, power reports and settlements; on MySQL and SQLite.

mod bookings;
mod firms;
mod frames;
mod limits;
mod live;
mod readings;
mod reconnect;
mod registry;
mod simulator;
mod two_gateways;
mod walk_up;

use std::time::Duration;

use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::{HEARTBEAT, START_STOP};

/// A 10-port pile's physical id (kind byte 05, printed number 1).
pub(crate) const PILE: u32 = 0x0500_0001;

/// A resident of the first demo household with a booking on socket 1 that has just started
/// (the test clock moved to 2 minutes after its start); returns the token and booking id.
pub(crate) async fn booked(app: &TestApp, name: &str) -> (String, i64) {
    booked_with_card(app, name, 1).await
}

/// [`booked`] by the household of demo card `card` (in socket 1's compound).
pub(crate) async fn booked_with_card(app: &TestApp, name: &str, card: usize) -> (String, i64) {
    app.seed_demo();
    let token = app.resident(name, card).await;
    let starts = app.slot_time(30);
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&token),
            booking(1, &starts, &app.slot_time(90)),
        )
        .await;
    r.expect(201, None);
    let id = r.body["id"].as_i64().unwrap();
    let target = chrono::DateTime::parse_from_rfc3339(&starts)
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::minutes(2);
    app.clock.advance(target - app.clock.now());
    (app.token(name, "resident").await, id)
}

/// The code printed on a socket (what its QR code carries).
pub(crate) fn socket_code(app: &TestApp, socket: i64) -> String {
    use diesel::prelude::*;
    use linli::db::schema::sockets;
    sockets::table
        .find(socket)
        .select(sockets::code)
        .first(&mut app.db.conn())
        .unwrap()
}

/// A gateway, socket 1's pile whitelisted as [`PILE`], connected, registered and reporting
/// both ports idle.
pub(crate) async fn pile_online(
    app: &TestApp,
    tweak: impl FnOnce(&mut linli::config::Config),
) -> (TestGateway, PileSim) {
    app.bind_device(app.pile_of(1), PILE, 10);
    let gw = TestGateway::start(app, tweak).await;
    let mut sim = PileSim::connect(&gw.addr).await;
    sim.register(PILE, 10).await;
    sim.heartbeat(PILE, &[0; 10]).await;
    (gw, sim)
}

/// A resident's session on socket 1 that the pile started (reply 0): the resident's token,
/// the gateway, the pile and the start command it received.
pub(crate) async fn started(
    app: &TestApp,
    name: &str,
    tweak: impl FnOnce(&mut linli::config::Config),
) -> (
    String,
    TestGateway,
    PileSim,
    linli::devices::dny::messages::StartStop,
) {
    let (token, booking_id) = booked(app, name).await;
    let (gw, mut sim) = pile_online(app, tweak).await;
    start(app, &token, booking_id).await.expect(201, None);
    let (frame, cmd) = sim.command().await;
    sim.reply(&frame, &cmd, 0).await;
    (token, gw, sim, cmd)
}

pub(crate) async fn start(app: &TestApp, token: &str, booking: i64) -> Res {
    app.post(
        &format!("/api/v1/bookings/{booking}/charging-session"),
        Some(token),
        json!({}),
    )
    .await
}

pub(crate) async fn my_session(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/me/charging-sessions", Some(token)).await;
    r.expect(200, None);
    r.body["items"][0].clone()
}

/// Poll my newest session until `check` holds (5 s).
pub(crate) async fn session_until(
    app: &TestApp,
    token: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..100 {
        let s = my_session(app, token).await;
        if check(&s) {
            return s;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "timed out waiting for: {what}; last: {}",
        my_session(app, token).await
    );
}

fn booking_status(app: &TestApp, id: i64) -> String {
    use diesel::prelude::*;
    use linli::db::schema::bookings;
    bookings::table
        .find(id)
        .select(bookings::status)
        .first(&mut app.db.conn())
        .unwrap()
}

on_both!(
    start_reply_power_reports_and_one_settlement_of_five_copies,
    |app| {
        let (token, booking_id) = booked(&app, "gw-happy").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        assert_eq!(app.live_state(1), Some(("available".into(), 0)));

        let r = start(&app, &token, booking_id).await;
        r.expect(201, None);
        assert_eq!(r.body["state"], "requested");
        assert_eq!(booking_status(&app, booking_id), "checked_in");

        let (frame, cmd) = sim.command().await;
        assert!(cmd.start);
        assert_eq!((frame.physical_id, cmd.port), (PILE, 0));
        assert!(
            cmd.duration_s > 0 && cmd.duration_s <= 3600,
            "charges until the booking ends"
        );
        // A power report before the reply counts as the start.
        sim.power(PILE, &cmd, 60, 1, 1800).await;
        session_until(&app, &token, "charging on the first report", |s| {
            s["state"] == "charging"
        })
        .await;
        sim.reply(&frame, &cmd, 0).await;
        sim.power(PILE, &cmd, 600, 5, 1900).await;
        sim.power(PILE, &cmd, 1200, 12, 2000).await;
        let s = session_until(&app, &token, "120 Wh", |s| s["energy_wh"] == 120).await;
        assert_eq!(
            (s["power_w"].as_i64(), s["duration_s"].as_i64()),
            (Some(200), Some(1200))
        );
        // Energy never decreases: an older report arriving late changes nothing.
        sim.power(PILE, &cmd, 600, 5, 1900).await;
        sim.heartbeat(PILE, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        assert_eq!(my_session(&app, &token).await["energy_wh"], 120);
        assert_eq!(app.live_state(1), Some(("in_use".into(), 1)));

        // The pile resends its settlement (new message ids each time): all acknowledged, one kept.
        let settle = settlement(&cmd, 48, 1);
        for _ in 0..5 {
            sim.settle(PILE, &settle).await;
        }
        let s = session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(s["energy_wh"], 480);
        assert_eq!(s["duration_s"], 3600);
        assert_eq!(s["stop_reason"], "full");
        assert_eq!(s["stop_reason_code"], 1);
        assert_eq!(s["message"], "已充满，充电结束");
        assert!(s["power_w"].is_null());
        assert_eq!(
            linli::devices::model::sessions::settlement_copies(
                &mut app.db.conn(),
                &linli::devices::model::order_hex(&cmd.order)
            )
            .unwrap(),
            5
        );
        {
            use diesel::prelude::*;
            use linli::db::schema::device_settlements;
            let n: i64 = device_settlements::table
                .count()
                .get_result(&mut app.db.conn())
                .unwrap();
            assert_eq!(n, 1, "one settlement, however many copies");
        }
        // The booking completed early: its remaining time is free again.
        assert_eq!(booking_status(&app, booking_id), "completed");
        // A report after the settlement changes nothing; the session stays settled.
        sim.power(PILE, &cmd, 4000, 60, 1500).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        let s = my_session(&app, &token).await;
        assert_eq!(
            (s["state"].as_str(), s["energy_wh"].as_i64()),
            (Some("settled"), Some(480))
        );
        // The socket is free for a new session once the old one settled (no open session left).
        start(&app, &token, booking_id)
            .await
            .expect(409, Some("booking_state_invalid"));
    }
);

on_both!(
    reply_code_one_fails_the_start_with_the_chinese_reason,
    |app| {
        let (token, booking_id) = booked(&app, "gw-nocharger").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 1).await;
        let s = session_until(&app, &token, "start_failed", |s| {
            s["state"] == "start_failed"
        })
        .await;
        assert_eq!(s["failure"], "no_charger");
        assert_eq!(s["message"], "启动失败：未插充电器");
        assert!(s["ended_at"].is_string());
        // The socket is not held by the failed session: a new start is sent.
        start(&app, &token, booking_id).await.expect(201, None);
        let (_, again) = sim.command().await;
        assert_ne!(again.order, cmd.order, "a new order number");
    }
);

on_both!(no_reply_is_resent_once_with_the_same_id_then_fails, |app| {
    let (token, booking_id) = booked(&app, "gw-silent").await;
    let (_gw, mut sim) = pile_online(&app, |c| {
        c.device_reply_timeout_ms = 700;
        c.device_command_poll_ms = 50;
    })
    .await;
    start(&app, &token, booking_id).await.expect(201, None);
    let (first, cmd) = sim.command().await;
    let (second, again) = sim.command().await;
    assert_eq!(
        first.message_id, second.message_id,
        "a resend keeps the message id"
    );
    assert_eq!(cmd, again);
    let s = session_until(&app, &token, "start_failed", |s| {
        s["state"] == "start_failed"
    })
    .await;
    assert_eq!(s["failure"], "no_response");
    assert_eq!(s["message"], "启动失败：充电桩未响应，请稍后再试");
    assert!(
        sim.recv(Duration::from_millis(1500))
            .await
            .is_none_or(|f| f.command != START_STOP),
        "no third send"
    );
});

on_both!(a_silent_pile_goes_offline_and_a_start_is_refused, |app| {
    let (token, booking_id) = booked(&app, "gw-offline").await;
    let (_gw, _sim) = pile_online(&app, |c| c.device_command_poll_ms = 50).await;
    // Two heartbeat intervals (3 min) and the margin (1 min) pass without a word.
    app.clock.advance(chrono::Duration::minutes(8));
    let token2 = app.token("gw-offline", "resident").await;
    let _ = token;
    eventually(5, "the socket shown offline", || {
        app.live_state(1).is_some_and(|(s, _)| s == "offline")
    })
    .await;
    let r = start(&app, &token2, booking_id).await;
    r.expect(409, Some("pile_offline"));
    let r = app.get("/api/v1/me/charging-sessions", Some(&token2)).await;
    assert_eq!(r.body["total"], 0, "no session was created");
});

on_both!(
    a_host_carries_three_piles_on_one_connection_and_unknown_ids_are_ignored,
    |app| {
        app.seed_demo();
        let ids = [0x0500_0011u32, 0x0500_0012, 0x0600_0013];
        let piles: Vec<i64> = {
            use diesel::prelude::*;
            use linli::db::schema::piles;
            piles::table
                .order(piles::id)
                .limit(3)
                .select(piles::id)
                .load(&mut app.db.conn())
                .unwrap()
        };
        for (pid, pile) in ids.iter().zip(&piles) {
            app.bind_device(*pile, *pid, 16);
        }
        let gw = TestGateway::start(&app, |_| {}).await;
        let mut host = PileSim::connect(&gw.addr).await;
        // An id nobody whitelisted: no answer, nothing stored, the connection stays.
        host.send(0x0500_9999, HEARTBEAT, heartbeat(&[0, 0])).await;
        assert!(
            host.recv(Duration::from_millis(500)).await.is_none(),
            "unknown ids get no answer"
        );
        for (i, pid) in ids.iter().enumerate() {
            let mut ports = vec![0u8; 16];
            ports[0] = [0, 2, 8][i];
            host.heartbeat(*pid, &ports).await;
        }
        let first_socket = |pile: i64| -> i64 {
            use diesel::prelude::*;
            use linli::db::schema::sockets;
            sockets::table
                .filter(sockets::pile_id.eq(pile).and(sockets::number.eq(1)))
                .select(sockets::id)
                .first(&mut app.db.conn())
                .unwrap()
        };
        assert_eq!(
            app.live_state(first_socket(piles[0])),
            Some(("available".into(), 0))
        );
        assert_eq!(
            app.live_state(first_socket(piles[1])),
            Some(("plugged".into(), 2))
        );
        assert_eq!(
            app.live_state(first_socket(piles[2])),
            Some(("faulted".into(), 8))
        );
        {
            use diesel::prelude::*;
            use linli::db::schema::devices;
            let n: i64 = devices::table
                .filter(devices::physical_id.eq(0x0500_9999i64))
                .count()
                .get_result(&mut app.db.conn())
                .unwrap();
            assert_eq!(n, 0, "an unknown id is never bound");
        }
        // A connection speaking only for unknown ids is closed after a while.
        let mut stranger = PileSim::connect(&gw.addr).await;
        for _ in 0..25 {
            stranger.send(0x0500_7777, HEARTBEAT, heartbeat(&[0])).await;
        }
        assert!(stranger.closed_within(Duration::from_secs(5)).await);
        // The host's connection is unaffected.
        host.heartbeat(ids[0], &[0; 16]).await;
    }
);

on_both!(two_starts_racing_for_one_socket_make_one_session, |app| {
    let (token, booking_id) = booked(&app, "gw-race").await;
    let (_gw, mut sim) = pile_online(&app, |_| {}).await;
    // Checked in first (a scan now starts charging itself, so the check-in is written as it
    // stands after one), so both requests race on the session itself.
    {
        use diesel::prelude::*;
        use linli::db::schema::bookings;
        diesel::update(bookings::table.find(booking_id))
            .set((
                bookings::status.eq("checked_in"),
                bookings::checked_in_at.eq(app.clock.now_naive()),
            ))
            .execute(&mut app.db.conn())
            .unwrap();
    }
    let (a, b) = futures_util::join!(
        start(&app, &token, booking_id),
        start(&app, &token, booking_id)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let loser = if a.status.as_u16() == 409 { &a } else { &b };
    assert_eq!(loser.body["code"], "charging_in_progress");
    let r = app.get("/api/v1/me/charging-sessions", Some(&token)).await;
    assert_eq!(r.body["total"], 1);
    // One command reaches the pile.
    let _ = sim.command().await;
    assert!(sim
        .recv(Duration::from_millis(800))
        .await
        .is_none_or(|f| f.command != START_STOP));
});

on_both!(
    a_settlement_resent_across_a_gateway_restart_is_kept_once,
    |app| {
        let (token, booking_id) = booked(&app, "gw-restart").await;
        let (gw, mut sim) = pile_online(&app, |_| {}).await;
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        let settle = settlement(&cmd, 30, 5);
        sim.settle(PILE, &settle).await;
        sim.settle(PILE, &settle).await;
        // The gateway restarts; the pile reconnects to the new one and resends.
        drop(gw);
        assert!(sim.closed_within(Duration::from_secs(5)).await);
        let gw2 = TestGateway::start(&app, |_| {}).await;
        let mut sim = PileSim::connect(&gw2.addr).await;
        for _ in 0..3 {
            sim.settle(PILE, &settle).await;
        }
        let s = session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(
            (s["energy_wh"].as_i64(), s["stop_reason"].as_str()),
            (Some(300), Some("unplugged"))
        );
        assert_eq!(s["message"], "充电器已拔出，充电结束");
        assert_eq!(
            linli::devices::model::sessions::settlement_copies(
                &mut app.db.conn(),
                &linli::devices::model::order_hex(&cmd.order)
            )
            .unwrap(),
            5
        );
    }
);

on_both!(
    reply_code_three_charges_but_tells_of_the_port_fault,
    |app| {
        let (token, booking_id) = booked(&app, "gw-fault").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 3).await;
        let s = session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        assert_eq!(s["failure"], "port_fault");
        assert_eq!(s["message"], "充电中（端口故障）");
    }
);

/// One pass of the sessions' sweeper with the default waits.
fn sweep_sessions(app: &TestApp) -> usize {
    let c = linli::config::Config::defaults();
    linli::devices::model::sessions::sweep(
        &mut app.db.conn(),
        app.clock.now_naive(),
        c.device_start_wait(),
        c.device_settle_wait(),
        c.device_offline_after(),
    )
    .unwrap()
}

on_both!(
    no_settlement_after_the_pile_went_idle_settles_from_the_last_report,
    |app| {
        let (token, booking_id) = booked(&app, "gw-unconfirmed").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        sim.power(PILE, &cmd, 900, 9, 1800).await;
        session_until(&app, &token, "90 Wh", |s| s["energy_wh"] == 90).await;
        // Still charging: nothing to sweep.
        assert_eq!(sweep_sessions(&app), 0);
        // A day later the pile reports the socket idle, and no settlement ever came.
        app.clock.advance(chrono::Duration::hours(25));
        sim.heartbeat(PILE, &[0; 10]).await;
        assert_eq!(sweep_sessions(&app), 1);
        assert_eq!(sweep_sessions(&app), 0, "once");
        let token = app.token("gw-unconfirmed", "resident").await;
        let s = my_session(&app, &token).await;
        assert_eq!(
            (s["state"].as_str(), s["energy_wh"].as_i64()),
            (Some("settled_unconfirmed"), Some(90))
        );
        assert_eq!(s["message"], "充电已结束，未收到充电桩结算，工作人员将核对");
        // The pile's settlement arriving after all confirms it with the pile's readings.
        sim.settle(PILE, &settlement(&cmd, 10, 1)).await;
        let s = my_session(&app, &token).await;
        assert_eq!(
            (s["state"].as_str(), s["energy_wh"].as_i64()),
            (Some("settled"), Some(100))
        );
    }
);

on_both!(a_start_no_gateway_claims_fails_in_time, |app| {
    let (token, booking_id) = booked(&app, "gw-unclaimed").await;
    // The pile was seen a moment ago, but no gateway holds it now.
    let device = app.bind_device(app.pile_of(1), PILE, 10);
    linli::devices::model::devices::seen(&mut app.db.conn(), device, app.clock.now_naive())
        .unwrap();
    start(&app, &token, booking_id).await.expect(201, None);
    assert_eq!(sweep_sessions(&app), 0, "not yet");
    app.clock.advance(chrono::Duration::seconds(95));
    assert_eq!(sweep_sessions(&app), 1);
    let token = app.token("gw-unclaimed", "resident").await;
    let s = my_session(&app, &token).await;
    assert_eq!(
        (s["state"].as_str(), s["failure"].as_str()),
        (Some("start_failed"), Some("no_response"))
    );
});
