//! The waitlist of a booked slot: joining it, offers that pass down the line when the holder
//! cancels or the offered person declines or lets the offer expire, and accepting an offer.

use serde_json::json;

use super::*;
use crate::on_both;

/// Alice holds socket 1 for `[s, e)`; Bob, then Carol (a second later) join its waitlist; Dave
/// is another resident who would like the time.
struct Queue {
    alice: String,
    bob: String,
    carol: String,
    dave: String,
    s: String,
    e: String,
    alice_booking: i64,
    /// Bob's answer on joining, then Carol's.
    bob_join: Res,
    carol_join: Res,
}

impl Queue {
    fn bob_entry(&self) -> i64 {
        self.bob_join.body["id"].as_i64().unwrap()
    }

    fn carol_entry(&self) -> i64 {
        self.carol_join.body["id"].as_i64().unwrap()
    }
}

async fn join(app: &TestApp, token: &str, socket: Option<i64>, s: &str, e: &str) -> Res {
    app.post(
        "/api/v1/compounds/1/waitlist",
        Some(token),
        json!({"socket_id": socket, "starts_at": s, "ends_at": e}),
    )
    .await
}

async fn queue(app: &TestApp) -> Queue {
    app.seed_demo();
    let alice = app.resident("wl-a", 1).await;
    let bob = app.resident("wl-b", 2).await;
    let carol = app.resident("wl-c", 3).await;
    let dave = app.resident("wl-d", 4).await;
    let (s, e) = (app.slot_time(120), app.slot_time(180));
    let r = book(app, &alice, booking(1, &s, &e)).await;
    r.expect(201, None);
    let alice_booking = r.body["id"].as_i64().unwrap();
    let bob_join = join(app, &bob, Some(1), &s, &e).await;
    app.clock.advance(chrono::Duration::seconds(1));
    let carol_join = join(app, &carol, Some(1), &s, &e).await;
    Queue {
        alice,
        bob,
        carol,
        dave,
        s,
        e,
        alice_booking,
        bob_join,
        carol_join,
    }
}

/// Alice cancels her booking.
async fn alice_cancels(app: &TestApp, q: &Queue) {
    app.post(
        &format!("/api/v1/bookings/{}/cancel", q.alice_booking),
        Some(&q.alice),
        json!({}),
    )
    .await
    .expect(200, None);
}

on_both!(free_time_cannot_be_queued_for, |app| {
    let q = queue(&app).await;
    join(&app, &q.bob, Some(2), &q.s, &q.e)
        .await
        .expect(422, Some("slot_available"));
    // Any socket: other sockets are free, so it is refused as bookable.
    join(&app, &q.bob, None, &q.s, &q.e)
        .await
        .expect(422, Some("slot_available"));
});

on_both!(joining_a_waitlist_gives_the_next_position_once, |app| {
    let q = queue(&app).await;
    q.bob_join.expect(201, None);
    assert_eq!(q.bob_join.body["position"], 1);
    join(&app, &q.bob, Some(1), &q.s, &q.e)
        .await
        .expect(409, Some("already_waitlisted"));
    assert_eq!(q.carol_join.body["position"], 2);
});

on_both!(
    a_cancellation_offers_the_time_to_the_first_in_line_and_holds_it,
    |app| {
        let q = queue(&app).await;
        alice_cancels(&app, &q).await;
        let mine = app.get("/api/v1/me/waitlist", Some(&q.bob)).await;
        assert_eq!(mine.body[0]["status"], "offered");
        assert_eq!(mine.body[0]["offered_socket_id"], 1);
        assert!(notifications(&app, &q.bob)
            .await
            .iter()
            .any(|n| n["kind"] == "waitlist.offer"));
        book(&app, &q.dave, booking(1, &q.s, &q.e))
            .await
            .expect(409, Some("booking_conflict"));
        let carol_now = app.get("/api/v1/me/waitlist", Some(&q.carol)).await;
        assert_eq!(carol_now.body[0]["position"], 1);
    }
);

on_both!(
    a_declined_offer_passes_down_the_line_and_an_unanswered_one_expires,
    |app| {
        let q = queue(&app).await;
        alice_cancels(&app, &q).await;
        // Bob declines: Carol is offered it; she lets it expire; it is free again.
        app.post(
            &format!("/api/v1/waitlist/{}/leave", q.bob_entry()),
            Some(&q.bob),
            json!({}),
        )
        .await
        .expect(204, None);
        let carol_now = app.get("/api/v1/me/waitlist", Some(&q.carol)).await;
        assert_eq!(carol_now.body[0]["status"], "offered");
        app.clock.advance(chrono::Duration::minutes(11));
        app.sweep();
        let carol = app.token("wl-c", "resident").await;
        let carol_now = app.get("/api/v1/me/waitlist", Some(&carol)).await;
        assert_eq!(carol_now.body[0]["status"], "expired");
        app.post(
            &format!("/api/v1/waitlist/{}/accept", q.carol_entry()),
            Some(&carol),
            json!({}),
        )
        .await
        .expect(409, Some("offer_not_pending"));
        let dave = app.token("wl-d", "resident").await;
        book(&app, &dave, booking(1, &q.s, &q.e))
            .await
            .expect(201, None);
    }
);

on_both!(accepting_an_offer_makes_a_normal_booking, |app| {
    let q = queue(&app).await;
    alice_cancels(&app, &q).await;
    let r = app
        .post(
            &format!("/api/v1/waitlist/{}/accept", q.bob_entry()),
            Some(&q.bob),
            json!({}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(r.body["socket_id"], 1);
    let mine = app.get("/api/v1/me/waitlist", Some(&q.bob)).await;
    assert_eq!(mine.body[0]["status"], "accepted");
    assert_eq!(mine.body[0]["booking_id"], r.body["id"]);
});
