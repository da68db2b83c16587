//! Webhook payloads are typed in the spec: every kind of event a subscription receives validates
//! against its schema in the OpenAPI 3.1 `webhooks` section of the served document, and its
//! `data` sends nothing that schema does not describe.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::webhooks::webhook_app_config;
use super::*;

/// The request body schema of the webhook `kind`, resolvable on its own: the document's
/// components travel with it, so `#/components/schemas/...` references resolve.
fn body_schema(doc: &Value, kind: &str) -> Value {
    let mut schema = doc["webhooks"][kind]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]
        .clone();
    assert!(schema.is_object(), "no schema for {kind}");
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["components"] = doc["components"].clone();
    schema
}

/// The names of the properties the schema of `data` declares.
fn data_properties(doc: &Value, kind: &str) -> BTreeSet<String> {
    let data = &doc["webhooks"][kind]["post"]["requestBody"]["content"]["application/json"]
        ["schema"]["properties"]["data"];
    let name = data["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or_else(|| panic!("data of {kind} is not a named schema: {data}"));
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[actix_web::test]
async fn webhook_schema_validates_every_delivered_event() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    app.post(
        "/api/v1/partner/webhooks",
        Some(&f.a),
        json!({"url": receiver.url, "events": linli::partners::webhooks::EVENT_TYPES}),
    )
    .await
    .expect(201, None);
    // One of each: created and cancelled, a state change, maintenance scheduled, moved and
    // withdrawn, a no-show, a pile online and offline, a charging session started and settled.
    let alice = app.resident("ws-a", 1).await;
    let bob = app.resident("ws-b", 2).await;
    let a = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(90), &app.slot_time(120)),
        )
        .await;
    a.expect(201, None);
    app.post(
        &format!("/api/v1/bookings/{}/cancel", a.body["id"]),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    app.post(
        "/api/v1/partner/sockets/3/state",
        Some(&f.a),
        json!({"state": "faulted", "reason": "无法充电"}),
    )
    .await
    .expect(200, None);
    let window = app
        .post(
            "/api/v1/partner/maintenance-windows",
            Some(&f.a),
            json!({"socket_id": 2, "starts_at": app.slot_time(120), "ends_at": app.slot_time(180), "reason": "检修"}),
        )
        .await;
    window.expect(201, None);
    let window = format!("/api/v1/partner/maintenance-windows/{}", window.body["id"]);
    app.request(
        reqwest::Method::PATCH,
        &window,
        Some(&f.a),
        Some(json!({"starts_at": app.slot_time(150), "reason": "检修（改期）"})),
        &[],
    )
    .await
    .expect(200, None);
    app.post(&format!("{window}/cancel"), Some(&f.a), json!({}))
        .await
        .expect(200, None);
    app.post(
        "/api/v1/bookings",
        Some(&bob),
        booking(1, &app.slot_time(30), &app.slot_time(60)),
    )
    .await
    .expect(201, None);
    app.clock.advance(chrono::Duration::minutes(30 + 16));
    app.sweep();
    // A pile comes online, charges a session from start to settlement, and goes silent.
    let pile = 0x0500_0042;
    app.bind_device(app.pile_of(1), pile, 2);
    let gw = TestGateway::start(&app, |_| {}).await;
    let mut sim = PileSim::connect(&gw.addr).await;
    sim.register(pile, 2).await;
    let carol = app.resident("ws-c", 3).await;
    let starts = app.slot_time(30);
    let c = app
        .post(
            "/api/v1/bookings",
            Some(&carol),
            booking(1, &starts, &app.slot_time(60)),
        )
        .await;
    c.expect(201, None);
    // Two minutes into the booking, wherever in its half-hour the test started (a fixed
    // advance from "now" lands past the check-in window when now is late in its slot).
    let two_minutes_in = chrono::DateTime::parse_from_rfc3339(&starts)
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::minutes(2);
    app.clock.advance(two_minutes_in - app.clock.now());
    let carol = app.token("ws-c", "resident").await;
    sim.heartbeat(pile, &[0, 0]).await;
    app.post(
        &format!("/api/v1/bookings/{}/charging-session", c.body["id"]),
        Some(&carol),
        json!({}),
    )
    .await
    .expect(201, None);
    let (frame, cmd) = sim.command().await;
    sim.reply(&frame, &cmd, 0).await;
    sim.settle(pile, &settlement(&cmd, 20, 5)).await;
    app.clock.advance(chrono::Duration::minutes(8));
    let every_kind: BTreeSet<String> = linli::partners::webhooks::EVENT_TYPES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    eventually(30, "one event of every kind", || {
        let kinds: BTreeSet<String> = receiver
            .bodies()
            .iter()
            .map(|b| b["type"].as_str().unwrap().to_owned())
            .collect();
        kinds == every_kind
    })
    .await;

    let doc = app.get("/api/openapi.json", None).await;
    doc.expect(200, None);
    let doc = doc.body;
    let documented: BTreeSet<String> = doc["webhooks"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(documented, every_kind, "every event kind is in `webhooks`");
    for event in receiver.bodies() {
        let kind = event["type"].as_str().unwrap();
        let validator = jsonschema::validator_for(&body_schema(&doc, kind))
            .unwrap_or_else(|e| panic!("schema of {kind}: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&event)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{kind}: {errors:?}\n{event}");
        let sent: BTreeSet<String> = event["data"].as_object().unwrap().keys().cloned().collect();
        let declared = data_properties(&doc, kind);
        assert!(
            sent.is_subset(&declared),
            "{kind} sends {:?} its schema does not declare",
            sent.difference(&declared).collect::<Vec<_>>()
        );
    }
    // The schema is not a formality: an event of the wrong shape fails it.
    let created = receiver
        .bodies()
        .into_iter()
        .find(|b| b["type"] == "booking.created")
        .unwrap();
    let mut broken = created.clone();
    broken["data"]["pile_id"] = json!("two");
    let validator = jsonschema::validator_for(&body_schema(&doc, "booking.created")).unwrap();
    assert!(!validator.is_valid(&broken));
    let mut wrong_kind = created;
    wrong_kind["type"] = json!("booking.cancelled");
    assert!(!validator.is_valid(&wrong_kind));
}
