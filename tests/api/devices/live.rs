//! Live states where people look: a heartbeat that changes a socket's live state, and a pile
//! going offline, send one `socket.state_changed` each (none for a heartbeat that repeats);
//! the partner API's pile and socket views carry the live state, `online` and `last_seen_at`.

use std::time::Duration;

use serde_json::{json, Value};

use super::PILE;
use crate::on_both;
use crate::partners::firms;
use crate::support::*;

async fn spawn_webhooks(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.webhook_allow_private = true;
        c.webhook_retry_scale = 0.0005;
        c.webhook_poll_ms = 50;
        c.webhook_timeout_ms = 1000;
        c.background_jobs = true;
    })
    .await
}

/// The `socket.state_changed` data received so far for socket `socket`.
fn live_events(receiver: &Receiver, socket: i64) -> Vec<Value> {
    receiver
        .bodies()
        .into_iter()
        .filter(|b| b["type"] == "socket.state_changed" && b["data"]["socket_id"] == socket)
        .map(|b| b["data"].clone())
        .collect()
}

async fn events_until(receiver: &Receiver, socket: i64, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let got = live_events(receiver, socket);
        if got.len() >= n {
            return got;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} events: {:?}", live_events(receiver, socket));
}

on_both!(
    a_live_change_sends_one_webhook_and_the_firm_sees_it,
    spawn = spawn_webhooks,
    |app| {
        let f = firms(&app).await;
        let receiver = Receiver::start();
        app.post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": ["socket.state_changed"]}),
        )
        .await
        .expect(201, None);
        let pile = app.pile_of(1);
        app.bind_device(pile, PILE, 10);
        let gw = TestGateway::start(&app, |c| c.device_command_poll_ms = 50).await;
        let mut sim = PileSim::connect(&gw.addr).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        let first = events_until(&receiver, 1, 1).await;
        assert_eq!(first[0]["live_state"], "available");
        assert!(first[0]["previous_live_state"].is_null());
        assert_eq!(
            first[0]["state"], first[0]["previous_state"],
            "the set state is unchanged"
        );
        // The same states again: no event.
        sim.heartbeat(PILE, &[0; 10]).await;
        let mut ports = [0u8; 10];
        ports[0] = 8;
        sim.heartbeat(PILE, &ports).await;
        sim.heartbeat(PILE, &ports).await;
        let got = events_until(&receiver, 1, 2).await;
        assert_eq!(
            (
                got[1]["previous_live_state"].as_str(),
                got[1]["live_state"].as_str()
            ),
            (Some("available"), Some("faulted"))
        );
        assert_eq!(got[1]["reason"], "充电桩上报故障：接触不良或保险丝熔断");

        let view = app
            .get(&format!("/api/v1/partner/piles/{pile}"), Some(&f.a))
            .await;
        view.expect(200, None);
        assert_eq!(view.body["online"], true);
        assert!(view.body["last_seen_at"].is_string());
        let socket = &view.body["sockets"][0];
        assert_eq!(
            (socket["live_state"].as_str(), socket["live_code"].as_i64()),
            (Some("faulted"), Some(8))
        );

        // Silent past two heartbeats and the margin: offline, one event per socket.
        app.clock.advance(chrono::Duration::minutes(8));
        let got = events_until(&receiver, 1, 3).await;
        assert_eq!(
            (
                got[2]["previous_live_state"].as_str(),
                got[2]["live_state"].as_str()
            ),
            (Some("faulted"), Some("offline"))
        );
        assert_eq!(got[2]["reason"], "充电桩离线");
        let view = app
            .get(&format!("/api/v1/partner/piles/{pile}"), Some(&f.a))
            .await;
        assert_eq!(view.body["online"], false);
        assert_eq!(view.body["sockets"][0]["live_state"], "offline");
        // Back: the heartbeat's state again.
        sim.heartbeat(PILE, &[0; 10]).await;
        let got = events_until(&receiver, 1, 4).await;
        assert_eq!(
            (
                got[3]["previous_live_state"].as_str(),
                got[3]["live_state"].as_str()
            ),
            (Some("offline"), Some("available"))
        );
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            live_events(&receiver, 1).len(),
            4,
            "one event per real change"
        );
    }
);

/// Socket 1's row of compound 1's grid and the character of its current cell.
async fn grid_row(app: &TestApp) -> (Value, char) {
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    r.expect(200, None);
    let starts = chrono::DateTime::parse_from_rfc3339(r.body["starts_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let slot = r.body["slot_minutes"].as_i64().unwrap();
    let index = usize::try_from((app.clock.now() - starts).num_minutes() / slot).unwrap();
    let row = r.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["socket_id"] == 1)
        .unwrap()
        .clone();
    let current = row["cells"].as_str().unwrap().chars().nth(index).unwrap();
    (row, current)
}

on_both!(
    the_grid_shows_a_faulted_or_offline_socket_not_bookable_now,
    |app| {
        app.seed_demo();
        app.bind_device(app.pile_of(1), PILE, 10);
        let gw = TestGateway::start(&app, |c| c.device_command_poll_ms = 50).await;
        let mut sim = PileSim::connect(&gw.addr).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        let (row, now) = grid_row(&app).await;
        assert_eq!((row["live_state"].as_str(), now), (Some("available"), '.'));
        assert!(row["unavailable_now"].is_null());

        let mut ports = [0u8; 10];
        ports[0] = 8;
        sim.heartbeat(PILE, &ports).await;
        let (row, now) = grid_row(&app).await;
        assert_eq!((row["live_state"].as_str(), now), (Some("faulted"), '-'));
        assert_eq!(row["unavailable_now"], "充电口故障：接触不良或保险丝熔断");
        // Only the current cell: later ones stay bookable.
        let cells = row["cells"].as_str().unwrap();
        assert!(cells.contains('.'), "{cells}");

        app.clock.advance(chrono::Duration::minutes(8));
        eventually(5, "the socket shown offline", || {
            app.live_state(1).is_some_and(|(s, _)| s == "offline")
        })
        .await;
        let (row, now) = grid_row(&app).await;
        assert_eq!((row["live_state"].as_str(), now), (Some("offline"), '-'));
        assert_eq!(row["unavailable_now"], "充电桩离线，暂时不能充电");

        sim.heartbeat(PILE, &[0; 10]).await;
        let (row, now) = grid_row(&app).await;
        assert_eq!((row["live_state"].as_str(), now), (Some("available"), '.'));
        assert!(row["unavailable_now"].is_null());
    }
);
