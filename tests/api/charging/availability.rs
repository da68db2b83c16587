//! The availability grid (sockets × half-hours): its bounds, ETags that follow every change and
//! each viewer, and a write on one server process seen at once on another.

use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

on_both!(availability_etag_and_bounds, |app| {
    app.seed_demo();
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    r.expect(200, None);
    assert_eq!(r.body["slots"], 144);
    // 天和人家: 15 piles, 8 with two sockets plus one more with two in most compounds.
    assert_eq!(r.body["sockets"].as_array().unwrap().len(), 23);
    let etag = r.header("etag").unwrap().to_owned();
    let again = app
        .request(
            Method::GET,
            "/api/v1/compounds/1/availability",
            None,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    // A write changes the grid and its ETag at once.
    let alice = app.resident("etag-a", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    let after = app
        .request(
            Method::GET,
            "/api/v1/compounds/1/availability",
            None,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    after.expect(200, None);
    assert_ne!(after.header("etag").unwrap(), etag);
    let r = app
        .get("/api/v1/compounds/1/availability?days=2", None)
        .await;
    assert_eq!(r.body["slots"], 96);
    app.get("/api/v1/compounds/1/availability?days=9", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/1/availability?from=2020-01-01", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/1/availability?from=notadate", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/999999/availability", None)
        .await
        .expect(404, Some("not_found"));
    let r = app.get("/api/v1/compounds/1/charging", None).await;
    assert_eq!(r.body["piles"].as_array().unwrap().len(), 15);
});

on_both!(
    the_cached_grid_follows_every_change_and_each_viewer,
    |app| {
        app.seed_demo();
        let alice = app.resident("grid-a", 1).await;
        let bob = app.resident("grid-b", 2).await;
        let at = cell_index(&app, 60).await;
        let anon = cells(&app, None, 1).await;
        assert_eq!(&anon[at..=at], ".");
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&alice),
                booking(1, &app.slot_time(60), &app.slot_time(90)),
            )
            .await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        // Each viewer sees the same cell their way, from the same cached grid.
        assert_eq!(&cells(&app, None, 1).await[at..=at], "x");
        assert_eq!(&cells(&app, Some(&bob), 1).await[at..=at], "x");
        let mine = app
            .get("/api/v1/compounds/1/availability", Some(&alice))
            .await;
        let row = |body: &Value| {
            body["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["socket_id"] == 1)
                .unwrap()["cells"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(&row(&mine.body)[at..=at], "m");
        assert_eq!(row(&mine.body).matches('m').count(), 1);
        let theirs = app
            .get("/api/v1/compounds/1/availability", Some(&bob))
            .await;
        let (mine_tag, their_tag) = (
            mine.header("etag").unwrap().to_owned(),
            theirs.header("etag").unwrap().to_owned(),
        );
        assert_ne!(mine_tag, their_tag, "a grid showing `m` has its own ETag");
        let revalidate = |token: String, tag: String| {
            let app = &app;
            async move {
                app.request(
                    Method::GET,
                    "/api/v1/compounds/1/availability",
                    Some(&token),
                    None,
                    &[("If-None-Match", &tag)],
                )
                .await
                .status
            }
        };
        assert_eq!(revalidate(alice.clone(), mine_tag.clone()).await, 304);
        assert_eq!(revalidate(bob.clone(), their_tag.clone()).await, 304);
        // Bob's ETag does not validate Alice's grid (it lacks her `m`).
        assert_eq!(revalidate(alice.clone(), their_tag.clone()).await, 200);
        // Cancelling frees the cell for everyone at once.
        app.post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&alice),
            json!({"reason": "grid test"}),
        )
        .await
        .expect(200, None);
        assert_eq!(&cells(&app, Some(&alice), 1).await[at..=at], ".");
        assert_eq!(revalidate(alice.clone(), mine_tag).await, 200);
        // Time moving on closes the cells it passes, without any write.
        let before = cells(&app, None, 2).await;
        let start_before = grid_start(&app).await;
        app.clock.advance(chrono::Duration::minutes(30));
        let later = cells(&app, None, 2).await;
        // After 23:30 in China the half hour crosses local midnight and the grid starts a day
        // later: count cells from the new start.
        let shift =
            usize::try_from((grid_start(&app).await - start_before).num_minutes() / 30).unwrap();
        let first_open = before.find('.').unwrap();
        if let Some(passed) = first_open.checked_sub(shift) {
            assert_eq!(&later[passed..=passed], "-");
        }
        assert_eq!(later.find('.').unwrap() + shift, first_open + 1);
        // A settings change redraws the horizon at once: one day ahead closes the third day.
        let staff = app.token("grid-staff", "staff").await;
        let settings = json!({"slot_minutes": 30, "days_ahead": 1, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
        app.request(
            Method::PUT,
            "/api/v1/compounds/1/charging-settings",
            Some(&staff),
            Some(settings),
            &[],
        )
        .await
        .expect(200, None);
        let narrowed = cells(&app, None, 2).await;
        assert!(narrowed[96..].chars().all(|c| c == '-'), "{narrowed}");
        assert!(narrowed.matches('.').count() < later.matches('.').count());
    }
);

#[actix_web::test]
async fn the_grid_on_one_process_shows_a_write_on_another_at_once() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let p1 = ServerProcess::start(&db, &env);
    let p2 = ServerProcess::start(&db, &env);
    let tokens = residents(&db, &p1.base, 1, "grid2").await;
    let http = crate::support::http_client();
    let row = |base: String| {
        let http = http.clone();
        async move {
            let v: Value = http
                .get(format!("{base}/api/v1/compounds/1/availability"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let start =
                chrono::DateTime::parse_from_rfc3339(v["starts_at"].as_str().unwrap()).unwrap();
            let cells = v["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["socket_id"] == 3)
                .unwrap()["cells"]
                .as_str()
                .unwrap()
                .to_owned();
            (start, cells)
        }
    };
    let (s, e) = (slot(120), slot(150));
    // Both processes cache the grid first.
    for _ in 0..3 {
        row(p1.base.clone()).await;
        row(p2.base.clone()).await;
    }
    let (start, _) = row(p2.base.clone()).await;
    let at = usize::try_from(
        (chrono::DateTime::parse_from_rfc3339(&s).unwrap() - start).num_minutes() / 30,
    )
    .unwrap();
    let r = http
        .post(format!("{}/api/v1/bookings", p1.base))
        .bearer_auth(&tokens[0])
        .json(&booking(3, &s, &e))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // The very next read on the other process shows it: no waiting, no stale cache.
    assert_eq!(&row(p2.base.clone()).await.1[at..=at], "x");
    let r = http
        .post(format!("{}/api/v1/bookings/{id}/cancel", p2.base))
        .bearer_auth(&tokens[0])
        .json(&json!({"reason": "two processes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(&row(p1.base.clone()).await.1[at..=at], ".");
}

on_both!(joining_or_leaving_a_household_redraws_mine_at_once, |app| {
    app.seed_demo();
    let alice = app.resident("join-a", 1).await;
    let carol = app.resident("join-c", 2).await;
    let at = cell_index(&app, 60).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    // Carol, of another household, sees the booking as taken (and the grid is now cached).
    assert_eq!(&cells(&app, Some(&carol), 1).await[at..=at], "x");
    // She leaves hers and joins Alice's household: the very next read shows it as her
    // household's.
    app.request(
        Method::DELETE,
        "/api/v1/me/household",
        Some(&carol),
        None,
        &[],
    )
    .await
    .expect(204, None);
    let code = linli::places::seed::demo_check_codes(1).pop().unwrap();
    let number = linli::places::seed::card_number(1);
    app.bind_and_approve(&carol, &number, &code).await;
    assert_eq!(&cells(&app, Some(&carol), 1).await[at..=at], "m");
    // She leaves it: taken again, at once.
    let r = app
        .request(
            Method::DELETE,
            "/api/v1/me/household",
            Some(&carol),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(&cells(&app, Some(&carol), 1).await[at..=at], "x");
});

/// When compound 1's grid starts (local midnight of its first day).
async fn grid_start(app: &TestApp) -> chrono::DateTime<chrono::FixedOffset> {
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    chrono::DateTime::parse_from_rfc3339(r.body["starts_at"].as_str().unwrap()).unwrap()
}
