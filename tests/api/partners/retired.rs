//! A retired pile stays retired: its sockets follow it, whoever asks to bring one back, and
//! nothing books them. Every state change of a socket goes through one transition table
//! (`charging::rules::socket_move`, tested as a whole there).

use serde_json::json;

use super::piles::{book_and_retire, install};
use super::*;

crate::on_both!(a_retired_piles_sockets_stay_retired_and_unbookable, |app| {
    let f = firms(&app).await;
    let i = install(&app, &f).await;
    let r = book_and_retire(&app, &f, &i).await;
    r.retired.expect(200, None);
    let sockets: Vec<i64> = r.retired.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let socket = sockets[0];

    // The firm cannot set one socket back to available, nor in bulk (all or nothing).
    app.post(
        &format!("/api/v1/partner/sockets/{socket}/state"),
        Some(&f.a),
        json!({"state": "available"}),
    )
    .await
    .expect(409, Some("pile_retired"));
    app.post(
        "/api/v1/partner/sockets/state",
        Some(&f.a),
        json!({"changes": [{"socket_id": 1, "state": "maintenance"}, {"socket_id": socket, "state": "available"}]}),
    )
    .await
    .expect(409, Some("pile_retired"));
    // Staff cannot either.
    app.post(
        &format!("/api/v1/sockets/{socket}/state"),
        Some(&f.staff),
        json!({"state": "available", "reason": "试图恢复"}),
    )
    .await
    .expect(409, Some("pile_retired"));
    // Nothing changed: the bulk call's first change was undone with the refused one.
    let pile = app
        .get(&format!("/api/v1/partner/piles/{}", i.pile), Some(&f.a))
        .await;
    pile.expect(200, None);
    assert_eq!(pile.body["status"], "retired");
    assert!(pile.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["state"] == "retired"));
    let grid_socket_one = app
        .post(
            "/api/v1/partner/sockets/1/state",
            Some(&f.a),
            json!({"state": "available"}),
        )
        .await;
    grid_socket_one.expect(200, None);
    assert_eq!(grid_socket_one.body["state"], "available");

    // A resident cannot book it, and no socket is added to the retired pile.
    let resident = app.resident("retired-res", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&resident),
        booking(socket, &app.slot_time(60), &app.slot_time(120)),
    )
    .await
    .expect(422, Some("socket_unavailable"));
    app.post(
        &format!("/api/v1/partner/piles/{}/sockets", i.pile),
        Some(&f.a),
        json!({}),
    )
    .await
    .expect(409, Some("pile_retired"));
    // Retiring again is a no-op that answers the same.
    let again = app
        .post(
            &format!("/api/v1/partner/piles/{}/retire", i.pile),
            Some(&f.a),
            json!({}),
        )
        .await;
    again.expect(200, None);
    assert_eq!(again.body["status"], "retired");
});

crate::on_both!(
    a_socket_on_a_pile_in_service_moves_freely_but_never_leaves_retired,
    |app| {
        let f = firms(&app).await;
        for state in [
            "faulted",
            "maintenance",
            "available",
            "maintenance",
            "faulted",
            "available",
        ] {
            let r = app
                .post(
                    "/api/v1/partner/sockets/1/state",
                    Some(&f.a),
                    json!({"state": state}),
                )
                .await;
            r.expect(200, None);
            assert_eq!(r.body["state"], state);
        }
        // Staff may retire one socket of a pile in service; it does not come back.
        app.post(
            "/api/v1/sockets/2/state",
            Some(&f.staff),
            json!({"state": "retired", "reason": "插座损坏拆除"}),
        )
        .await
        .expect(200, None);
        app.post(
            "/api/v1/partner/sockets/2/state",
            Some(&f.a),
            json!({"state": "available"}),
        )
        .await
        .expect(409, Some("socket_retired"));
        app.post(
            "/api/v1/sockets/2/state",
            Some(&f.staff),
            json!({"state": "available", "reason": "恢复"}),
        )
        .await
        .expect(409, Some("socket_retired"));
    }
);
