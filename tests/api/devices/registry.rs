//! The whitelist kept by people: staff register printed physical ids against piles, list
//! them with their online state and faults, and retire them; `linli devices register` does
//! the same for set-up scripts. Through real HTTP, the real gateway and a simulated pile.

use std::time::Duration;

use serde_json::json;

use super::{booked, pile_online, start, PILE};
use crate::on_both;
use crate::support::*;

async fn register(app: &TestApp, token: &str, physical_id: serde_json::Value, pile: i64) -> Res {
    app.post(
        "/api/v1/devices",
        Some(token),
        json!({"physical_id": physical_id, "pile_id": pile, "port_count": 10}),
    )
    .await
}

async fn device(app: &TestApp, token: &str, id: i64) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/devices/{id}"), Some(token)).await;
    r.expect(200, None);
    r.body
}

on_both!(
    staff_register_a_printed_physical_id_and_only_staff_may,
    |app| {
        app.seed_demo();
        let (staff, resident) = (
            app.token("dev-staff", "staff").await,
            app.token("dev-resident", "resident").await,
        );
        let (pile, other_pile) = (app.pile_of(1), app.pile_of(3));
        assert_ne!(pile, other_pile);
        register(&app, &resident, json!("05000001"), pile)
            .await
            .expect(403, None);
        let r = register(&app, &staff, json!("05000001"), pile).await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(
            r.header("location"),
            Some(format!("/api/v1/devices/{id}").as_str())
        );
        assert_eq!(r.body["physical_id"], "05000001");
        assert_eq!(
            (r.body["pile_id"].as_i64(), r.body["port_count"].as_i64()),
            (Some(pile), Some(10))
        );
        assert_eq!(r.body["online"], false);
        assert!(r.body["last_seen_at"].is_null());
        // The same id in decimal (with its leading 0) is the same device.
        register(&app, &staff, json!("083886081"), other_pile)
            .await
            .expect(409, Some("device_already_registered"));
        register(&app, &staff, json!(83_886_081), other_pile)
            .await
            .expect(409, Some("device_already_registered"));
        register(&app, &staff, json!("05000002"), pile)
            .await
            .expect(409, Some("pile_has_device"));
        register(&app, &staff, json!("0500000G"), other_pile)
            .await
            .expect(422, None);
        register(&app, &staff, json!("05000002"), 999_999)
            .await
            .expect(404, Some("not_found"));
        let r = app
            .post(
                "/api/v1/devices",
                Some(&staff),
                json!({"physical_id": "05000002", "pile_id": other_pile, "port_count": 0}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "port_count");
        // Decimal without ambiguity: a 9-digit id.
        let r = register(&app, &staff, json!("100663298"), other_pile).await;
        r.expect(201, None);
        assert_eq!(r.body["physical_id"], "06000002");
        let log = app.get("/api/v1/audit-log", Some(&staff)).await;
        log.expect(200, None);
        assert_eq!(log.body["items"][0]["action"], "device.register");
        assert_eq!(
            log.body["items"][0]["actor"],
            format!("user:{}", dev_user_id(&app, "dev-staff"))
        );
        assert_eq!(log.body["items"][0]["after"]["physical_id"], "06000002");
        assert_eq!(log.body["items"][1]["after"]["physical_id"], "05000001");
    }
);

fn dev_user_id(app: &TestApp, name: &str) -> i64 {
    use diesel::prelude::*;
    use linli::db::schema::users;
    users::table
        .filter(users::openid.eq(format!("dev:{name}")))
        .select(users::id)
        .first(&mut app.db.conn())
        .unwrap()
}

on_both!(
    the_list_shows_online_last_seen_firmware_iccid_and_faults,
    |app| {
        app.seed_demo();
        let staff = app.token("dev-staff", "staff").await;
        let pile = app.pile_of(1);
        let r = register(&app, &staff, json!("05000001"), pile).await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        let gw = TestGateway::start(&app, |_| {}).await;
        let mut sim = PileSim::connect(&gw.addr).await;
        sim.register(PILE, 10).await;
        let mut ports = [0u8; 10];
        ports[1] = 8;
        sim.heartbeat(PILE, &ports).await;
        let list = app.get("/api/v1/devices", Some(&staff)).await;
        list.expect(200, None);
        assert_eq!(list.body["total"], 1);
        let d = &list.body["items"][0];
        assert_eq!(d["id"], id);
        assert_eq!(d["online"], true);
        assert!(d["last_seen_at"].is_string());
        assert_eq!(d["firmware"], 126);
        assert_eq!(d["iccid"], "89860412345678901234");
        let faulted = d["faulted_sockets"].as_array().unwrap();
        assert_eq!(faulted.len(), 1, "{d}");
        assert_eq!(
            (faulted[0]["number"].as_i64(), faulted[0]["code"].as_i64()),
            (Some(2), Some(8))
        );
        assert_eq!(faulted[0]["message"], "接触不良或保险丝熔断");
        assert!(faulted[0]["socket_id"].is_i64());
        // The fault cleared: no faulted sockets.
        sim.heartbeat(PILE, &[0; 10]).await;
        assert_eq!(device(&app, &staff, id).await["faulted_sockets"], json!([]));
        // Silent past two heartbeats and the margin: offline, whatever the stored mark says.
        app.clock.advance(chrono::Duration::minutes(8));
        let staff = app.token("dev-staff", "staff").await;
        assert_eq!(device(&app, &staff, id).await["online"], false);
        let r = app
            .get(
                &format!("/api/v1/devices?pile_id={}", pile + 1000),
                Some(&staff),
            )
            .await;
        assert_eq!(r.body["total"], 0, "filtered by pile");
    }
);

on_both!(
    a_retired_device_is_ignored_and_its_pile_and_id_bind_again,
    |app| {
        app.seed_demo();
        let staff = app.token("dev-staff", "staff").await;
        let pile = app.pile_of(1);
        let r = register(&app, &staff, json!("05000001"), pile).await;
        let id = r.body["id"].as_i64().unwrap();
        let gw = TestGateway::start(&app, |_| {}).await;
        let mut sim = PileSim::connect(&gw.addr).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        assert_eq!(app.live_state(1), Some(("available".into(), 0)));

        let r = app
            .post(
                &format!("/api/v1/devices/{id}/retire"),
                Some(&staff),
                json!({}),
            )
            .await;
        r.expect(200, None);
        assert!(r.body["retired_at"].is_string());
        assert_eq!(r.body["online"], false);
        assert_eq!(app.live_state(1), None, "its live states are gone");
        app.post(
            &format!("/api/v1/devices/{id}/retire"),
            Some(&staff),
            json!({}),
        )
        .await
        .expect(409, Some("device_retired"));
        app.post("/api/v1/devices/999999/retire", Some(&staff), json!({}))
            .await
            .expect(404, Some("not_found"));
        let log = app.get("/api/v1/audit-log", Some(&staff)).await;
        assert_eq!(log.body["items"][0]["action"], "device.retire");
        assert_eq!(log.body["items"][0]["target_id"], id);

        // A new connection speaking for the retired id gets no answer.
        let mut stranger = PileSim::connect(&gw.addr).await;
        stranger
            .send(
                PILE,
                linli::devices::dny::messages::HEARTBEAT,
                heartbeat(&[0; 10]),
            )
            .await;
        assert!(stranger.recv(Duration::from_millis(500)).await.is_none());
        assert_eq!(app.live_state(1), None);

        let list = app.get("/api/v1/devices", Some(&staff)).await;
        assert_eq!(
            list.body["total"], 0,
            "retired devices are not listed by default"
        );
        let all = app
            .get("/api/v1/devices?include_retired=true", Some(&staff))
            .await;
        assert_eq!(all.body["total"], 1);
        // The pile takes a new device, and the old id may go on another pile.
        register(&app, &staff, json!("05000009"), pile)
            .await
            .expect(201, None);
        register(&app, &staff, json!("05000001"), app.pile_of(3))
            .await
            .expect(201, None);
    }
);

on_both!(a_device_is_not_retired_while_it_charges, |app| {
    let (token, booking_id) = booked(&app, "gw-retire").await;
    let (_gw, mut sim) = pile_online(&app, |_| {}).await;
    let staff = app.token("dev-staff", "staff").await;
    let id = app.get("/api/v1/devices", Some(&staff)).await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    start(&app, &token, booking_id).await.expect(201, None);
    app.post(
        &format!("/api/v1/devices/{id}/retire"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(409, Some("device_in_use"));
    let (frame, cmd) = sim.command().await;
    sim.reply(&frame, &cmd, 0).await;
    app.post(
        &format!("/api/v1/devices/{id}/retire"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(409, Some("device_in_use"));
    sim.settle(PILE, &settlement(&cmd, 20, 1)).await;
    app.post(
        &format!("/api/v1/devices/{id}/retire"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(200, None);
});

on_both!(the_cli_registers_a_device_for_set_up_scripts, |app| {
    app.seed_demo();
    let pile = app.pile_of(1);
    let run = |physical_id: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
            .args([
                "devices",
                "register",
                "--physical-id",
                physical_id,
                "--pile",
            ])
            .arg(pile.to_string())
            .args(["--ports", "10"])
            .env("LINLI_DATABASE_URL", &app.db.url)
            .env("LINLI_JWT_SECRET", JWT_SECRET)
            .env("LINLI_SEED_DEMO", "0")
            .env("LINLI_DEV_LOGIN", "1")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run linli")
    };
    let out = run("05000001");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("05000001 registered on pile"));
    let staff = app.token("dev-staff", "staff").await;
    let list = app.get("/api/v1/devices", Some(&staff)).await;
    assert_eq!(list.body["items"][0]["physical_id"], "05000001");
    assert_eq!(list.body["items"][0]["pile_id"], pile);
    let log = app.get("/api/v1/audit-log", Some(&staff)).await;
    assert_eq!(log.body["items"][0]["actor"], "cli");
    let again = run("05000001");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("device_already_registered"));
    let bad = run("not-an-id");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--physical-id"));
});
