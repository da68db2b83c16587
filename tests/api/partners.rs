//! The property-firm partner API: scoping, clients and secrets, pile management, reports,
//! signed webhooks from the outbox, rate limits and the audit log.

use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

const ALL_SCOPES: [&str; 4] = [
    "piles:read",
    "piles:write",
    "bookings:read",
    "webhooks:manage",
];

/// Two firms: A serves compounds 1 and 2, B serves compound 8.
struct Firms {
    staff: String,
    a: String,
    b: String,
    a_client: (String, String),
}

async fn client_for(app: &TestApp, staff: &str, partner: i64, scopes: &[&str]) -> (String, String) {
    let r = app
        .post(
            &format!("/api/v1/partners/{partner}/clients"),
            Some(staff),
            json!({"name": "系统", "scopes": scopes}),
        )
        .await;
    r.expect(201, None);
    (
        r.body["client_id"].as_str().unwrap().to_owned(),
        r.body["client_secret"].as_str().unwrap().to_owned(),
    )
}

async fn exchange(app: &TestApp, id: &str, secret: &str) -> Res {
    app.post(
        "/api/v1/partner/token",
        None,
        json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
    )
    .await
}

async fn token_of(app: &TestApp, creds: &(String, String)) -> String {
    let r = exchange(app, &creds.0, &creds.1).await;
    r.expect(200, None);
    r.body["access_token"].as_str().unwrap().to_owned()
}

async fn firms(app: &TestApp) -> Firms {
    app.seed_demo();
    let staff = app.token("partner-staff", "staff").await;
    let a = app
        .post(
            "/api/v1/partners",
            Some(&staff),
            json!({"name": "天和物业", "compound_ids": [1, 2]}),
        )
        .await;
    a.expect(201, None);
    let b = app
        .post(
            "/api/v1/partners",
            Some(&staff),
            json!({"name": "西湖物业", "compound_ids": [8]}),
        )
        .await;
    b.expect(201, None);
    let a_client = client_for(app, &staff, a.body["id"].as_i64().unwrap(), &ALL_SCOPES).await;
    let b_client = client_for(app, &staff, b.body["id"].as_i64().unwrap(), &ALL_SCOPES).await;
    Firms {
        a: token_of(app, &a_client).await,
        b: token_of(app, &b_client).await,
        staff,
        a_client,
    }
}

#[actix_web::test]
async fn scoping_matrix_other_firms_ids_are_not_found() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| c.webhook_allow_private = true).await;
    let f = firms(&app).await;
    // B's objects: a pile, a socket, a booking, a subscription, a delivery.
    let piles = app
        .get("/api/v1/partner/compounds/8/piles", Some(&f.b))
        .await;
    piles.expect(200, None);
    let b_pile = piles.body[0]["id"].as_i64().unwrap();
    let b_socket = piles.body[0]["sockets"][0]["id"].as_i64().unwrap();
    let receiver = Receiver::start();
    let sub = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.b),
            json!({"url": receiver.url, "events": ["booking.created"]}),
        )
        .await;
    sub.expect(201, None);
    let b_sub = sub.body["id"].as_i64().unwrap();
    let resident = app.resident("scoping-r", 1).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&resident),
            booking(b_socket, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    r.expect(201, None);
    let b_booking = r.body["id"].as_i64().unwrap();
    let deliveries = {
        let mut conn = app.db.conn();
        use diesel::{QueryDsl, RunQueryDsl};
        linli::db::schema::webhook_deliveries::table
            .select(linli::db::schema::webhook_deliveries::id)
            .load::<i64>(&mut conn)
            .unwrap()
    };
    let b_delivery = deliveries[0];
    let before = app
        .get(&format!("/api/v1/partner/piles/{b_pile}"), Some(&f.b))
        .await
        .body;

    let window = |pile: Option<i64>, socket: Option<i64>| json!({"pile_id": pile, "socket_id": socket, "starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "检修"});
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::GET,
            "/api/v1/partner/compounds/8/piles".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/partner/compounds/8/piles".into(),
            Some(json!({"name": "x", "location": "y", "sockets": 1})),
        ),
        (Method::GET, format!("/api/v1/partner/piles/{b_pile}"), None),
        (
            Method::PATCH,
            format!("/api/v1/partner/piles/{b_pile}"),
            Some(json!({"name": "hijack"})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/piles/{b_pile}/retire"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/piles/{b_pile}/sockets"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/sockets/{b_socket}/state"),
            Some(json!({"state": "faulted"})),
        ),
        (
            Method::POST,
            "/api/v1/partner/sockets/state".into(),
            Some(
                json!({"changes": [{"socket_id": 1, "state": "maintenance"}, {"socket_id": b_socket, "state": "faulted"}]}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/partner/maintenance-windows".into(),
            Some(window(Some(b_pile), None)),
        ),
        (
            Method::POST,
            "/api/v1/partner/maintenance-windows".into(),
            Some(window(None, Some(b_socket))),
        ),
        (
            Method::GET,
            "/api/v1/partner/bookings?compound_id=8".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/bookings?socket_id={b_socket}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/bookings/{b_booking}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/partner/webhooks/{b_sub}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/webhooks/{b_sub}/deliveries"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/deliveries/{b_delivery}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/partner/deliveries/{b_delivery}/replay"),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in &cases {
        let r = app
            .request(method.clone(), path, Some(&f.a), body.clone(), &[])
            .await;
        assert_eq!(
            r.status, 404,
            "{method} {path} with another firm's id: {}",
            r.text
        );
        assert_eq!(r.body["code"], "not_found", "{method} {path}");
        // Ids that do not exist at all answer the same.
        let missing = path
            .replace(&format!("/{b_pile}"), "/999999")
            .replace(&format!("/{b_socket}/"), "/999999/")
            .replace(&format!("/{b_booking}"), "/999999");
        if missing != *path {
            let r = app
                .request(method.clone(), &missing, Some(&f.a), body.clone(), &[])
                .await;
            assert_eq!(r.status, 404, "{method} {missing}");
        }
    }
    // Nothing of B's changed, and A's list shows only A's bookings.
    assert_eq!(
        app.get(&format!("/api/v1/partner/piles/{b_pile}"), Some(&f.b))
            .await
            .body,
        before
    );
    let mine = app.get("/api/v1/partner/bookings", Some(&f.a)).await;
    assert_eq!(mine.body["total"], 0);
    let theirs = app.get("/api/v1/partner/bookings", Some(&f.b)).await;
    assert_eq!(theirs.body["total"], 1);
    let compounds = app.get("/api/v1/partner/compounds", Some(&f.a)).await;
    let ids: Vec<i64> = compounds
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);

    // Roles: a resident token on partner routes, a partner token on staff and resident routes.
    app.get("/api/v1/partner/compounds", Some(&resident))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/partner/compounds", Some(&f.staff))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/partners", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/audit-log", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/maintenance-windows",
        Some(&f.a),
        window(Some(1), None),
    )
    .await
    .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/sockets/1/state",
        Some(&f.a),
        json!({"state": "faulted"}),
    )
    .await
    .expect(403, Some("forbidden"));
    app.get("/api/v1/me", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/bookings",
        Some(&f.a),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(403, Some("forbidden"));
    app.get("/api/v1/partner/compounds", None)
        .await
        .expect(401, Some("unauthorized"));
}

#[actix_web::test]
async fn client_secrets_rotate_with_grace_and_revoke_at_once() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, old) = f.a_client.clone();
    // Stored only as a hash.
    {
        use diesel::{QueryDsl, RunQueryDsl};
        let mut c = app.db.conn();
        let hashes: Vec<String> = linli::db::schema::partner_clients::table
            .select(linli::db::schema::partner_clients::secret_hash)
            .load(&mut c)
            .unwrap();
        assert!(!hashes.contains(&old) && hashes.iter().all(|h| h.len() == 64));
    }
    exchange(&app, &id, "wrong")
        .await
        .expect(401, Some("invalid_client"));
    exchange(&app, "pc_nobody", &old)
        .await
        .expect(401, Some("invalid_client"));
    // Form-encoded and HTTP Basic work as OAuth 2 clients send them.
    let form = app
        .http
        .post(format!("{}/api/v1/partner/token", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={id}&client_secret={old}&scope=piles%3Aread"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["scope"], "piles:read");
    assert_eq!(body["token_type"], "Bearer");
    let read_only = body["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/partner/compounds", Some(&read_only))
        .await
        .expect(200, None);
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/partner/piles/1",
            Some(&read_only),
            Some(json!({"name": "x"})),
            &[],
        )
        .await;
    r.expect(403, Some("insufficient_scope"));
    assert_eq!(r.body["details"]["required"], "piles:write");
    let basic = app
        .http
        .post(format!("{}/api/v1/partner/token", app.base))
        .basic_auth(&id, Some(&old))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
    // A narrower client cannot ask for more.
    let narrow = client_for(&app, &f.staff, 1, &["bookings:read"]).await;
    let r = app
        .post(
            "/api/v1/partner/token",
            None,
            json!({"client_id": narrow.0, "client_secret": narrow.1, "scope": "piles:write"}),
        )
        .await;
    r.expect(403, Some("insufficient_scope"));
    // Rotate: the new secret works, the old one too until the grace period ends.
    let r = app
        .post(
            &format!("/api/v1/partner-clients/{id}/rotate"),
            Some(&f.staff),
            json!({}),
        )
        .await;
    r.expect(200, None);
    let new = r.body["client_secret"].as_str().unwrap().to_owned();
    assert!(r.body["previous_secret_valid_until"].is_string());
    exchange(&app, &id, &new).await.expect(200, None);
    exchange(&app, &id, &old).await.expect(200, None);
    app.clock.advance(chrono::Duration::hours(25));
    exchange(&app, &id, &old)
        .await
        .expect(401, Some("invalid_client"));
    let fresh = token_of(&app, &(id.clone(), new.clone())).await;
    app.get("/api/v1/partner/compounds", Some(&fresh))
        .await
        .expect(200, None);
    // Revoke: the secret and the token in hand stop working at once.
    let staff = app.token("partner-staff", "staff").await;
    app.post(
        &format!("/api/v1/partner-clients/{id}/revoke"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(204, None);
    exchange(&app, &id, &new)
        .await
        .expect(401, Some("invalid_client"));
    app.get("/api/v1/partner/compounds", Some(&fresh))
        .await
        .expect(401, Some("invalid_token"));
    // Only staff manage clients.
    let resident = app.token("partner-resident", "resident").await;
    app.post(
        &format!("/api/v1/partner-clients/{id}/rotate"),
        Some(&resident),
        json!({}),
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .post(
            "/api/v1/partners/1/clients",
            Some(&staff),
            json!({"name": "x", "scopes": ["everything"]}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "scopes");
}

#[actix_web::test]
async fn piles_reports_audit_and_rate_limit() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| c.partner_rate_per_min = 40).await;
    let f = firms(&app).await;
    // Install, rename, add a socket.
    let r = app
        .post(
            "/api/v1/partner/compounds/1/piles",
            Some(&f.a),
            json!({"name": "16号桩", "location": "4号车棚", "sockets": 2}),
        )
        .await;
    r.expect(201, None);
    let pile = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["sockets"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["sockets"][0]["code"].as_str().unwrap().len(), 8);
    let r = app
        .request(
            Method::PATCH,
            &format!("/api/v1/partner/piles/{pile}"),
            Some(&f.a),
            Some(json!({"location": "5号车棚"})),
            &[],
        )
        .await;
    assert_eq!(r.body["location"], "5号车棚");
    let r = app
        .post(
            &format!("/api/v1/partner/piles/{pile}/sockets"),
            Some(&f.a),
            json!({}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["sockets"].as_array().unwrap().len(), 3);
    let new_socket = r.body["sockets"][0]["id"].as_i64().unwrap();
    // Residents can book the new pile; retiring it cancels the booking.
    let resident = app.resident("partner-res", 1).await;
    let b = app
        .post(
            "/api/v1/bookings",
            Some(&resident),
            booking(new_socket, &app.slot_time(60), &app.slot_time(120)),
        )
        .await;
    b.expect(201, None);
    let r = app
        .post(
            &format!("/api/v1/partner/piles/{pile}/retire"),
            Some(&f.a),
            json!({}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "retired");
    assert!(r.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "retired"));
    let booking_now = app
        .get(
            &format!("/api/v1/bookings/{}", b.body["id"]),
            Some(&resident),
        )
        .await;
    assert_eq!(booking_now.body["status"], "cancelled");
    // Bulk state change, all or nothing; retiring a socket directly is refused.
    let r = app.post("/api/v1/partner/sockets/state", Some(&f.a), json!({"changes": [{"socket_id": 1, "state": "maintenance"}, {"socket_id": 2, "state": "maintenance"}], "reason": "年度检修"})).await;
    r.expect(200, None);
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "maintenance"));
    app.post(
        "/api/v1/partner/sockets/1/state",
        Some(&f.a),
        json!({"state": "retired"}),
    )
    .await
    .expect(422, Some("validation_failed"));
    app.post(
        "/api/v1/partner/sockets/1/state",
        Some(&f.a),
        json!({"state": "available"}),
    )
    .await
    .expect(200, None);
    // Reports: bookings and utilisation as JSON and CSV.
    let resident = app.token("partner-res", "resident").await;
    app.post(
        "/api/v1/bookings",
        Some(&resident),
        booking(3, &app.slot_time(60), &app.slot_time(120)),
    )
    .await
    .expect(201, None);
    let r = app
        .get("/api/v1/partner/bookings?status=confirmed", Some(&f.a))
        .await;
    assert_eq!(r.body["total"], 1);
    assert!(
        r.body["items"][0].get("household_id").is_none(),
        "no resident identity for firms"
    );
    let r = app
        .get(
            "/api/v1/partner/bookings?status=cancelled&compound_id=1",
            Some(&f.a),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    let r = app
        .get("/api/v1/partner/reports/utilisation", Some(&f.a))
        .await;
    r.expect(200, None);
    let rows = r.body.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|row| row["booked_hours"].as_f64().unwrap() >= 1.0),
        "{}",
        r.text
    );
    assert!(
        rows.iter().any(|row| row["cancellations"] == 1),
        "{}",
        r.text
    );
    let csv = app
        .get("/api/v1/partner/reports/utilisation?format=csv", Some(&f.a))
        .await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "date,compound_id,pile_id,pile_name,booked_hours,used_hours,no_shows,cancellations"
    );
    assert_eq!(lines.len(), rows.len() + 1);
    assert!(lines[1..].iter().all(|l| l.split(',').count() == 8));
    app.get("/api/v1/partner/reports/utilisation?format=xml", Some(&f.a))
        .await
        .expect(422, Some("validation_failed"));
    // The audit log has every write with before and after, for staff.
    let r = app
        .get("/api/v1/audit-log?per_page=100", Some(&f.staff))
        .await;
    r.expect(200, None);
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "pile.create",
        "pile.update",
        "socket.create",
        "pile.retire",
        "socket.state",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let update = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "pile.update")
        .unwrap();
    assert_eq!(update["before"]["location"], "4号车棚");
    assert_eq!(update["after"]["location"], "5号车棚");
    assert!(update["actor"].as_str().unwrap().starts_with("client:"));
    // The per-client limit answers 429 with Retry-After; another client is not affected.
    let mut limited = None;
    for _ in 0..45 {
        let r = app.get("/api/v1/partner/compounds", Some(&f.a)).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("the limit was never reached");
    assert_eq!(limited.body["code"], "rate_limited");
    assert!(limited.header("retry-after").is_some());
    app.get("/api/v1/partner/compounds", Some(&f.b))
        .await
        .expect(200, None);
}

#[actix_web::test]
async fn webhook_urls_to_internal_addresses_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let f = firms(&app).await;
    for url in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.0.0.5/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://0.0.0.0/",
    ] {
        let r = app
            .post(
                "/api/v1/partner/webhooks",
                Some(&f.a),
                json!({"url": url, "events": ["booking.created"]}),
            )
            .await;
        r.expect(422, Some("webhook_url_not_allowed"));
        assert_eq!(r.body["field"], "url");
    }
    for (url, field) in [("ftp://example.com/x", "url"), ("not a url", "url")] {
        let r = app
            .post(
                "/api/v1/partner/webhooks",
                Some(&f.a),
                json!({"url": url, "events": ["booking.created"]}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], field);
    }
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": "https://93.184.216.34/hooks", "events": ["booking.exploded"]}),
        )
        .await;
    assert_eq!(r.body["field"], "events");
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": "https://93.184.216.34/hooks", "events": ["booking.created"]}),
        )
        .await;
    r.expect(201, None);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let list = app.get("/api/v1/partner/webhooks", Some(&f.a)).await;
    assert!(
        list.body[0].get("secret").is_none(),
        "the secret is shown once"
    );
}

fn webhook_app_config(c: &mut linli::config::Config) {
    c.webhook_allow_private = true;
    c.webhook_retry_scale = 0.0005;
    c.webhook_poll_ms = 50;
    c.webhook_timeout_ms = 1000;
    c.background_jobs = true;
}

#[actix_web::test]
async fn webhooks_are_signed_survive_a_receiver_outage_and_arrive_once() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let mut receiver = Receiver::reserve(); // not listening yet
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": linli::partners::webhooks::EVENT_TYPES}),
        )
        .await;
    r.expect(201, None);
    let (sub, secret) = (
        r.body["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_owned(),
    );
    // Events while the receiver is down: bookings, a cancellation, a state change, maintenance.
    let alice = app.resident("wh-a", 1).await;
    let bob = app.resident("wh-b", 2).await;
    let a = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    app.post(
        "/api/v1/bookings",
        Some(&bob),
        booking(2, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
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
        json!({"state": "faulted"}),
    )
    .await
    .expect(200, None);
    app.post("/api/v1/partner/maintenance-windows", Some(&f.a), json!({"socket_id": 2, "starts_at": app.slot_time(60), "ends_at": app.slot_time(120), "reason": "检修"})).await.expect(201, None);
    // A rejected change (conflict) writes no event.
    let carol = app.resident("wh-c", 3).await;
    app.post(
        "/api/v1/bookings",
        Some(&carol),
        booking(2, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("socket_unavailable"));
    // Events in compound 8 (firm B) never reach firm A.
    let b_piles = app
        .get("/api/v1/partner/compounds/8/piles", Some(&f.b))
        .await;
    let b_socket = b_piles.body[0]["sockets"][0]["id"].as_i64().unwrap();
    app.post(
        "/api/v1/bookings",
        Some(&carol),
        booking(b_socket, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);

    // Expected: created ×2, cancelled (Alice) + cancelled (Bob, by maintenance), state changed,
    // maintenance scheduled = 6 events.
    let expected = 6;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    let failed_attempts = app
        .get(
            &format!("/api/v1/partner/webhooks/{sub}/deliveries?per_page=100"),
            Some(&f.a),
        )
        .await;
    assert_eq!(
        failed_attempts.body["total"], expected,
        "{}",
        failed_attempts.text
    );
    assert!(failed_attempts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "pending" && d["attempts"].as_i64().unwrap() >= 1));
    receiver.up();
    eventually(30, "every event delivered", || {
        receiver.ids().len() >= expected
    })
    .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), expected, "each event once: {ids:?}");
    assert_eq!(unique.len(), expected);
    // Every request verifies with the subscription's secret, Standard Webhooks style.
    let mut types = Vec::new();
    for (headers, body) in receiver.seen.lock().unwrap().iter() {
        let ts: i64 = headers["webhook-timestamp"].parse().unwrap();
        assert!(linli::partners::webhooks::verify(
            &secret,
            &headers["webhook-id"],
            ts,
            body,
            &headers["webhook-signature"]
        ));
        assert!(!linli::partners::webhooks::verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            &headers["webhook-id"],
            ts,
            body,
            &headers["webhook-signature"]
        ));
        let v: Value = serde_json::from_str(body).unwrap();
        types.push(v["type"].as_str().unwrap().to_owned());
        assert_eq!(headers["content-type"], "application/json");
    }
    types.sort();
    assert_eq!(
        types,
        [
            "booking.cancelled",
            "booking.cancelled",
            "booking.created",
            "booking.created",
            "maintenance.scheduled",
            "socket.state_changed"
        ]
    );
    // Deliveries show their attempts; a replay sends the same event id again.
    let list = app
        .get(
            &format!("/api/v1/partner/webhooks/{sub}/deliveries?status=delivered"),
            Some(&f.a),
        )
        .await;
    assert_eq!(list.body["total"], expected);
    let first = list.body["items"][0]["id"].as_i64().unwrap();
    let one = app
        .get(&format!("/api/v1/partner/deliveries/{first}"), Some(&f.a))
        .await;
    let log = one.body["attempt_log"].as_array().unwrap();
    assert!(log.len() >= 2, "failed attempts are kept: {}", one.text);
    assert!(log[0]["error"].is_string());
    assert_eq!(log.last().unwrap()["status_code"], 204);
    let replay = app
        .post(
            &format!("/api/v1/partner/deliveries/{first}/replay"),
            Some(&f.a),
            json!({}),
        )
        .await;
    replay.expect(202, None);
    eventually(10, "replayed", || receiver.ids().len() == expected + 1).await;
    assert_eq!(
        receiver.ids().last().unwrap(),
        one.body["event_id"].as_str().unwrap()
    );
}

#[actix_web::test]
async fn a_rolled_back_change_writes_no_event() {
    let app = TestApp::spawn(Backend::Mysql).await;
    firms(&app).await;
    {
        use diesel::{Connection, QueryDsl, RunQueryDsl};
        let mut conn = app.db.conn();
        // Subscribe directly, then emit inside a transaction that fails.
        linli::partners::webhooks::create_subscription(
            &mut conn,
            1,
            "http://127.0.0.1:9/x",
            "booking.created",
            app.clock.now_naive(),
        )
        .unwrap();
        let result: Result<(), diesel::result::Error> = conn.transaction(|c| {
            linli::partners::webhooks::emit(
                c,
                1,
                "booking.created",
                json!({"booking_id": 1}),
                app.clock.now_naive(),
            )
            .unwrap();
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(result.is_err());
        let events: i64 = linli::db::schema::webhook_events::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        let deliveries: i64 = linli::db::schema::webhook_deliveries::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!((events, deliveries), (0, 0));
        // And committed it is there, with one delivery.
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            linli::partners::webhooks::emit(
                c,
                1,
                "booking.created",
                json!({"booking_id": 1}),
                app.clock.now_naive(),
            )
            .unwrap();
            Ok(())
        })
        .unwrap();
        let deliveries: i64 = linli::db::schema::webhook_deliveries::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(deliveries, 1);
    }
}

#[actix_web::test]
async fn failing_receiver_gets_eight_tries_then_failed() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        webhook_app_config(c);
        c.webhook_retry_scale = 0.00002; // the day of retries in about 2 s
    })
    .await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    receiver
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": ["booking.created"]}),
        )
        .await;
    let sub = r.body["id"].as_i64().unwrap();
    let alice = app.resident("fail-a", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    let url = format!("/api/v1/partner/webhooks/{sub}/deliveries?status=failed");
    let mut failed = Value::Null;
    for _ in 0..200 {
        let r = app.get(&url, Some(&f.a)).await;
        if r.body["total"] == 1 {
            failed = r.body;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed["items"][0]["attempts"], 8, "{failed}");
    // Fixed receiver, replay: delivered.
    receiver
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let id = failed["items"][0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/partner/deliveries/{id}/replay"),
        Some(&f.a),
        json!({}),
    )
    .await
    .expect(202, None);
    eventually(10, "replayed delivery", || receiver.ids().len() == 1).await;
}

#[actix_web::test]
async fn three_server_processes_send_each_event_once() {
    let db = TestDb::new(Backend::Mysql);
    {
        let mut c = db.conn();
        linli::db::run_migrations(&mut c).unwrap();
        linli::seed::demo(&mut c, 1).unwrap();
    }
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
        ("LINLI_WEBHOOK_RETRY_SCALE", "0.0005"),
    ];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let (p1, p2) = (&servers[0], &servers[1]);
    let http = reqwest::Client::new();
    let login = |name: &str, role: &str| {
        let (http, base, body) = (
            http.clone(),
            p1.base.clone(),
            json!({"openid": name, "role": role}),
        );
        async move {
            let v: Value = http
                .post(format!("{base}/api/v1/auth/dev"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    let staff = login("two-staff", "staff").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let partner: Value = http
        .post(format!("{}/api/v1/partners", p1.base))
        .bearer_auth(&staff)
        .json(&json!({"name": "双进程物业", "compound_ids": [1, 2]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creds: Value = http
        .post(format!(
            "{}/api/v1/partners/{}/clients",
            p1.base, partner["id"]
        ))
        .bearer_auth(&staff)
        .json(&json!({"name": "x", "scopes": ["webhooks:manage"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = http
        .post(format!("{}/api/v1/partner/token", p2.base))
        .json(&json!({"client_id": creds["client_id"], "client_secret": creds["client_secret"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let receiver = Receiver::start();
    let r = http
        .post(format!("{}/api/v1/partner/webhooks", p2.base))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&json!({"url": receiver.url, "events": ["booking.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Thirty bookings through all processes, each from its own household.
    let n = 30;
    for i in 0..n {
        let v = login(&format!("two-r{i}"), "resident").await;
        let uid = v["user"]["id"].as_i64().unwrap();
        {
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
            let mut c = db.conn();
            diesel::update(
                linli::db::schema::users::table.filter(linli::db::schema::users::id.eq(uid)),
            )
            .set(linli::db::schema::users::household_id.eq(Some(i64::from(i) + 1)))
            .execute(&mut c)
            .unwrap();
        }
        let base = &servers[i as usize % servers.len()].base;
        let now = chrono::Utc::now().naive_utc();
        let start = linli::charging::rules::slot_floor(now, chrono::Duration::minutes(30))
            + chrono::Duration::minutes(60);
        let body = json!({"socket_id": i64::from(i) + 1, "starts_at": start.and_utc().to_rfc3339(), "ends_at": (start + chrono::Duration::minutes(30)).and_utc().to_rfc3339()});
        let r = http
            .post(format!("{base}/api/v1/bookings"))
            .bearer_auth(v["access_token"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    eventually(30, "all events delivered", || {
        receiver.ids().len() >= n as usize
    })
    .await;
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), n as usize, "no duplicates across three workers");
    assert_eq!(unique.len(), n as usize);
}
