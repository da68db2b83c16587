//! The private calendar feed of one's sign-ups: off until a secret URL is made, standard
//! iCalendar that needs no login, and killed by rotating or revoking the URL.

use chrono::Utc;
use reqwest::Method;
use serde_json::json;

use super::*;
use crate::on_both;

/// Turn Alice's feed on; the answer.
async fn rotate(app: &TestApp, alice: &str) -> Res {
    app.post("/api/v1/me/calendar/rotate", Some(alice), json!({}))
        .await
}

on_both!(the_calendar_feed_is_off_until_a_url_is_made, |app| {
    setup(&app).await;
    let (alice, _) = user(&app, "cal-alice").await;
    let r = app.get("/api/v1/me/calendar", Some(&alice)).await;
    r.expect(200, None);
    assert_eq!(r.body["active"], false);
    let r = rotate(&app, &alice).await;
    r.expect(200, None);
    assert_eq!(r.body["active"], true);
    let path = r.body["path"].as_str().unwrap().to_owned();
    assert!(r.body["url"].as_str().unwrap().ends_with(&path));
    let r = app.get("/api/v1/me/calendar", Some(&alice)).await;
    assert_eq!(r.body["path"], path.as_str());
});

// Alice waits for a one-seat activity with a long title full of characters iCalendar escapes,
// has a seat at another, and was signed up for a third that was cancelled.
on_both!(the_feed_is_standard_icalendar_read_without_a_login, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = user(&app, "cal-alice").await;
    let (bob, _) = user(&app, "cal-bob").await;
    let long_title =
        "义务理发, 健康义诊; 家电修理\\ 理论宣讲与环境整治——七彩之光志愿服务队走进东街社区天和人家";
    let a1 = activity(&app, &ctx, 24, json!({"title": long_title, "capacity": 1})).await;
    let a2 = activity(&app, &ctx, 48, json!({"title": "上门服务"})).await;
    let a3 = activity(&app, &ctx, 72, json!({"title": "被取消的活动"})).await;
    sign_up(&app, &bob, a1["id"].as_i64().unwrap())
        .await
        .expect(201, None);
    for a in [&a1, &a2, &a3] {
        sign_up(&app, &alice, a["id"].as_i64().unwrap())
            .await
            .expect(201, None);
    }
    app.post(
        &format!("/api/v1/activities/{}/cancel", a3["id"]),
        Some(&ctx.leader),
        json!({}),
    )
    .await
    .expect(200, None);
    let path = rotate(&app, &alice).await.body["path"]
        .as_str()
        .unwrap()
        .to_owned();
    // No login needed: the secret is the key.
    let feed = app.get(&path, None).await;
    feed.expect(200, None);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let text = feed.text.clone();
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
        assert!(!line.contains('\n'));
    }
    let parsed: icalendar::Calendar = text.parse().expect("a standard parser accepts the feed");
    use icalendar::{Component, EventLike};
    let events: Vec<&icalendar::Event> = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 3);
    let first = events[0];
    assert_eq!(
        first.get_summary(),
        Some(format!("{long_title}（候补）").as_str())
    );
    assert_eq!(first.get_status(), Some(icalendar::EventStatus::Tentative));
    assert_eq!(first.get_location(), Some("东街社区服务中心"));
    assert!(first.get_uid().unwrap().ends_with("@linli"));
    let starts = a1["starts_at"].as_str().unwrap();
    let want = chrono::DateTime::parse_from_rfc3339(starts)
        .unwrap()
        .with_timezone(&Utc);
    match first.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
            assert_eq!(t.timestamp(), want.timestamp())
        }
        other => panic!("DTSTART should be UTC: {other:?}"),
    }
    assert_eq!(
        events[1].get_status(),
        Some(icalendar::EventStatus::Confirmed)
    );
    assert_eq!(
        events[2].get_status(),
        Some(icalendar::EventStatus::Cancelled)
    );
});

on_both!(
    rotating_kills_the_old_feed_url_and_revoking_kills_the_new_one,
    |app| {
        setup(&app).await;
        let (alice, _) = user(&app, "cal-alice").await;
        let path = rotate(&app, &alice).await.body["path"]
            .as_str()
            .unwrap()
            .to_owned();
        // Rotating kills the old URL; revoking kills the new one.
        let r = rotate(&app, &alice).await;
        let new_path = r.body["path"].as_str().unwrap().to_owned();
        assert_ne!(new_path, path);
        app.get(&path, None).await.expect(404, Some("not_found"));
        app.get(&new_path, None).await.expect(200, None);
        app.request(
            Method::DELETE,
            "/api/v1/me/calendar",
            Some(&alice),
            None,
            &[],
        )
        .await
        .expect(204, None);
        app.get(&new_path, None)
            .await
            .expect(404, Some("not_found"));
        app.get("/api/v1/calendar/not-a-token.ics", None)
            .await
            .expect(404, Some("not_found"));
    }
);
