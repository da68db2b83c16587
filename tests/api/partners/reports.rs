//! What firms and staff read back: the firm's bookings (without residents' identities) and
//! utilisation as JSON and CSV; the audit log of every write, for staff.

use super::piles::{book_and_retire, bulk_maintenance, install};
use super::*;

/// The report's days around the bookings the tests make (an hour or two from now, which after
/// 23:00 in China is already tomorrow there, outside the default "last seven days").
fn around_today() -> String {
    let local = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    format!(
        "from={}&to={}",
        local - chrono::Duration::days(1),
        local + chrono::Duration::days(2)
    )
}

#[actix_web::test]
async fn reports_give_bookings_and_utilisation_as_json_and_csv() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    // A booking cancelled by a retired pile, and one confirmed, in compound 1.
    let i = install(&app, &f).await;
    book_and_retire(&app, &f, &i)
        .await
        .retired
        .expect(200, None);
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
        .get(
            &format!("/api/v1/partner/reports/utilisation?{}", around_today()),
            Some(&f.a),
        )
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
        .get(
            &format!(
                "/api/v1/partner/reports/utilisation?format=csv&{}",
                around_today()
            ),
            Some(&f.a),
        )
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
}

/// A pile name a spreadsheet would run as a formula is written as text in the CSV.
#[actix_web::test]
async fn csv_exports_defuse_formulas_in_the_utilisation_report() {
    use diesel::prelude::*;
    use linli::db::schema::piles;
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let resident = app.resident("formula-res", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&resident),
        booking(3, &app.slot_time(60), &app.slot_time(120)),
    )
    .await
    .expect(201, None);
    for name in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "\tcmd",
        "\rcmd",
    ] {
        diesel::update(piles::table)
            .set(piles::name.eq(name))
            .execute(&mut app.db.conn())
            .unwrap();
        let r = app
            .get(
                &format!(
                    "/api/v1/partner/reports/utilisation?format=csv&{}",
                    around_today()
                ),
                Some(&f.a),
            )
            .await;
        r.expect(200, None);
        let mut reader = csv::Reader::from_reader(r.text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert!(!rows.is_empty(), "{}", r.text);
        for row in &rows {
            assert_eq!(&row[3], format!("'{name}"), "{}", r.text);
        }
    }
}

/// The audit log has every write with before and after, for staff.
#[actix_web::test]
async fn the_audit_log_keeps_every_write_with_before_and_after() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let i = install(&app, &f).await;
    book_and_retire(&app, &f, &i)
        .await
        .retired
        .expect(200, None);
    bulk_maintenance(&app, &f).await.expect(200, None);
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
}
