//! The sweeper: no-shows released once (and three of them suspend a household), reminders
//! sent once, checked-in bookings completed, also with several sweepers and processes at once.

use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// What one no-show round of [`three_no_shows`] saw.
struct Round {
    /// Bookings the first sweep released.
    released: usize,
    /// Bookings a second sweep right after released.
    second_pass: usize,
    /// The booking's status afterwards.
    status: Value,
}

/// The demo data set and a resident of household 1 (`sw-a`) who books the next slot and does
/// not come, three times; the sweeper runs twice after each grace period.
async fn three_no_shows(app: &TestApp) -> Vec<Round> {
    app.seed_demo();
    // Binds sw-a's household; each round logs in again, as the clock moves by hours.
    app.resident("sw-a", 1).await;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let token = app.token("sw-a", "resident").await;
        let r = book(
            app,
            &token,
            booking(1, &app.slot_time(30), &app.slot_time(60)),
        )
        .await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        app.clock.advance(chrono::Duration::minutes(30 + 16));
        let released = app.sweep();
        let second_pass = app.sweep();
        let token = app.token("sw-a", "resident").await;
        let r = app
            .get(&format!("/api/v1/bookings/{id}"), Some(&token))
            .await;
        rounds.push(Round {
            released,
            second_pass,
            status: r.body["status"].clone(),
        });
        // The freed cells are bookable again (grid shows them free or past).
        app.clock.advance(chrono::Duration::minutes(30));
    }
    rounds
}

on_both!(a_no_show_is_released_once_and_the_resident_told, |app| {
    let rounds = three_no_shows(&app).await;
    for (round, r) in rounds.iter().enumerate() {
        assert_eq!(
            r.second_pass, 0,
            "a second pass releases nothing more (round {round})"
        );
        assert_eq!(r.status, "no_show");
    }
    let released: usize = rounds.iter().map(|r| r.released).sum();
    assert!(released >= 3, "{released}");
    let token = app.token("sw-a", "resident").await;
    let no_shows = notifications(&app, &token)
        .await
        .iter()
        .filter(|n| n["kind"] == "booking.no_show")
        .count();
    assert_eq!(no_shows, 3);
});

on_both!(three_no_shows_suspend_the_household_for_seven_days, |app| {
    three_no_shows(&app).await;
    let token = app.token("sw-a", "resident").await;
    assert!(notifications(&app, &token)
        .await
        .iter()
        .any(|n| n["kind"] == "booking.suspended"));
    let r = book(
        &app,
        &token,
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await;
    r.expect(422, Some("booking_suspended"));
    let until =
        chrono::DateTime::parse_from_rfc3339(r.body["details"]["until"].as_str().unwrap()).unwrap();
    assert!((until.with_timezone(&chrono::Utc) - app.clock.now()).num_days() >= 6);
});

on_both!(a_suspension_leaves_other_households_booking, |app| {
    three_no_shows(&app).await;
    let bob = app.resident("sw-b", 2).await;
    book(
        &app,
        &bob,
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
});

on_both!(a_suspension_ends_after_seven_days, |app| {
    three_no_shows(&app).await;
    app.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::hours(1));
    let token = app.token("sw-a", "resident").await;
    book(
        &app,
        &token,
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
});

on_both!(
    reminders_go_out_once_and_checked_in_bookings_complete,
    |app| {
        app.seed_demo();
        let alice = app.resident("rem-a", 1).await;
        let start = app.slot_time(60);
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&alice),
                booking(1, &start, &app.slot_time(90)),
            )
            .await;
        let id = r.body["id"].as_i64().unwrap();
        // Ten minutes before the start.
        advance_to(&app, &start, -10);
        app.sweep();
        app.sweep();
        let token = app.token("rem-a", "resident").await;
        let reminders = notifications(&app, &token)
            .await
            .iter()
            .filter(|n| n["kind"] == "booking.reminder")
            .count();
        assert_eq!(reminders, 1);
        let code = socket_code(&app, 1);
        advance_to(&app, &start, 2);
        let token = app.token("rem-a", "resident").await;
        app.post(
            &format!("/api/v1/bookings/{id}/check-in"),
            Some(&token),
            json!({"socket_code": code}),
        )
        .await
        .expect(200, None);
        app.clock.advance(chrono::Duration::minutes(40));
        app.sweep();
        let token = app.token("rem-a", "resident").await;
        let r = app
            .get(&format!("/api/v1/bookings/{id}"), Some(&token))
            .await;
        assert_eq!(r.body["status"], "completed");
        // The quota is free again.
        app.post(
            "/api/v1/bookings",
            Some(&token),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(201, None);
    }
);

#[actix_web::test]
async fn concurrent_sweepers_release_each_no_show_once() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let server = ServerProcess::start(&db, &env);
    let tokens = residents(&db, &server.base, 40, "sweep").await;
    let http = crate::support::http_client();
    for (i, t) in tokens.iter().enumerate() {
        let socket = i64::try_from(i).unwrap() + 1;
        let r = http
            .post(format!("{}/api/v1/bookings", server.base))
            .bearer_auth(t)
            .json(&booking(socket, &slot(0), &slot(30)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Four sweepers at once, an hour later: every booking is released exactly once.
    let later = chrono::Utc::now().naive_utc() + chrono::Duration::hours(1);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = db.conn();
            std::thread::spawn(move || linli::charging::model::sweep(&mut conn, later).unwrap())
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 40, "each booking released once across the sweepers");
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{bookings, household_quotas};
    let mut c = db.conn();
    let no_shows: i64 = bookings::table
        .filter(bookings::status.eq("no_show"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(no_shows, 40);
    let active: Vec<i32> = household_quotas::table
        .select(household_quotas::active_count)
        .load(&mut c)
        .unwrap();
    assert!(active.iter().all(|n| *n == 0), "{active:?}");
}

/// `2 n` bookings on sockets 1..=2n, each by its own household, with a firm subscribed to
/// no-show webhooks at `receiver`: sockets 1..=n started an hour ago (no-shows now), the rest
/// start in ten minutes (due a reminder). Set up through a server process that runs no jobs.
async fn half_overdue_half_due(db: &TestDb, receiver: &Receiver, n: usize) {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::bookings;
    let http = crate::support::http_client();
    let setup = ServerProcess::start(
        db,
        &[
            ("LINLI_BACKGROUND_JOBS", "0"),
            ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ],
    );
    partner_with_webhook(
        &http,
        &setup.base,
        "三进程物业",
        &[1, 2],
        &["booking.no_show"],
        &receiver.url,
    )
    .await;
    let tokens = residents(db, &setup.base, 2 * n, "sweep3").await;
    for (i, t) in tokens.iter().enumerate() {
        let socket = i64::try_from(i).unwrap() + 1;
        let r = http
            .post(format!("{}/api/v1/bookings", setup.base))
            .bearer_auth(t)
            .json(&booking(socket, &slot(60), &slot(90)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let now = chrono::Utc::now().naive_utc();
    let mut c = db.conn();
    let half = i64::try_from(n).unwrap();
    diesel::update(bookings::table.filter(bookings::socket_id.le(half)))
        .set((
            bookings::starts_at.eq(now - chrono::Duration::minutes(60)),
            bookings::ends_at.eq(now - chrono::Duration::minutes(30)),
        ))
        .execute(&mut c)
        .unwrap();
    diesel::update(bookings::table.filter(bookings::socket_id.gt(half)))
        .set((
            bookings::starts_at.eq(now + chrono::Duration::minutes(10)),
            bookings::ends_at.eq(now + chrono::Duration::minutes(40)),
        ))
        .execute(&mut c)
        .unwrap();
}

/// The sweeper as it runs for real: in the background of three server processes at once
/// (every 150 ms each), over no-shows and bookings due a reminder, with the no-show webhooks
/// delivered by the three processes' workers. Each job is done once.
#[actix_web::test]
pub(crate) async fn three_processes_sweep_and_deliver_each_job_once() {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{bookings, household_quotas, notifications, webhook_events};
    let db = TestDb::seeded_mysql();
    let receiver = Receiver::start();
    let n = 20;
    half_overdue_half_due(&db, &receiver, n).await;
    let half = i64::try_from(n).unwrap();
    let mut c = db.conn();

    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_JOB_INTERVAL_SCALE", "0.005"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
    ];
    let _servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let count = |c: &mut linli::db::DbConn, status: &str| -> i64 {
        bookings::table
            .filter(bookings::status.eq(status))
            .count()
            .get_result(c)
            .unwrap()
    };
    eventually(60, "every job done", || {
        let reminded: i64 = bookings::table
            .filter(bookings::reminded_at.is_not_null())
            .count()
            .get_result(&mut c)
            .unwrap();
        count(&mut c, "no_show") == half && reminded == half && receiver.ids().len() >= n
    })
    .await;
    // Let the three sweepers and workers race on a while longer.
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;

    assert_eq!(count(&mut c, "no_show"), half);
    assert_eq!(count(&mut c, "confirmed"), half);
    let events: i64 = webhook_events::table
        .filter(webhook_events::event_type.eq("booking.no_show"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(events, half, "each no-show released (and announced) once");
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), n, "each webhook sent once by three workers");
    assert_eq!(unique.len(), n);
    for kind in ["booking.no_show", "booking.reminder"] {
        let told: i64 = notifications::table
            .filter(notifications::kind.eq(kind))
            .count()
            .get_result(&mut c)
            .unwrap();
        assert_eq!(told, half, "{kind}: each resident told once");
    }
    let mut active: Vec<i32> = household_quotas::table
        .select(household_quotas::active_count)
        .load(&mut c)
        .unwrap();
    active.sort_unstable();
    let mut want = vec![0; n];
    want.extend(vec![1; n]);
    assert_eq!(active, want, "quota given back once per no-show");
}
