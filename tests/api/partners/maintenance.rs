//! Maintenance windows a firm can correct: listed a page at a time, moved or reworded before
//! they start, withdrawn before they end (again: the same answer), with the residents whose
//! bookings a window cancelled told when it no longer covers their time; and the other lists
//! that grow (a compound's piles, subscriptions) paged the same way.

use futures_util::future::join;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;

const WITHDRAWN: &str = "booking.maintenance_withdrawn";

/// Book `socket` from `from` to `to` minutes after the current slot; the answer.
async fn book(app: &TestApp, token: &str, socket: i64, from: i64, to: i64) -> Res {
    app.post(
        "/api/v1/bookings",
        Some(token),
        booking(socket, &app.slot_time(from), &app.slot_time(to)),
    )
    .await
}

/// Firm A schedules a window on `target` (`{"pile_id": 1}` or `{"socket_id": 2}`) from `from`
/// to `to` minutes after the current slot; its id and answer.
async fn schedule(app: &TestApp, f: &Firms, target: Value, from: i64, to: i64) -> (i64, Value) {
    let mut body =
        json!({"starts_at": app.slot_time(from), "ends_at": app.slot_time(to), "reason": "检修"});
    body.as_object_mut()
        .unwrap()
        .extend(target.as_object().unwrap().clone());
    let r = app
        .post("/api/v1/partner/maintenance-windows", Some(&f.a), body)
        .await;
    r.expect(201, None);
    (r.body["id"].as_i64().unwrap(), r.body)
}

async fn change(app: &TestApp, f: &Firms, window: i64, body: Value) -> Res {
    app.request(
        Method::PATCH,
        &format!("/api/v1/partner/maintenance-windows/{window}"),
        Some(&f.a),
        Some(body),
        &[],
    )
    .await
}

async fn cancel(app: &TestApp, f: &Firms, window: i64) -> Res {
    app.post(
        &format!("/api/v1/partner/maintenance-windows/{window}/cancel"),
        Some(&f.a),
        json!({}),
    )
    .await
}

/// The notifications of `kind` a resident has.
async fn told(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    crate::charging::notifications(app, token)
        .await
        .into_iter()
        .filter(|n| n["kind"] == kind)
        .collect()
}

/// How many audit entries `action` has on window `id`.
async fn audited(app: &TestApp, f: &Firms, action: &str, id: i64) -> usize {
    let r = app
        .get("/api/v1/audit-log?per_page=100", Some(&f.staff))
        .await;
    r.expect(200, None);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action && e["target_id"] == id)
        .count()
}

/// Fresh tokens for the firm and staff after the test clock moved past their lifetime.
async fn renew_tokens(app: &TestApp, f: &mut Firms) {
    f.a = token_of(app, &f.a_client).await;
    f.staff = app.token("partner-staff", "staff").await;
}

async fn total(app: &TestApp, f: &Firms, query: &str) -> i64 {
    let r = app
        .get(
            &format!("/api/v1/partner/maintenance-windows{query}"),
            Some(&f.a),
        )
        .await;
    r.expect(200, None);
    r.body["total"].as_i64().unwrap()
}

crate::on_both!(
    a_moved_window_takes_its_new_time_and_tells_whom_it_freed,
    |app| {
        let f = firms(&app).await;
        let alice = app.resident("mw-a", 1).await;
        let bob = app.resident("mw-b", 2).await;
        let carol = app.resident("mw-c", 3).await;
        let a = book(&app, &alice, 1, 120, 180).await.body["id"].clone();
        let b = book(&app, &bob, 1, 600, 630).await.body["id"].clone();
        let (w, scheduled) = schedule(&app, &f, json!({"socket_id": 1}), 120, 240).await;
        assert_eq!(scheduled["cancelled_bookings"], json!([a]));
        assert_eq!(scheduled["state"], "upcoming");

        let moved = change(
        &app,
        &f,
        w,
        json!({"starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "改期检修"}),
    )
    .await;
        moved.expect(200, None);
        assert_eq!(moved.body["reason"], "改期检修");
        assert_eq!(moved.body["cancelled_bookings"], json!([a, b]));
        // Bob's booking at the new time is cancelled, with the new reason.
        let r = app.get(&format!("/api/v1/bookings/{b}"), Some(&bob)).await;
        assert_eq!(r.body["status"], "cancelled");
        assert!(r.body["cancel_reason"]
            .as_str()
            .unwrap()
            .contains("改期检修"));
        // Alice is told her time is free again; her booking stays cancelled.
        let notes = told(&app, &alice, WITHDRAWN).await;
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0]["body"].as_str().unwrap().contains("重新预约"));
        assert_eq!(notes[0]["data"]["booking_id"], a);
        assert!(told(&app, &bob, WITHDRAWN).await.is_empty());
        // The old time can be booked again; the new one cannot.
        book(&app, &carol, 1, 120, 150).await.expect(201, None);
        book(&app, &alice, 1, 600, 630)
            .await
            .expect(422, Some("socket_unavailable"));

        // The same change again changes nothing: the same answer, no audit entry, no notice.
        let again = change(
        &app,
        &f,
        w,
        json!({"starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "改期检修"}),
    )
    .await;
        again.expect(200, None);
        assert_eq!(again.body, moved.body);
        assert_eq!(audited(&app, &f, "maintenance.update", w).await, 1);
        assert_eq!(told(&app, &alice, WITHDRAWN).await.len(), 1);
        // Only the reason: the time stays.
        let reworded = change(&app, &f, w, json!({"reason": "更换模块"})).await;
        reworded.expect(200, None);
        assert_eq!(reworded.body["starts_at"], moved.body["starts_at"]);
        assert_eq!(reworded.body["reason"], "更换模块");
        // A time that ends before it starts, or lasts more than 31 days, is refused.
        change(&app, &f, w, json!({"ends_at": app.slot_time(590)}))
            .await
            .expect(422, Some("validation_failed"));
        change(
            &app,
            &f,
            w,
            json!({"ends_at": app.slot_time(600 + 32 * 24 * 60)}),
        )
        .await
        .expect(422, Some("validation_failed"));
    }
);

crate::on_both!(
    a_withdrawn_window_frees_its_time_and_withdrawing_it_again_answers_the_same,
    |app| {
        let f = firms(&app).await;
        let alice = app.resident("mc-a", 1).await;
        let bob = app.resident("mc-b", 2).await;
        let a = book(&app, &alice, 2, 120, 180).await.body["id"].clone();
        let (w, scheduled) = schedule(&app, &f, json!({"pile_id": 1}), 120, 240).await;
        assert_eq!(scheduled["cancelled_bookings"], json!([a]));
        book(&app, &bob, 1, 150, 180)
            .await
            .expect(422, Some("socket_unavailable"));

        let first = cancel(&app, &f, w).await;
        first.expect(200, None);
        assert_eq!(first.body["state"], "cancelled");
        assert!(first.body["cancelled_at"].is_string());
        let again = cancel(&app, &f, w).await;
        again.expect(200, None);
        assert_eq!(again.body, first.body, "withdrawing again answers the same");
        assert_eq!(audited(&app, &f, "maintenance.cancel", w).await, 1);
        // The time is free on every socket of the pile, and Alice is told so, once.
        book(&app, &bob, 1, 150, 180).await.expect(201, None);
        let notes = told(&app, &alice, WITHDRAWN).await;
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0]["body"].as_str().unwrap().contains("已取消"));
        // A withdrawn window cannot be changed.
        change(&app, &f, w, json!({"reason": "再改"}))
            .await
            .expect(409, Some("maintenance_cancelled"));
        assert_eq!(total(&app, &f, "?state=cancelled").await, 1);
        assert_eq!(total(&app, &f, "?state=upcoming").await, 0);
    }
);

crate::on_both!(
    a_started_window_can_only_be_withdrawn_and_an_ended_one_not_at_all,
    |app| {
        let mut f = firms(&app).await;
        let (w1, _) = schedule(&app, &f, json!({"socket_id": 1}), 30, 90).await;
        let (w2, _) = schedule(&app, &f, json!({"socket_id": 2}), 30, 150).await;
        // Now inside both windows (with tokens of the new time).
        app.clock.advance(chrono::Duration::minutes(45));
        renew_tokens(&app, &mut f).await;
        let r = app
            .get(
                &format!("/api/v1/partner/maintenance-windows/{w1}"),
                Some(&f.a),
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["state"], "active");
        change(&app, &f, w1, json!({"reason": "延后"}))
            .await
            .expect(409, Some("maintenance_started"));
        let r = cancel(&app, &f, w2).await;
        r.expect(200, None);
        assert_eq!(r.body["state"], "cancelled");
        assert_eq!(total(&app, &f, "?state=active").await, 1);
        // Past its end: over, and no longer withdrawn.
        app.clock.advance(chrono::Duration::minutes(60));
        renew_tokens(&app, &mut f).await;
        cancel(&app, &f, w1)
            .await
            .expect(409, Some("maintenance_ended"));
        assert_eq!(total(&app, &f, "?state=ended").await, 1);
        assert_eq!(audited(&app, &f, "maintenance.update", w1).await, 0);
    }
);

crate::on_both!(
    withdrawing_and_moving_a_window_at_once_leave_it_withdrawn_and_its_time_free,
    |app| {
        let f = firms(&app).await;
        let alice = app.resident("mr-a", 1).await;
        let bob = app.resident("mr-b", 2).await;
        let carol = app.resident("mr-c", 3).await;
        book(&app, &alice, 1, 120, 180).await.expect(201, None);
        let (w, _) = schedule(&app, &f, json!({"socket_id": 1}), 120, 240).await;
        let (moved, cancelled) = join(
            change(
                &app,
                &f,
                w,
                json!({"starts_at": app.slot_time(600), "ends_at": app.slot_time(660)}),
            ),
            cancel(&app, &f, w),
        )
        .await;
        cancelled.expect(200, None);
        assert!(
            moved.status == 200 || moved.body["code"] == "maintenance_cancelled",
            "{}",
            moved.text
        );
        let r = app
            .get(
                &format!("/api/v1/partner/maintenance-windows/{w}"),
                Some(&f.a),
            )
            .await;
        assert_eq!(r.body["state"], "cancelled");
        // Neither the old time nor the new one stays blocked.
        book(&app, &bob, 1, 600, 630).await.expect(201, None);
        book(&app, &carol, 1, 120, 150).await.expect(201, None);
        assert_eq!(audited(&app, &f, "maintenance.cancel", w).await, 1);
        let changes = usize::from(moved.status == 200);
        assert_eq!(audited(&app, &f, "maintenance.update", w).await, changes);
        assert_eq!(told(&app, &alice, WITHDRAWN).await.len(), 1);

        // Two withdrawals at once: both answer the same, one is recorded.
        let (w2, _) = schedule(&app, &f, json!({"socket_id": 2}), 300, 360).await;
        let (one, two) = join(cancel(&app, &f, w2), cancel(&app, &f, w2)).await;
        one.expect(200, None);
        two.expect(200, None);
        assert_eq!(one.body, two.body);
        assert_eq!(audited(&app, &f, "maintenance.cancel", w2).await, 1);
    }
);

crate::on_both!(
    windows_piles_and_subscriptions_are_listed_a_page_at_a_time,
    |app| {
        let f = firms(&app).await;
        let piles = app
            .get("/api/v1/partner/compounds/1/piles?per_page=1", Some(&f.a))
            .await;
        piles.expect(200, None);
        assert_eq!(piles.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(piles.body["per_page"], 1);
        let pile_count = piles.body["total"].as_i64().unwrap();
        assert!(pile_count >= 2, "{}", piles.text);
        let second = app
            .get(
                "/api/v1/partner/compounds/1/piles?per_page=1&page=2",
                Some(&f.a),
            )
            .await;
        let other_pile = second.body["items"][0]["id"].as_i64().unwrap();
        assert_ne!(other_pile, piles.body["items"][0]["id"].as_i64().unwrap());

        schedule(&app, &f, json!({"pile_id": 1}), 600, 660).await;
        schedule(&app, &f, json!({"socket_id": 1}), 700, 760).await;
        schedule(&app, &f, json!({"socket_id": 2}), 800, 860).await;
        let (last, _) = schedule(&app, &f, json!({"pile_id": other_pile}), 900, 960).await;
        let page = app
            .get("/api/v1/partner/maintenance-windows?per_page=3", Some(&f.a))
            .await;
        page.expect(200, None);
        assert_eq!(page.body["total"], 4);
        assert_eq!(page.body["items"].as_array().unwrap().len(), 3);
        assert_eq!(page.body["items"][0]["id"], last, "the latest start first");
        let rest = app
            .get(
                "/api/v1/partner/maintenance-windows?per_page=3&page=2",
                Some(&f.a),
            )
            .await;
        assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
        // A pile's windows include its sockets'; a socket's include its pile's.
        assert_eq!(total(&app, &f, "?pile_id=1").await, 3);
        assert_eq!(total(&app, &f, "?socket_id=1").await, 2);
        assert_eq!(total(&app, &f, "?compound_id=2").await, 0);
        assert_eq!(total(&app, &f, "?state=upcoming").await, 4);
        app.get(
            "/api/v1/partner/maintenance-windows?per_page=101",
            Some(&f.a),
        )
        .await
        .expect(422, Some("validation_failed"));
        app.get("/api/v1/partner/maintenance-windows?state=soon", Some(&f.a))
            .await
            .expect(422, Some("validation_failed"));

        for n in 0..3 {
            app.post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": format!("https://93.184.216.34/hooks/{n}"), "events": ["booking.created"]}),
        )
        .await
        .expect(201, None);
        }
        let subs = app
            .get("/api/v1/partner/webhooks?per_page=2&page=2", Some(&f.a))
            .await;
        subs.expect(200, None);
        assert_eq!(subs.body["total"], 3);
        assert_eq!(subs.body["page"], 2);
        assert_eq!(subs.body["items"].as_array().unwrap().len(), 1);
    }
);

/// The firm's webhooks say what a move and a withdrawal did: the previous time, the bookings
/// the new time cancelled, and those whose residents were told their time is free again.
#[actix_web::test]
async fn the_firms_webhooks_name_the_bookings_a_move_and_a_withdrawal_released() {
    let app = TestApp::spawn_with(Backend::Mysql, super::webhooks::webhook_app_config).await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    app.post(
        "/api/v1/partner/webhooks",
        Some(&f.a),
        json!({"url": receiver.url, "events": ["maintenance.changed", "maintenance.cancelled"]}),
    )
    .await
    .expect(201, None);
    let alice = app.resident("mh-a", 1).await;
    let bob = app.resident("mh-b", 2).await;
    let a = book(&app, &alice, 1, 120, 180).await.body["id"].clone();
    let b = book(&app, &bob, 1, 600, 630).await.body["id"].clone();
    let (w, scheduled) = schedule(&app, &f, json!({"socket_id": 1}), 120, 240).await;
    change(
        &app,
        &f,
        w,
        json!({"starts_at": app.slot_time(600), "ends_at": app.slot_time(660)}),
    )
    .await
    .expect(200, None);
    cancel(&app, &f, w).await.expect(200, None);
    eventually(20, "both events delivered", || receiver.bodies().len() == 2).await;
    let bodies = receiver.bodies();
    let of = |kind: &str| {
        bodies
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind}: {bodies:?}"))["data"]
            .clone()
    };
    let changed = of("maintenance.changed");
    assert_eq!(changed["maintenance_id"], w);
    assert_eq!(changed["cancelled_bookings"], json!([b]));
    assert_eq!(changed["released_bookings"], json!([a]));
    let start = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(
        start(&changed["previous_starts_at"]),
        start(&scheduled["starts_at"])
    );
    let cancelled = of("maintenance.cancelled");
    assert_eq!(
        cancelled["released_bookings"],
        json!([b]),
        "Alice was told once"
    );
    assert_eq!(cancelled["sequence"], 3, "scheduled, changed, cancelled");
}
