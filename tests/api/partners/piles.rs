//! Firms manage their piles: install, move, add sockets, retire (cancelling the bookings on
//! them), and change socket states in bulk.

use reqwest::Method;
use serde_json::json;

use super::*;

/// A pile firm A installed in compound 1 with two sockets (in 4号车棚), then moved to 5号车棚
/// and given a third socket; each answer.
pub(super) struct Installed {
    pub pile: i64,
    pub created: Res,
    pub moved: Res,
    pub extended: Res,
}

pub(super) async fn install(app: &TestApp, f: &Firms) -> Installed {
    let created = app
        .post(
            "/api/v1/partner/compounds/1/piles",
            Some(&f.a),
            json!({"name": "16号桩", "location": "4号车棚", "sockets": 2}),
        )
        .await;
    created.expect(201, None);
    let pile = created.body["id"].as_i64().unwrap();
    let moved = app
        .request(
            Method::PATCH,
            &format!("/api/v1/partner/piles/{pile}"),
            Some(&f.a),
            Some(json!({"location": "5号车棚"})),
            &[],
        )
        .await;
    let extended = app
        .post(
            &format!("/api/v1/partner/piles/{pile}/sockets"),
            Some(&f.a),
            json!({}),
        )
        .await;
    extended.expect(201, None);
    Installed {
        pile,
        created,
        moved,
        extended,
    }
}

/// A resident (`partner-res`, household 1) booked the installed pile's new socket; then firm
/// A retired the pile.
pub(super) struct Retired {
    pub resident: String,
    pub booking: i64,
    pub retired: Res,
}

pub(super) async fn book_and_retire(app: &TestApp, f: &Firms, installed: &Installed) -> Retired {
    let new_socket = installed.extended.body["sockets"][0]["id"]
        .as_i64()
        .unwrap();
    let resident = app.resident("partner-res", 1).await;
    let b = app
        .post(
            "/api/v1/bookings",
            Some(&resident),
            booking(new_socket, &app.slot_time(60), &app.slot_time(120)),
        )
        .await;
    b.expect(201, None);
    let retired = app
        .post(
            &format!("/api/v1/partner/piles/{}/retire", installed.pile),
            Some(&f.a),
            json!({}),
        )
        .await;
    Retired {
        resident,
        booking: b.body["id"].as_i64().unwrap(),
        retired,
    }
}

/// Firm A puts sockets 1 and 2 into maintenance in one request; its answer.
pub(super) async fn bulk_maintenance(app: &TestApp, f: &Firms) -> Res {
    app.post("/api/v1/partner/sockets/state", Some(&f.a), json!({"changes": [{"socket_id": 1, "state": "maintenance"}, {"socket_id": 2, "state": "maintenance"}], "reason": "年度检修"})).await
}

#[actix_web::test]
async fn firms_install_move_and_extend_their_piles() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let i = install(&app, &f).await;
    assert_eq!(i.created.body["sockets"].as_array().unwrap().len(), 2);
    assert_eq!(
        i.created.body["sockets"][0]["code"].as_str().unwrap().len(),
        8
    );
    assert_eq!(i.moved.body["location"], "5号车棚");
    assert_eq!(i.extended.body["sockets"].as_array().unwrap().len(), 3);
}

/// Residents can book a new pile; retiring it cancels the booking.
#[actix_web::test]
async fn retiring_a_pile_retires_its_sockets_and_cancels_their_bookings() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let i = install(&app, &f).await;
    let r = book_and_retire(&app, &f, &i).await;
    r.retired.expect(200, None);
    assert_eq!(r.retired.body["status"], "retired");
    assert!(r.retired.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "retired"));
    let booking_now = app
        .get(
            &format!("/api/v1/bookings/{}", r.booking),
            Some(&r.resident),
        )
        .await;
    assert_eq!(booking_now.body["status"], "cancelled");
}

/// A bulk state change applies to every socket named; retiring a socket directly is refused.
#[actix_web::test]
async fn socket_states_change_in_bulk_but_a_socket_is_not_retired_alone() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let r = bulk_maintenance(&app, &f).await;
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
}
