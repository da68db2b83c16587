//! The deterministic core of the kill tests: a retry after a lost answer (the work committed,
//! the answer never stored or sent) gets what was committed instead of doing it again.

use diesel::prelude::*;
use linli::db::schema::{activities, bookings, points_balances, redemptions, shop_items, signups};
use serde_json::json;

use super::*;
use crate::on_both;

/// Make the key's request look as if its process died after committing the work, before the
/// answer was stored or sent: no stored answer, and the claim's lock expired.
fn lose_the_answer(db: &TestDb, key: &str) {
    use linli::db::schema::idempotency_keys as ik;
    let n = diesel::update(ik::table.filter(ik::idem_key.eq(key)))
        .set((
            ik::response_status.eq(None::<i32>),
            ik::response_body.eq(None::<String>),
            ik::response_headers.eq(None::<String>),
            ik::locked_until.eq(chrono::DateTime::UNIX_EPOCH.naive_utc()),
        ))
        .execute(&mut db.conn())
        .unwrap();
    assert_eq!(n, 1);
}

// The deterministic core of the kill tests: whatever a retry finds, it answers with what the
// first attempt committed instead of doing it again (which would be refused: the household
// quota is 1, a second sign-up is `already_signed_up`, a second redemption spends twice).
on_both!(a_retry_after_a_lost_answer_gets_what_was_committed, |app| {
    app.seed_demo();
    let alice = app.resident("lost-answer", 1).await;
    let staff = app.token("lost-answer-staff", "staff").await;
    let uid: i64 = linli::db::schema::users::table
        .filter(linli::db::schema::users::openid.eq("dev:lost-answer"))
        .select(linli::db::schema::users::id)
        .first(&mut app.db.conn())
        .unwrap();
    app.post(
        &format!("/api/v1/users/{uid}/points/adjustments"),
        Some(&staff),
        json!({"amount": 100, "note": "活动奖励"}),
    )
    .await
    .expect(201, None);
    let now = chrono::Utc::now().naive_utc();
    let activity: i64 = activities::table
        .filter(activities::status.eq("open"))
        .filter(activities::required_skills.eq("[]"))
        .filter(activities::signup_deadline.gt(now + chrono::Duration::hours(1)))
        .select(activities::id)
        .first(&mut app.db.conn())
        .unwrap();
    let item: i64 = shop_items::table
        .filter(shop_items::name.eq("毛巾"))
        .select(shop_items::id)
        .first(&mut app.db.conn())
        .unwrap();
    let writes = [
        (
            "/api/v1/bookings".to_owned(),
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        ),
        (format!("/api/v1/activities/{activity}/signups"), json!({})),
        (
            format!("/api/v1/points-shop/items/{item}/redeem"),
            json!({"quantity": 1}),
        ),
    ];
    for (i, (path, body)) in writes.iter().enumerate() {
        let key = format!("lost-{i}");
        let headers = [("Idempotency-Key", key.as_str())];
        let first = app
            .request(
                reqwest::Method::POST,
                path,
                Some(&alice),
                Some(body.clone()),
                &headers,
            )
            .await;
        first.expect(201, None);
        lose_the_answer(&app.db, &key);
        let again = app
            .request(
                reqwest::Method::POST,
                path,
                Some(&alice),
                Some(body.clone()),
                &headers,
            )
            .await;
        again.expect(201, None);
        assert_eq!(
            again.body["id"], first.body["id"],
            "{path}: the same object"
        );
        assert_eq!(again.header("location"), first.header("location"));
    }
    let mut c = app.db.conn();
    let n: i64 = bookings::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let n: i64 = signups::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let n: i64 = redemptions::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    let balance: i64 = points_balances::table
        .filter(points_balances::user_id.eq(uid))
        .select(points_balances::balance)
        .first(&mut c)
        .unwrap();
    assert_eq!(balance, 70, "spent once");
});
