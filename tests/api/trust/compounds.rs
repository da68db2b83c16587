//! Booking only in the household's compound, unless staff opened the compound to the whole
//! community: elsewhere 403 `compound_not_yours` (bookings and the waitlist); the grid says
//! whether a compound is open.

use diesel::prelude::*;
use linli::db::schema::{buildings, cards, compounds, households, sockets};
use serde_json::json;

use super::*;

/// The compound and community of card `n`'s household.
fn home_of(app: &TestApp, n: usize) -> (i64, i64) {
    let number = linli::places::seed::card_number(n);
    cards::table
        .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
        .filter(cards::card_number.eq(number))
        .select((compounds::id, compounds::community_id))
        .first(&mut app.db.conn())
        .unwrap()
}

/// A socket of a compound other than `home` with charging, in the community (`same`) or not.
fn socket_elsewhere(app: &TestApp, home: (i64, i64), same: bool) -> Option<(i64, i64)> {
    let mut conn = app.db.conn();
    let rows: Vec<(i64, i64, i64)> = sockets::table
        .inner_join(compounds::table)
        .filter(sockets::compound_id.ne(home.0))
        .select((sockets::id, compounds::id, compounds::community_id))
        .order(sockets::id)
        .load(&mut conn)
        .unwrap();
    rows.into_iter()
        .find(|r| (r.2 == home.1) == same)
        .map(|r| (r.0, r.1))
}

on_both!(
    compound_booking_only_in_the_households_compound_unless_open,
    |app| {
        app.seed_demo();
        let staff = app.token("open-staff", "staff").await;
        let resident = app.resident("open-resident", 1).await;
        let home = home_of(&app, 1);
        let own: i64 = sockets::table
            .filter(sockets::compound_id.eq(home.0))
            .select(sockets::id)
            .order(sockets::id)
            .first(&mut app.db.conn())
            .expect("the demo household's compound has sockets");
        let (near, near_compound) =
            socket_elsewhere(&app, home, true).expect("another compound of the community");
        let book = |socket: i64, at: i64| json!({"socket_id": socket, "starts_at": app.slot_time(at), "ends_at": app.slot_time(at + 30)});
        // The demo opens its charging compounds to the community: this one is closed first.
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/compounds/{near_compound}/open-to-community"),
            Some(&staff),
            Some(json!({"open_to_community": false})),
            &[],
        )
        .await
        .expect(200, None);
        // Another compound of the community, closed: refused, for bookings and the waitlist.
        let r = app
            .post("/api/v1/bookings", Some(&resident), book(near, 60))
            .await;
        r.expect(403, Some("compound_not_yours"));
        assert_eq!(r.body["field"], "socket_id");
        assert_eq!(r.body["details"]["compound_id"], near_compound);
        app.post(
            &format!("/api/v1/compounds/{near_compound}/waitlist"),
            Some(&resident),
            json!({"starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        )
        .await
        .expect(403, Some("compound_not_yours"));
        let grid = app
            .get(
                &format!("/api/v1/compounds/{near_compound}/availability"),
                None,
            )
            .await;
        grid.expect(200, None);
        assert_eq!(grid.body["open_to_community"], false);
        // Residents cannot open it; staff can.
        let open = |token: String, flag: bool| {
            let app = &app;
            async move {
                app.request(
                    reqwest::Method::PUT,
                    &format!("/api/v1/compounds/{near_compound}/open-to-community"),
                    Some(&token),
                    Some(json!({"open_to_community": flag})),
                    &[],
                )
                .await
            }
        };
        open(resident.clone(), true)
            .await
            .expect(403, Some("forbidden"));
        let r = open(staff.clone(), true).await;
        r.expect(200, None);
        assert_eq!(r.body["open_to_community"], true);
        let grid = app
            .get(
                &format!("/api/v1/compounds/{near_compound}/availability"),
                None,
            )
            .await;
        assert_eq!(grid.body["open_to_community"], true);
        let there = app
            .post("/api/v1/bookings", Some(&resident), book(near, 60))
            .await;
        there.expect(201, None);
        // (One active booking per household: cancelled to make room.)
        app.post(
            &format!("/api/v1/bookings/{}/cancel", there.body["id"]),
            Some(&resident),
            json!({}),
        )
        .await
        .expect(200, None);
        // Its own compound, as always.
        app.post("/api/v1/bookings", Some(&resident), book(own, 120))
            .await
            .expect(201, None);
        // An open compound of another community stays closed to this household.
        if let Some((far, far_compound)) = socket_elsewhere(&app, home, false) {
            app.request(
                reqwest::Method::PUT,
                &format!("/api/v1/compounds/{far_compound}/open-to-community"),
                Some(&staff),
                Some(json!({"open_to_community": true})),
                &[],
            )
            .await
            .expect(200, None);
            app.post("/api/v1/bookings", Some(&resident), book(far, 180))
                .await
                .expect(403, Some("compound_not_yours"));
        }
        // Closed again: refused again; an unknown compound is 404.
        open(staff.clone(), false).await.expect(200, None);
        app.post("/api/v1/bookings", Some(&resident), book(near, 240))
            .await
            .expect(403, Some("compound_not_yours"));
        app.request(
            reqwest::Method::PUT,
            "/api/v1/compounds/999999/open-to-community",
            Some(&staff),
            Some(json!({"open_to_community": true})),
            &[],
        )
        .await
        .expect(404, Some("not_found"));
    }
);
