//! Read endpoints over the demo places.

use crate::on_both;

on_both!(communities_compounds_and_buildings, |app| {
    app.seed_demo();
    let r = app.get("/api/v1/communities", None).await;
    r.expect(200, None);
    let list = r.body.as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "东街社区",
            "西街社区",
            "南街社区",
            "北街社区",
            "中街社区",
            "安定社区",
            "回中社区",
            "东升社区"
        ]
    );
    assert_eq!(
        list.iter()
            .map(|c| c["grid_count"].as_i64().unwrap())
            .sum::<i64>(),
        51
    );
    assert_eq!(
        list.iter()
            .map(|c| c["household_count"].as_i64().unwrap())
            .sum::<i64>(),
        10_000
    );
    assert!(list
        .iter()
        .all(|c| c["household_count"].as_i64().unwrap() < 3000));

    // Search by Chinese name, inside the name.
    let r = app
        .get("/api/v1/compounds?q=%E4%B8%96%E7%BA%AA", None)
        .await; // 世纪
    r.expect(200, None);
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["name"], "世纪花园");
    assert_eq!(r.body["items"][0]["has_charging"], true);
    let r = app
        .get("/api/v1/compounds?q=%E5%AE%B6%E5%B1%9E", None)
        .await; // 家属 (in many names)
    assert!(r.body["total"].as_i64().unwrap() >= 8, "{}", r.text);
    // A LIKE wildcard in the query is literal.
    let r = app.get("/api/v1/compounds?q=%25", None).await;
    assert_eq!(r.body["total"], 0, "{}", r.text);

    // Filters and pagination.
    let r = app
        .get(
            "/api/v1/compounds?has_charging=true&per_page=5&page=2",
            None,
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["total"], 16);
    assert_eq!(r.body["page"], 2);
    assert_eq!(r.body["per_page"], 5);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    let community = list[1]["id"].as_i64().unwrap();
    let r = app
        .get(
            &format!("/api/v1/compounds?community_id={community}&kind=self_managed"),
            None,
        )
        .await;
    assert_eq!(r.body["total"], 2);
    assert!(r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["community_id"] == community && c["kind"] == "self_managed"));

    // One compound with its buildings.
    let id = app
        .get("/api/v1/compounds?q=%E5%A4%A9%E5%92%8C", None)
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap(); // 天和
    let r = app.get(&format!("/api/v1/compounds/{id}"), None).await;
    r.expect(200, None);
    assert_eq!(r.body["name"], "天和人家");
    let buildings = r.body["buildings"].as_array().unwrap();
    assert_eq!(
        buildings.len() as i64,
        r.body["building_count"].as_i64().unwrap()
    );
    assert_eq!(buildings[0]["name"], "1号楼");
    assert_eq!(buildings[0]["household_count"], 24);
    app.get("/api/v1/compounds/999999", None)
        .await
        .expect(404, Some("not_found"));
});

on_both!(
    a_compound_of_an_unknown_kind_fails_instead_of_passing_as_another,
    |app| {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use linli::db::schema::compounds;
        app.seed_demo();
        let id = app
            .get("/api/v1/compounds?kind=self_managed&per_page=1", None)
            .await
            .body["items"][0]["id"]
            .as_i64()
            .unwrap();
        // A kind this release does not know (written by hand, or by a newer release).
        diesel::update(compounds::table.find(id))
            .set(compounds::kind.eq("gated"))
            .execute(&mut app.db.conn())
            .unwrap();
        app.get(&format!("/api/v1/compounds/{id}"), None)
            .await
            .expect(500, Some("internal_error"));
        // The filter still finds the compounds it knows.
        let r = app.get("/api/v1/compounds?kind=old_hosted", None).await;
        r.expect(200, None);
        assert!(r.body["total"].as_i64().unwrap() > 0);
    }
);
