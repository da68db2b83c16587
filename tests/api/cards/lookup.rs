//! What a scan shows: the building's seven role contacts and nobody of the household; wrong
//! codes and unknown cards that look the same; the per-address rate limit.

use std::collections::HashSet;

use super::*;
use crate::on_both;

on_both!(
    lookup_shows_the_buildings_seven_contacts_and_nobody_in_the_household,
    |app| {
        app.seed_demo();
        // A family member binds their account to household 1 with card JC00001.
        let member = app.dev_login("family-member-zhang", "resident").await;
        let token = member["access_token"].as_str().unwrap();
        let nickname = member["user"]["nickname"].as_str().unwrap().to_owned();
        app.bind_and_approve(token, "JC00001", &code(1)).await;

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
