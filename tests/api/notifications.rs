//! The inbox: only my notifications, newest first, unread filter, mark read.

use chrono::Duration;
use linli::notifications::{notify, Notice, NotificationKind};
use serde_json::json;

use crate::on_both;

on_both!(inbox_lists_marks_and_keeps_to_its_owner, |app| {
    let alice = app.dev_login("inbox-alice", "resident").await;
    let bob = app.dev_login("inbox-bob", "resident").await;
    let a_id = alice["user"]["id"].as_i64().unwrap();
    let a_token = alice["access_token"].as_str().unwrap();
    let b_token = bob["access_token"].as_str().unwrap();
    let mut conn = app.db.conn();
    let now = app.clock.now_naive();
    for i in 0..3 {
        let notice = Notice {
            kind: NotificationKind::WaitlistOffer,
            title: format!("第{i}条"),
            body: "内容".into(),
            data: json!({"n": i}),
            dedupe_key: Some(format!("k{i}")),
        };
        notify(&mut conn, a_id, &notice, now + Duration::seconds(i)).unwrap();
        // The same dedupe key again is dropped.
        notify(&mut conn, a_id, &notice, now + Duration::seconds(i)).unwrap();
    }
    let r = app
        .get("/api/v1/me/notifications?per_page=2", Some(a_token))
        .await;
    r.expect(200, None);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["items"][0]["title"], "第2条");
    assert_eq!(r.body["items"][0]["kind"], "waitlist.offer");
    assert_eq!(r.body["items"][0]["data"]["n"], 2);
    let first = r.body["items"][0]["id"].as_i64().unwrap();
    // Bob cannot read or mark Alice's.
    let r = app.get("/api/v1/me/notifications", Some(b_token)).await;
    assert_eq!(r.body["total"], 0);
    app.post(
        &format!("/api/v1/me/notifications/{first}/read"),
        Some(b_token),
        json!({}),
    )
    .await
    .expect(404, Some("not_found"));
    app.post(
        &format!("/api/v1/me/notifications/{first}/read"),
        Some(a_token),
        json!({}),
    )
    .await
    .expect(204, None);
    let r = app
        .get("/api/v1/me/notifications?unread=true", Some(a_token))
        .await;
    assert_eq!(r.body["total"], 2);
    app.post(
        "/api/v1/me/notifications/read-all",
        Some(a_token),
        json!({}),
    )
    .await
    .expect(204, None);
    let r = app
        .get("/api/v1/me/notifications?unread=true", Some(a_token))
        .await;
    assert_eq!(r.body["total"], 0);
});

on_both!(
    a_notification_of_an_unknown_kind_fails_instead_of_passing_as_another,
    |app| {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use linli::db::schema::notifications;
        let alice = app.dev_login("inbox-unknown", "resident").await;
        let id = alice["user"]["id"].as_i64().unwrap();
        let token = alice["access_token"].as_str().unwrap();
        let mut conn = app.db.conn();
        let notice = Notice {
            kind: NotificationKind::BookingReminder,
            title: "充电预约即将开始".into(),
            body: "内容".into(),
            data: json!({"booking_id": 1}),
            dedupe_key: None,
        };
        notify(&mut conn, id, &notice, app.clock.now_naive()).unwrap();
        let r = app.get("/api/v1/me/notifications", Some(token)).await;
        r.expect(200, None);
        assert_eq!(r.body["items"][0]["kind"], "booking.reminder");
        diesel::update(notifications::table.filter(notifications::user_id.eq(id)))
            .set(notifications::kind.eq("booking.teleported"))
            .execute(&mut conn)
            .unwrap();
        app.get("/api/v1/me/notifications", Some(token))
            .await
            .expect(500, Some("internal_error"));
    }
);
