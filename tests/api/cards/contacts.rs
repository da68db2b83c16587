//! Staff keep the seven role contacts: adding them (phones checked), assigning them to a
//! building (shown on its cards at once), retiring those who cover nothing, correcting phones
//! (with a new confirmation date) and removing assignments.

use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// The role holders on card JC00001 before any change, and the ids staff edit them by.
struct Contacts {
    staff: String,
    path: String,
    before: Res,
    building: i64,
    community: i64,
    old_head: i64,
}

async fn contacts(app: &TestApp) -> Contacts {
    app.seed_demo();
    let staff = app.token("roles-staff", "staff").await;
    let path = lookup_path("JC00001", &code(1));
    let before = app.get(&path, None).await;
    let building = before.body["address"]["building"]["id"].as_i64().unwrap();
    let community = before.body["address"]["community"]["id"].as_i64().unwrap();
    let old_head = holder(&before.body, "building_head")["contact_id"]
        .as_i64()
        .unwrap();
    Contacts {
        staff,
        path,
        before,
        building,
        community,
        old_head,
    }
}

/// Add a building head to the community of card JC00001 as `token`; the answer.
async fn add_head(app: &TestApp, c: &Contacts, token: &str, name: &str, phone: &str) -> Res {
    app.post(
        "/api/v1/role-contacts",
        Some(token),
        json!({"community_id": c.community, "role": "building_head", "name": name, "phone": phone}),
    )
    .await
}

/// Assign a contact to the building of card JC00001; the answer.
async fn assign(app: &TestApp, c: &Contacts, contact: i64) -> Res {
    app.post(
        "/api/v1/role-assignments",
        Some(&c.staff),
        json!({"role_contact_id": contact, "building_id": c.building}),
    )
    .await
}

/// A new building head (新楼栋长, 139-3310-0000) assigned to the building; their contact id.
async fn new_head_assigned(app: &TestApp, c: &Contacts) -> i64 {
    let r = add_head(app, c, &c.staff, "新楼栋长", "139-3310-0000").await;
    r.expect(201, None);
    let new_head = r.body["id"].as_i64().unwrap();
    assign(app, c, new_head).await.expect(201, None);
    new_head
}

on_both!(
    only_staff_add_role_contacts_and_their_phones_are_checked,
    |app| {
        let c = contacts(&app).await;
        let resident = app.token("roles-resident", "resident").await;
        add_head(&app, &c, &resident, "某人", "13900000000")
            .await
            .expect(403, Some("forbidden"));
        let r = add_head(&app, &c, &c.staff, "新楼栋长", "call").await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "phone");
        add_head(&app, &c, &c.staff, "新楼栋长", "139-3310-0000")
            .await
            .expect(201, None);
    }
);

// Assign to the building: replaces the old head on the card at once.
on_both!(
    an_assignment_replaces_the_buildings_holder_on_its_cards_at_once,
    |app| {
        let c = contacts(&app).await;
        new_head_assigned(&app, &c).await;
        let after = app.get(&c.path, None).await;
        assert_eq!(holder(&after.body, "building_head")["name"], "新楼栋长");
        assert_eq!(
            holder(&after.body, "building_head")["phone"],
            "139-3310-0000"
        );
        assert_eq!(after.body["role_contacts"].as_array().unwrap().len(), 7);
    }
);

// The old head now covers nothing and can be retired; the new one cannot.
on_both!(
    only_a_contact_covering_nothing_is_retired_and_a_retired_one_is_not_assigned,
    |app| {
        let c = contacts(&app).await;
        let new_head = new_head_assigned(&app, &c).await;
        app.post(
            &format!("/api/v1/role-contacts/{new_head}/retire"),
            Some(&c.staff),
            json!({}),
        )
        .await
        .expect(409, Some("role_contact_in_use"));
        let r = app
            .post(
                &format!("/api/v1/role-contacts/{}/retire", c.old_head),
                Some(&c.staff),
                json!({}),
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "retired");
        assign(&app, &c, c.old_head)
            .await
            .expect(409, Some("role_contact_retired"));
    }
);

on_both!(
    a_contact_of_another_community_cannot_cover_the_building,
    |app| {
        let c = contacts(&app).await;
        let other = app
        .post(
            "/api/v1/role-contacts",
            Some(&c.staff),
            json!({"community_id": c.community + 1, "role": "floor_head", "name": "外社区", "phone": "13900000001"}),
        )
        .await;
        let r = assign(&app, &c, other.body["id"].as_i64().unwrap()).await;
        r.expect(422, Some("role_contact_wrong_community"));
        assert_eq!(r.body["field"], "building_id");
    }
);

// Correcting a phone shows on the next lookup, with a new confirmation date.
on_both!(
    a_corrected_phone_shows_at_once_with_a_new_confirmation_date,
    |app| {
        let c = contacts(&app).await;
        let new_head = new_head_assigned(&app, &c).await;
        app.clock.advance(chrono::Duration::days(3));
        let staff = app.token("roles-staff-later", "staff").await;
        let r = app
            .request(
                reqwest::Method::PATCH,
                &format!("/api/v1/role-contacts/{new_head}"),
                Some(&staff),
                Some(json!({"phone": "13900001111"})),
                &[],
            )
            .await;
        r.expect(200, None);
        let after = app.get(&c.path, None).await;
        let head = holder(&after.body, "building_head");
        assert_eq!(head["phone"], "13900001111");
        assert_ne!(
            head["last_confirmed_at"],
            holder(&c.before.body, "grid_head")["last_confirmed_at"]
        );
    }
);

// Removing the building's own assignment leaves the role vacant (no compound holder).
on_both!(
    removing_the_buildings_own_assignment_leaves_the_role_vacant,
    |app| {
        let c = contacts(&app).await;
        new_head_assigned(&app, &c).await;
        let (staff, building, community) = (&c.staff, c.building, c.community);
        let list = app
            .get(
                &format!("/api/v1/role-assignments?building_id={building}"),
                Some(staff),
            )
            .await;
        list.expect(200, None);
        let mine = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["role"] == "building_head")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        app.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/role-assignments/{mine}"),
            Some(staff),
            None,
            &[],
        )
        .await
        .expect(204, None);
        let after = app.get(&c.path, None).await;
        assert_eq!(holder(&after.body, "building_head")["name"], Value::Null);
        assert_eq!(after.body["role_contacts"].as_array().unwrap().len(), 7);
        let r = app
            .get(
                &format!("/api/v1/role-contacts?community_id={community}&role=grid_head"),
                Some(staff),
            )
            .await;
        r.expect(200, None);
        assert!(r.body["total"].as_i64().unwrap() >= 1);
        assert!(!r.body["items"][0]["assignments"]
            .as_array()
            .unwrap()
            .is_empty());
    }
);
