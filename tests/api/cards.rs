//! Card lookups: what a scan shows (and never shows), indistinguishable failures, the rate
//! limit, revoked and reissued cards, ETags, the resident's own card, staff edits of role
//! contacts, and the cache's correctness across two server processes.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use linli::db::schema::{buildings, households, role_assignments as ra, role_contacts as rc};
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

fn code(n: usize) -> String {
    linli::places::seed::demo_check_codes(n)[n - 1].clone()
}

fn lookup_path(number: &str, check: &str) -> String {
    format!("/api/v1/cards/{number}?check_code={check}")
}

/// The (name, phone) of whoever holds each role for the building of a household, read
/// straight from the tables: the building's own holder, else its compound's.
fn holders_in_db(conn: &mut linli::db::DbConn, household: i64) -> Vec<(String, String, String)> {
    let (building, compound): (i64, i64) = households::table
        .inner_join(buildings::table)
        .filter(households::id.eq(household))
        .select((buildings::id, buildings::compound_id))
        .first(conn)
        .unwrap();
    let rows: Vec<(String, Option<i64>, String, String)> = ra::table
        .inner_join(rc::table)
        .filter(
            ra::building_id
                .eq(building)
                .or(ra::compound_id.eq(compound)),
        )
        .select((ra::role, ra::building_id, rc::name, rc::phone))
        .load(conn)
        .unwrap();
    let mut out = Vec::new();
    for role in linli::directory::roles::ContactRole::ALL {
        let pick = rows
            .iter()
            .find(|r| r.0 == role.as_str() && r.1.is_some())
            .or_else(|| rows.iter().find(|r| r.0 == role.as_str() && r.1.is_none()))
            .unwrap_or_else(|| panic!("no {} for household {household}", role.as_str()));
        out.push((pick.0.clone(), pick.2.clone(), pick.3.clone()));
    }
    out
}

on_both!(
    lookup_shows_the_buildings_seven_contacts_and_nobody_in_the_household,
    |app| {
        app.seed_demo();
        // A family member binds their account to household 1 with card JC00001.
        let member = app.dev_login("family-member-zhang", "resident").await;
        let token = member["access_token"].as_str().unwrap();
        let nickname = member["user"]["nickname"].as_str().unwrap().to_owned();
        app.request(
            reqwest::Method::POST,
            "/api/v1/me/household",
            Some(token),
            Some(json!({"card_number": "JC00001", "check_code": code(1)})),
            &[],
        )
        .await
        .expect(200, None);

        let r = app
            .get(&lookup_path("jc00001", &code(1).to_lowercase()), None)
            .await;
        r.expect(200, None);
        let slots = r.body["role_contacts"].as_array().unwrap();
        let got: Vec<(String, String, String)> = slots
            .iter()
            .map(|s| {
                (
                    s["role"].as_str().unwrap().to_owned(),
                    s["name"].as_str().unwrap().to_owned(),
                    s["phone"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut conn = app.db.conn();
        assert_eq!(got, holders_in_db(&mut conn, 1), "{}", r.text);
        assert_eq!(
            got.iter()
                .map(|g| g.0.as_str())
                .collect::<HashSet<_>>()
                .len(),
            7
        );
        // Address down to the building, never unit, room, household or its people.
        let addr = &r.body["address"];
        assert_eq!(addr["community"]["name"], "东街社区");
        assert_eq!(addr["compound"]["name"], "天和人家");
        assert_eq!(addr["building"]["name"], "1号楼");
        for leak in [
            "\"unit\"",
            "\"room\"",
            "household",
            "family-member-zhang",
            nickname.as_str(),
            "\"101\"",
        ] {
            assert!(!r.text.contains(leak), "{leak} leaked: {}", r.text);
        }
        // Service centre, the 15-minute circle by category, emergency numbers.
        assert_eq!(r.body["service_centre"]["name"], "东街社区党群服务中心");
        let groups = r.body["nearby"].as_array().unwrap();
        let codes: Vec<&str> = groups
            .iter()
            .map(|g| g["category"]["code"].as_str().unwrap())
            .collect();
        for c in ["elderly_care", "health", "legal", "culture", "daily_life"] {
            assert!(codes.contains(&c), "{c} missing: {codes:?}");
        }
        for g in groups {
            let s = g["services"].as_array().unwrap();
            assert!(!s.is_empty() && s.len() <= 3);
            let d: Vec<i64> = s
                .iter()
                .map(|x| x["distance_m"].as_i64().unwrap())
                .collect();
            assert!(
                d.windows(2).all(|w| w[0] <= w[1]),
                "not nearest first: {d:?}"
            );
            assert!(s.iter().all(|x| x["open_now"].is_boolean()));
        }
        let numbers: Vec<&str> = r.body["emergency_numbers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers[..4], ["110", "119", "120", "12345"]);
        assert_eq!(
            numbers[4],
            r.body["service_centre"]["phone"].as_str().unwrap()
        );
        // Caching headers.
        assert_eq!(r.header("cache-control"), Some("private, max-age=60"));
        assert!(r.header("etag").is_some_and(|e| e.starts_with('"')));
    }
);

on_both!(wrong_code_and_unknown_card_look_the_same, |app| {
    app.seed_demo();
    let wrong = app.get(&lookup_path("JC00001", "ZZZZZZ"), None).await;
    let unknown = app.get(&lookup_path("JC99999", "ZZZZZZ"), None).await;
    let near_miss = {
        let mut c = code(1);
        let last = if c.ends_with('2') { "3" } else { "2" };
        c.replace_range(5..6, last);
        app.get(&lookup_path("JC00001", &c), None).await
    };
    for r in [&wrong, &unknown, &near_miss] {
        r.expect(404, Some("card_not_found"));
        assert_eq!(r.text, wrong.text);
        let mut names: Vec<&str> = r
            .headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| !matches!(*k, "x-request-id" | "date"))
            .collect();
        names.sort();
        let mut first: Vec<&str> = wrong
            .headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| !matches!(*k, "x-request-id" | "date"))
            .collect();
        first.sort();
        assert_eq!(names, first);
    }
    // The same again, now that the cache knows these cards.
    let again = app.get(&lookup_path("JC99999", "ZZZZZZ"), None).await;
    assert_eq!(again.text, wrong.text);
    // Bad shapes are named, not looked up.
    app.get("/api/v1/cards/JC00001?check_code=a%20b", None)
        .await
        .expect(422, Some("validation_failed"));
    let r = app.get("/api/v1/cards/JC00001", None).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "check_code");
});

#[actix_web::test]
async fn lookups_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.card_lookups_per_minute = 3).await;
    app.seed_demo();
    for _ in 0..3 {
        app.get(&lookup_path("JC00001", &code(1)), None)
            .await
            .expect(200, None);
    }
    // Walking the sequence is refused, whatever the card and whatever X-Forwarded-For claims
    // (no proxy is configured, so the header is not trusted).
    for n in 2..6 {
        let r = app
            .request(
                reqwest::Method::GET,
                &lookup_path(&format!("JC{n:05}"), &code(n)),
                None,
                None,
                &[("X-Forwarded-For", &format!("10.0.0.{n}"))],
            )
            .await;
        r.expect(429, Some("rate_limited"));
        let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=20).contains(&secs), "{secs}");
    }
    // Other endpoints are not limited by it.
    app.get("/api/v1/communities", None).await.expect(200, None);
}

#[actix_web::test]
async fn malformed_lookups_count_against_the_limit() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.card_lookups_per_minute = 2).await;
    // A bad shape is refused naming the field, and still uses up one of the address's lookups.
    for _ in 0..2 {
        let r = app.get("/api/v1/cards/JC-1?check_code=ABC234", None).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "card_number");
    }
    // Once limited, the answer is 429 whatever is sent.
    app.get("/api/v1/cards/JC-1?check_code=ABC234", None)
        .await
        .expect(429, Some("rate_limited"));
    app.get(&lookup_path("JC00001", "ABC234"), None)
        .await
        .expect(429, Some("rate_limited"));
}

#[actix_web::test]
async fn a_trusted_proxy_keys_the_limit_on_the_forwarded_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.card_lookups_per_minute = 1;
        c.trust_proxy = true;
    })
    .await;
    app.seed_demo();
    let get = |ip: &'static str| {
        let path = lookup_path("JC00001", &code(1));
        let app = &app;
        async move {
            app.request(
                reqwest::Method::GET,
                &path,
                None,
                None,
                &[("X-Forwarded-For", ip)],
            )
            .await
        }
    };
    get("203.0.113.7").await.expect(200, None);
    get("203.0.113.7").await.expect(429, Some("rate_limited"));
    get("203.0.113.8").await.expect(200, None);
}

on_both!(reissued_and_revoked_cards_old_qr_fails, |app| {
    app.seed_demo();
    let staff = app.token("card-staff", "staff").await;
    let resident = app.token("card-resident", "resident").await;
    let old = code(5);
    app.get(&lookup_path("JC00005", &old), None)
        .await
        .expect(200, None);
    // Residents cannot administer cards.
    app.post("/api/v1/cards/JC00005/reissue", Some(&resident), json!({}))
        .await
        .expect(403, Some("forbidden"));
    let r = app
        .post("/api/v1/cards/JC00005/reissue", Some(&staff), json!({}))
        .await;
    r.expect(200, None);
    let new = r.body["check_code"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(new.len(), 6);
    assert_eq!(r.body["card_number"], "JC00005");
    // The old QR fails at once (this process's cache moved with the edit), the new one works,
    // binding with the old code fails too.
    app.get(&lookup_path("JC00005", &old), None)
        .await
        .expect(404, Some("card_not_found"));
    app.get(&lookup_path("JC00005", &new), None)
        .await
        .expect(200, None);
    app.post(
        "/api/v1/me/household",
        Some(&resident),
        json!({"card_number": "JC00005", "check_code": old}),
    )
    .await
    .expect(404, Some("card_not_found"));

    // Revoke: the current code stops working; a second revoke or a reissue is refused.
    app.post("/api/v1/cards/JC00005/revoke", Some(&staff), json!({}))
        .await
        .expect(200, None);
    app.get(&lookup_path("JC00005", &new), None)
        .await
        .expect(404, Some("card_not_found"));
    app.post("/api/v1/cards/JC00005/revoke", Some(&staff), json!({}))
        .await
        .expect(409, Some("card_not_active"));
    app.post("/api/v1/cards/JC00005/reissue", Some(&staff), json!({}))
        .await
        .expect(409, Some("card_not_active"));
    app.post("/api/v1/cards/JC77777/revoke", Some(&staff), json!({}))
        .await
        .expect(404, Some("not_found"));

    // A new card for the household: the next number, a random code; a second is refused.
    let r = app
        .post("/api/v1/cards", Some(&staff), json!({"household_id": 5}))
        .await;
    r.expect(201, None);
    assert_eq!(r.body["card_number"], "JC10001");
    assert_eq!(r.header("location"), Some("/api/v1/cards/JC10001"));
    let fresh = r.body["check_code"].as_str().unwrap().to_owned();
    app.get(&lookup_path("JC10001", &fresh), None)
        .await
        .expect(200, None);
    app.post("/api/v1/cards", Some(&staff), json!({"household_id": 5}))
        .await
        .expect(409, Some("household_has_active_card"));
    app.post(
        "/api/v1/cards",
        Some(&staff),
        json!({"household_id": 999999}),
    )
    .await
    .expect(422, Some("validation_failed"));
    let r = app.get("/api/v1/cards?household_id=5", Some(&staff)).await;
    r.expect(200, None);
    assert_eq!(r.body["total"], 2);
    let statuses: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "active"]);
});

on_both!(etag_revalidation_and_my_own_card, |app| {
    app.seed_demo();
    let path = lookup_path("JC00001", &code(1));
    let first = app.get(&path, None).await;
    first.expect(200, None);
    let etag = first.header("etag").unwrap().to_owned();
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(r.status.as_u16(), 304);
    assert!(r.text.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", "\"something-else\"")],
        )
        .await;
    r.expect(200, None);

    // Phones accept gzip: the same JSON, compressed, under its own ETag; either ETag
    // revalidates.
    let res = app
        .http
        .get(format!("{}{path}", app.base))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(res.headers()["vary"], "accept-encoding");
    let gz_etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(gz_etag, etag);
    let zipped = res.bytes().await.unwrap();
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut json)
        .unwrap();
    assert_eq!(json, first.text);
    assert!(
        zipped.len() * 2 < json.len(),
        "{} vs {}",
        zipped.len(),
        json.len()
    );
    for (accept, tag) in [("gzip", etag.as_str()), ("identity", gz_etag.as_str())] {
        let r = app
            .request(
                reqwest::Method::GET,
                &path,
                None,
                None,
                &[("If-None-Match", tag), ("Accept-Encoding", accept)],
            )
            .await;
        assert_eq!(r.status.as_u16(), 304, "{accept} {tag}");
    }
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("Accept-Encoding", "gzip;q=0, identity")],
        )
        .await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.text, first.text);

    // My card: not bound yet, then the same view as the scan.
    let login = app.dev_login("own-card", "resident").await;
    let token = login["access_token"].as_str().unwrap();
    app.get("/api/v1/me/card", Some(token))
        .await
        .expect(404, Some("household_not_bound"));
    app.get("/api/v1/me/card", None)
        .await
        .expect(401, Some("unauthorized"));
    app.post(
        "/api/v1/me/household",
        Some(token),
        json!({"card_number": "JC00002", "check_code": code(2)}),
    )
    .await
    .expect(200, None);
    let mine = app.get("/api/v1/me/card", Some(token)).await;
    mine.expect(200, None);
    let scanned = app.get(&lookup_path("JC00002", &code(2)), None).await;
    assert_eq!(mine.body, scanned.body);
    assert_eq!(mine.header("etag"), scanned.header("etag"));

    // A staff edit changes the ETag.
    let staff = app.token("etag-staff", "staff").await;
    let centre = first.body["service_centre"]["id"].as_i64().unwrap();
    app.request(
        reqwest::Method::PATCH,
        &format!("/api/v1/services/{centre}"),
        Some(&staff),
        Some(json!({"phones": [{"number": "0933-3319999", "description": "新值班电话"}]})),
        &[],
    )
    .await
    .expect(200, None);
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    r.expect(200, None);
    assert_ne!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.body["service_centre"]["phone"], "0933-3319999");
    assert!(r.text.contains("0933-3319999"));
});

fn slot<'a>(view: &'a Value, role: &str) -> &'a Value {
    view["role_contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == role)
        .unwrap()
}

on_both!(staff_keep_role_contacts_and_assignments, |app| {
    app.seed_demo();
    let staff = app.token("roles-staff", "staff").await;
    let resident = app.token("roles-resident", "resident").await;
    let path = lookup_path("JC00001", &code(1));
    let before = app.get(&path, None).await;
    let building = before.body["address"]["building"]["id"].as_i64().unwrap();
    let community = before.body["address"]["community"]["id"].as_i64().unwrap();
    let old_head = slot(&before.body, "building_head")["contact_id"]
        .as_i64()
        .unwrap();

    app.post(
        "/api/v1/role-contacts",
        Some(&resident),
        json!({"community_id": community, "role": "building_head", "name": "某人", "phone": "13900000000"}),
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .post(
            "/api/v1/role-contacts",
            Some(&staff),
            json!({"community_id": community, "role": "building_head", "name": "新楼栋长", "phone": "call"}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "phone");
    let r = app
        .post(
            "/api/v1/role-contacts",
            Some(&staff),
            json!({"community_id": community, "role": "building_head", "name": "新楼栋长", "phone": "139-3310-0000"}),
        )
        .await;
    r.expect(201, None);
    let new_head = r.body["id"].as_i64().unwrap();

    // Assign to the building: replaces the old head on the card at once.
    let r = app
        .post(
            "/api/v1/role-assignments",
            Some(&staff),
            json!({"role_contact_id": new_head, "building_id": building}),
        )
        .await;
    r.expect(201, None);
    let after = app.get(&path, None).await;
    assert_eq!(slot(&after.body, "building_head")["name"], "新楼栋长");
    assert_eq!(slot(&after.body, "building_head")["phone"], "139-3310-0000");
    assert_eq!(after.body["role_contacts"].as_array().unwrap().len(), 7);

    // The old head now covers nothing and can be retired; the new one cannot.
    app.post(
        &format!("/api/v1/role-contacts/{new_head}/retire"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(409, Some("role_contact_in_use"));
    let r = app
        .post(
            &format!("/api/v1/role-contacts/{old_head}/retire"),
            Some(&staff),
            json!({}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "retired");
    app.post(
        "/api/v1/role-assignments",
        Some(&staff),
        json!({"role_contact_id": old_head, "building_id": building}),
    )
    .await
    .expect(409, Some("role_contact_retired"));

    // A contact of another community cannot cover this building.
    let other = app
        .post(
            "/api/v1/role-contacts",
            Some(&staff),
            json!({"community_id": community + 1, "role": "floor_head", "name": "外社区", "phone": "13900000001"}),
        )
        .await;
    let r = app
        .post(
            "/api/v1/role-assignments",
            Some(&staff),
            json!({"role_contact_id": other.body["id"], "building_id": building}),
        )
        .await;
    r.expect(422, Some("role_contact_wrong_community"));
    assert_eq!(r.body["field"], "building_id");

    // Correcting a phone shows on the next lookup, with a new confirmation date.
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
    let after = app.get(&path, None).await;
    let head = slot(&after.body, "building_head");
    assert_eq!(head["phone"], "13900001111");
    assert_ne!(
        head["last_confirmed_at"],
        slot(&before.body, "grid_head")["last_confirmed_at"]
    );

    // Removing the building's own assignment leaves the role vacant (no compound holder).
    let list = app
        .get(
            &format!("/api/v1/role-assignments?building_id={building}"),
            Some(&staff),
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
        Some(&staff),
        None,
        &[],
    )
    .await
    .expect(204, None);
    let after = app.get(&path, None).await;
    assert_eq!(slot(&after.body, "building_head")["name"], Value::Null);
    assert_eq!(after.body["role_contacts"].as_array().unwrap().len(), 7);
    let r = app
        .get(
            &format!("/api/v1/role-contacts?community_id={community}&role=grid_head"),
            Some(&staff),
        )
        .await;
    r.expect(200, None);
    assert!(r.body["total"].as_i64().unwrap() >= 1);
    assert!(!r.body["items"][0]["assignments"]
        .as_array()
        .unwrap()
        .is_empty());
});

/// Migrate and seed a MySQL database, then start `n` server processes on it.
fn processes(envs: &[(&str, &str)], n: usize) -> (TestDb, Vec<ServerProcess>) {
    let db = TestDb::seeded_mysql();
    let mut all = vec![("LINLI_BACKGROUND_JOBS", "0")];
    all.extend_from_slice(envs);
    let servers = ServerProcess::start_many(&db, &all, n);
    (db, servers)
}

async fn get_json(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = http.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn a_staff_edit_shows_on_both_server_processes() {
    let (_db, servers) = processes(&[("LINLI_CARD_LOOKUPS_PER_MINUTE", "0")], 2);
    let (a, b) = (&servers[0], &servers[1]);
    let http = reqwest::Client::new();
    let path = lookup_path("JC00001", &code(1));
    // Warm both caches, with many concurrent lookups.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = http.clone();
        let url = format!("{}{path}", if i % 2 == 0 { &a.base } else { &b.base });
        tasks.push(actix_web::rt::spawn(
            async move { get_json(&http, &url).await },
        ));
    }
    let mut before = Value::Null;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200);
        before = body;
    }
    let head = slot(&before, "building_head")["contact_id"]
        .as_i64()
        .unwrap();

    // Staff on process A change the building head's phone.
    let login: Value = http
        .post(format!("{}/api/v1/auth/dev", a.base))
        .json(&json!({"openid": "two-proc-staff", "role": "staff"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let r = http
        .patch(format!("{}/api/v1/role-contacts/{head}", a.base))
        .bearer_auth(token)
        .json(&json!({"phone": "13912345678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // A shows it on its next lookup; B within one refresh interval (250 ms), checked after
    // 400 ms so the assertion is about the bound, not about luck.
    let (_, on_a) = get_json(&http, &format!("{}{path}", a.base)).await;
    assert_eq!(slot(&on_a, "building_head")["phone"], "13912345678");
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let http = http.clone();
        let url = format!("{}{path}", b.base);
        tasks.push(actix_web::rt::spawn(
            async move { get_json(&http, &url).await },
        ));
    }
    for t in tasks {
        let (status, on_b) = t.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(slot(&on_b, "building_head")["phone"], "13912345678");
    }

    // A reissue on B: the old QR fails on A too.
    let r: Value = http
        .post(format!("{}/api/v1/cards/JC00001/reissue", b.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_code = r["check_code"].as_str().unwrap().to_owned();
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let (status, _) = get_json(&http, &format!("{}{path}", a.base)).await;
    assert_eq!(status, 404);
    let (status, _) = get_json(
        &http,
        &format!("{}{}", a.base, lookup_path("JC00001", &new_code)),
    )
    .await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn racing_card_issues_on_three_processes_give_one_card() {
    let (db, servers) = processes(&[], PROCESSES);
    let a = &servers[0];
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/v1/auth/dev", a.base))
        .json(&json!({"openid": "race-staff", "role": "staff"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    // Households 10..14 lose their cards; then 10 issues per household race on all servers.
    for h in 10..15 {
        let r = http
            .post(format!("{}/api/v1/cards/JC{h:05}/revoke", a.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let mut tasks = Vec::new();
    for i in 0..50 {
        let http = http.clone();
        let token = token.clone();
        let base = servers[i % servers.len()].base.clone();
        let household = 10 + (i % 5);
        tasks.push(actix_web::rt::spawn(async move {
            let r = http
                .post(format!("{base}/api/v1/cards"))
                .bearer_auth(&token)
                .json(&json!({"household_id": household}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (household, status, body)
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        let (household, status, body) = t.await.unwrap();
        match status {
            201 => created.push((household, body["card_number"].as_str().unwrap().to_owned())),
            409 => assert_eq!(body["code"], "household_has_active_card", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    created.sort();
    assert_eq!(
        created.iter().map(|c| c.0).collect::<Vec<_>>(),
        vec![10, 11, 12, 13, 14]
    );
    let numbers: HashSet<&str> = created.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(numbers.len(), 5, "{created:?}");
    let mut conn = db.conn();
    let active: i64 = linli::db::schema::cards::table
        .filter(linli::db::schema::cards::status.eq("active"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(active, 10_000);
}
