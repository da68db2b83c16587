//! The demo data set's volunteering part: the 七彩之光 team, its activities and the shop's
//! shelves, loaded once.

use std::collections::HashSet;

use super::*;

#[actix_web::test]
async fn demo_seed_has_the_team_activities_and_shelves() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.seed_demo();
    let token = app.token("seed-viewer", "resident").await;
    let r = app.get("/api/v1/teams", Some(&token)).await;
    assert_eq!(r.body["items"][0]["name"], "七彩之光志愿服务队");
    assert_eq!(r.body["items"][0]["leaders"].as_array().unwrap().len(), 2);
    let r = app
        .get("/api/v1/activities?per_page=100", Some(&token))
        .await;
    assert_eq!(r.body["total"], 12);
    let kinds: HashSet<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    let r = app.get("/api/v1/points-shop/items", Some(&token)).await;
    assert_eq!(r.body["total"], 8);
    // The seeded leader runs the team's activities.
    let leader = app.token("qicai-leader-1", "team_leader").await;
    let first = app
        .get("/api/v1/activities?per_page=1", Some(&leader))
        .await;
    let aid = first.body["items"][0]["id"].as_i64().unwrap();
    let r = app
        .get(&format!("/api/v1/activities/{aid}"), Some(&leader))
        .await;
    assert_eq!(r.body["can_manage"], true);
    let again = linli::seed::demo(&mut app.db.conn(), 1).unwrap();
    assert!(
        again
            .iter()
            .any(|l| l.contains("volunteering: already loaded")),
        "{again:?}"
    );
}
