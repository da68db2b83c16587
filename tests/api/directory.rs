//! The service directory: Chinese substring search with category, distance and open-now
//! filters and totals, one service in full, staff edits, residents' reports.

use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn names(r: &Res) -> Vec<String> {
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn category_id(app: &TestApp, code: &str) -> i64 {
    let r = app.get("/api/v1/categories", None).await;
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn compound_id(app: &TestApp, name: &str) -> i64 {
    let r = app
        .get(&format!("/api/v1/compounds?q={}", enc(name)), None)
        .await;
    r.body["items"][0]["id"].as_i64().unwrap()
}

on_both!(
    chinese_substring_search_finds_names_and_descriptions,
    |app| {
        app.seed_demo();
        // Two characters inside longer names: 爱心理发室 in every community.
        let r = app
            .get(&format!("/api/v1/services?q={}", enc("理发")), None)
            .await;
        r.expect(200, None);
        assert_eq!(r.body["total"], 8, "{}", r.text);
        assert!(names(&r).iter().all(|n| n.contains("理发")));
        // Inside descriptions too: 法律 is in the legal-aid stations' names and the mediation
        // rooms' descriptions ("法律咨询员定期坐班").
        let r = app
            .get(
                &format!("/api/v1/services?q={}&per_page=100", enc("法律")),
                None,
            )
            .await;
        let found = names(&r);
        assert!(found.iter().any(|n| n.contains("法律援助")), "{found:?}");
        assert!(found.iter().any(|n| n.contains("人民调解室")), "{found:?}");
        assert_eq!(r.body["total"].as_i64().unwrap() as usize, found.len());
        // One character.
        let r = app
            .get(&format!("/api/v1/services?q={}", enc("诊")), None)
            .await;
        assert!(r.body["total"].as_i64().unwrap() >= 8, "{}", r.text);
        // LIKE wildcards are literal.
        let r = app.get("/api/v1/services?q=%25", None).await;
        assert_eq!(r.body["total"], 0);
    }
);

on_both!(search_answers_revalidate_with_their_etag, |app| {
    app.seed_demo();
    let path = format!("/api/v1/services?q={}", enc("诊"));
    let r = app.get(&path, None).await;
    let etag = r.header("etag").unwrap().to_owned();
    assert_eq!(r.header("cache-control"), Some("public, max-age=60"));
    let again = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(again.status.as_u16(), 304);
});

on_both!(
    a_category_includes_its_sub_categories_and_narrows_a_keyword,
    |app| {
        app.seed_demo();
        // A top-level category includes its sub-categories: 法律服务 = 法律援助 + 人民调解.
        let legal = category_id(&app, "legal").await;
        let r = app
            .get(
                &format!("/api/v1/services?category_id={legal}&per_page=100"),
                None,
            )
            .await;
        let codes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["category"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            r.body["total"], 17,
            "8 stations, 8 rooms, the county centre"
        );
        assert!(codes.iter().all(|c| *c == "legal_aid" || *c == "mediation"));
        // Keyword and category together.
        let aid = category_id(&app, "legal_aid").await;
        let r = app
            .get(
                &format!("/api/v1/services?category_id={aid}&q={}", enc("东街")),
                None,
            )
            .await;
        assert_eq!(names(&r), ["东街社区法律援助工作站"]);
    }
);

on_both!(
    near_a_compound_services_come_nearest_first_within_the_radius,
    |app| {
        app.seed_demo();
        let legal = category_id(&app, "legal").await;
        // Near a compound: nearest first, within the radius, with distances.
        let tianhe = compound_id(&app, "天和人家").await;
        let r = app
            .get(
                &format!("/api/v1/services?near_compound_id={tianhe}&radius_m=400&per_page=100"),
                None,
            )
            .await;
        r.expect(200, None);
        let d: Vec<i64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["distance_m"].as_i64().unwrap())
            .collect();
        assert!(!d.is_empty());
        assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
        assert!(d.iter().all(|m| *m <= 400), "{d:?}");
        assert_eq!(r.body["total"].as_i64().unwrap() as usize, d.len());
        assert!(names(&r).iter().any(|n| n.starts_with("东街")));
        let wide = app
            .get(
                &format!("/api/v1/services?near_compound_id={tianhe}&radius_m=20000"),
                None,
            )
            .await;
        assert_eq!(wide.body["total"], 82);
        // Keyword + category + distance at once.
        let r = app
            .get(
                &format!(
                "/api/v1/services?q={}&category_id={legal}&near_compound_id={tianhe}&radius_m=800",
                enc("调解")
            ),
                None,
            )
            .await;
        let n = names(&r);
        assert!(!n.is_empty() && n.len() < 8, "{n:?}");
        assert_eq!(n[0], "东街社区人民调解室");
    }
);

on_both!(service_lists_page_with_totals, |app| {
    app.seed_demo();
    let p1 = app.get("/api/v1/services?per_page=30&page=1", None).await;
    let p3 = app.get("/api/v1/services?per_page=30&page=3", None).await;
    assert_eq!(p1.body["total"], 82);
    assert_eq!(p1.body["items"].as_array().unwrap().len(), 30);
    assert_eq!(p3.body["items"].as_array().unwrap().len(), 22);
});

on_both!(bad_search_parameters_name_the_field, |app| {
    app.seed_demo();
    let tianhe = compound_id(&app, "天和人家").await;
    for (q, field) in [
        ("radius_m=100".to_owned(), "radius_m"),
        (format!("near_compound_id={tianhe}&radius_m=0"), "radius_m"),
        ("near_compound_id=999999".to_owned(), "near_compound_id"),
        ("category_id=999999".to_owned(), "category_id"),
        (format!("q={}", "字".repeat(65)), "q"),
        ("per_page=500".to_owned(), "per_page"),
        ("open_now=maybe".to_owned(), "open_now"),
    ] {
        let r = app.get(&format!("/api/v1/services?{q}"), None).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], field, "{q}: {}", r.text);
    }
});

/// What staff need to add services: a haircut category, an organisation (七彩之光) and a
/// location (天和人家南门), and the body of an always-open service.
struct Base {
    staff: String,
    haircut: i64,
    org: Res,
    loc: Res,
    body: Value,
}

async fn base(app: &TestApp) -> Base {
    app.seed_demo();
    let staff = app.token("dir-staff", "staff").await;
    let haircut = category_id(app, "haircut").await;
    let org = app
        .post(
            "/api/v1/organizations",
            Some(&staff),
            json!({"name": "七彩之光志愿服务队", "description": "志愿者"}),
        )
        .await;
    org.expect(201, None);
    let loc = app
        .post(
            "/api/v1/locations",
            Some(&staff),
            json!({"name": "天和人家南门", "address": "天和人家南门广场", "latitude": 35.3302, "longitude": 107.3598}),
        )
        .await;
    loc.expect(201, None);
    let all_week: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "opens_at": "00:00", "closes_at": "24:00"}))
        .collect();
    let body = json!({
        "organization_id": org.body["id"], "category_id": haircut, "community_id": 1,
        "name": "七彩之光义务理发站", "description": "全天候义务理发（测试）",
        "location_ids": [loc.body["id"]],
        "phones": [{"number": "13900002222", "description": "队长"}],
        "contacts": [{"name": "马队长", "title": "队长"}],
        "schedule": all_week,
    });
    Base {
        staff,
        haircut,
        org,
        loc,
        body,
    }
}

/// The always-open service (七彩之光义务理发站) and a second one with no hours at all
/// (七彩之光预约理发); the first's id, and the query that finds both and nothing else:
/// 七彩之光 is also in the repair points' descriptions, so it is narrowed to haircuts.
async fn open_and_never_open(app: &TestApp, b: &Base) -> (i64, String) {
    let r = app
        .post("/api/v1/services", Some(&b.staff), b.body.clone())
        .await;
    r.expect(201, None);
    let open_id = r.body["id"].as_i64().unwrap();
    app.post(
        "/api/v1/services",
        Some(&b.staff),
        json!({"organization_id": b.org.body["id"], "category_id": b.haircut, "name": "七彩之光预约理发",
               "description": "仅预约", "location_ids": [b.loc.body["id"]]}),
    )
    .await
    .expect(201, None);
    (
        open_id,
        format!("{}&category_id={}", enc("七彩之光"), b.haircut),
    )
}

on_both!(staff_add_services_whose_schedules_are_checked, |app| {
    let b = base(&app).await;
    let resident = app.token("dir-resident", "resident").await;
    app.post(
        "/api/v1/organizations",
        Some(&b.staff),
        json!({"name": "七彩之光志愿服务队"}),
    )
    .await
    .expect(409, Some("organization_name_taken"));
    app.post("/api/v1/services", Some(&resident), b.body.clone())
        .await
        .expect(403, Some("forbidden"));
    let mut bad = b.body.clone();
    bad["schedule"] = json!([{"weekday": 8, "opens_at": "09:00", "closes_at": "10:00"}]);
    let r = app.post("/api/v1/services", Some(&b.staff), bad).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "schedule[0].weekday");
    let mut bad = b.body.clone();
    bad["schedule"] = json!([{"weekday": 1, "opens_at": "10:00", "closes_at": "09:00"}]);
    let r = app.post("/api/v1/services", Some(&b.staff), bad).await;
    assert_eq!(r.body["field"], "schedule[0].closes_at");
    let r = app
        .post("/api/v1/services", Some(&b.staff), b.body.clone())
        .await;
    r.expect(201, None);
    assert_eq!(r.body["open_now"], true);
    assert_eq!(r.body["schedule"].as_array().unwrap().len(), 7);
    assert_eq!(r.body["category_path"][0]["code"], "daily_life");
});

on_both!(open_now_follows_the_schedule, |app| {
    let b = base(&app).await;
    let (_, q) = open_and_never_open(&app, &b).await;
    let r = app.get(&format!("/api/v1/services?q={q}"), None).await;
    assert_eq!(r.body["total"], 2);
    let r = app
        .get(&format!("/api/v1/services?q={q}&open_now=true"), None)
        .await;
    assert_eq!(names(&r), ["七彩之光义务理发站"]);
});

// Today closed by an exception: not open now, with the note.
on_both!(
    a_closing_exception_for_today_closes_a_service_with_its_note,
    |app| {
        let b = base(&app).await;
        let (open_id, q) = open_and_never_open(&app, &b).await;
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive()
            .format("%Y-%m-%d")
            .to_string();
        let r = app
            .request(
                reqwest::Method::PATCH,
                &format!("/api/v1/services/{open_id}"),
                Some(&b.staff),
                Some(json!({"exceptions": [{"date": today, "closed": true, "note": "临时闭站"}]})),
                &[],
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["open_now"], false);
        assert_eq!(
            r.body["phones"][0]["number"], "13900002222",
            "lists not sent stay"
        );
        let r = app
            .get(&format!("/api/v1/services?q={q}&open_now=true"), None)
            .await;
        assert_eq!(r.body["total"], 0);
        let r = app.get(&format!("/api/v1/services?q={q}"), None).await;
        let item = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == open_id)
            .unwrap()
            .clone();
        assert_eq!(item["today_note"], "临时闭站");
        assert_eq!(item["hours_today"], json!([]));
    }
);

// It is on the cards of its community (东街), in its category group.
on_both!(a_new_service_is_on_the_cards_of_its_community, |app| {
    let b = base(&app).await;
    open_and_never_open(&app, &b).await;
    let code = linli::places::seed::demo_check_codes(1)[0].clone();
    let card = app
        .get(&format!("/api/v1/cards/JC00001?check_code={code}"), None)
        .await;
    assert!(card.text.contains("七彩之光义务理发站"));
});

// Retire: gone from search and cards; still readable; no second retire, no edits.
on_both!(
    a_retired_service_leaves_search_and_cards_but_stays_readable,
    |app| {
        let b = base(&app).await;
        let (open_id, q) = open_and_never_open(&app, &b).await;
        let code = linli::places::seed::demo_check_codes(1)[0].clone();
        // On the card first, so the card's cache holds it.
        let card = app
            .get(&format!("/api/v1/cards/JC00001?check_code={code}"), None)
            .await;
        assert!(card.text.contains("七彩之光义务理发站"));
        app.post(
            &format!("/api/v1/services/{open_id}/retire"),
            Some(&b.staff),
            json!({}),
        )
        .await
        .expect(200, None);
        let r = app.get(&format!("/api/v1/services?q={q}"), None).await;
        assert_eq!(r.body["total"], 1);
        let card = app
            .get(&format!("/api/v1/cards/JC00001?check_code={code}"), None)
            .await;
        assert!(!card.text.contains("七彩之光义务理发站"));
        let r = app.get(&format!("/api/v1/services/{open_id}"), None).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "retired");
        app.post(
            &format!("/api/v1/services/{open_id}/retire"),
            Some(&b.staff),
            json!({}),
        )
        .await
        .expect(409, Some("service_retired"));
        app.request(
            reqwest::Method::PATCH,
            &format!("/api/v1/services/{open_id}"),
            Some(&b.staff),
            Some(json!({"name": "复活"})),
            &[],
        )
        .await
        .expect(409, Some("service_retired"));
        app.get("/api/v1/services/999999", None)
            .await
            .expect(404, Some("not_found"));
    }
);

/// 东街社区卫生服务站 as found by a search, reported by a resident for a wrong phone, and role
/// contact 1 reported too.
struct Reported {
    staff: String,
    resident: String,
    id: i64,
    confirmed_before: Value,
    report: Res,
}

async fn reported(app: &TestApp) -> Reported {
    app.seed_demo();
    let staff = app.token("report-staff", "staff").await;
    let resident = app.token("report-resident", "resident").await;
    let r = app
        .get(
            &format!("/api/v1/services?q={}", enc("东街社区卫生服务站")),
            None,
        )
        .await;
    let id = r.body["items"][0]["id"].as_i64().unwrap();
    let confirmed_before = r.body["items"][0]["last_confirmed_at"].clone();
    let report = app
        .post(
            "/api/v1/directory-reports",
            Some(&resident),
            json!({"service_id": id, "kind": "wrong_phone", "message": "电话是空号"}),
        )
        .await;
    report.expect(201, None);
    // A role contact can be reported too.
    app.post(
        "/api/v1/directory-reports",
        Some(&resident),
        json!({"role_contact_id": 1, "kind": "wrong_phone"}),
    )
    .await
    .expect(201, None);
    Reported {
        staff,
        resident,
        id,
        confirmed_before,
        report,
    }
}

/// Ten days later, staff fix the service's number and resolve the report: the resolution's
/// answer, and the (staff, resident) tokens of that day.
async fn fixed(app: &TestApp, r: &Reported) -> (Res, String, String) {
    app.clock.advance(chrono::Duration::days(10));
    let staff = app.token("report-staff-later", "staff").await;
    let resident = app.token("report-resident-later", "resident").await;
    app.request(
        reqwest::Method::PATCH,
        &format!("/api/v1/services/{}", r.id),
        Some(&staff),
        Some(json!({"phones": [{"number": "0933-3310099", "description": "值班电话"}]})),
        &[],
    )
    .await
    .expect(200, None);
    let resolved = app
        .post(
            &format!("/api/v1/directory-reports/{}/resolve", r.report.body["id"]),
            Some(&staff),
            json!({"resolution": "fixed", "note": "已更正"}),
        )
        .await;
    (resolved, staff, resident)
}

on_both!(
    residents_report_a_wrong_entry_once_while_it_is_open,
    |app| {
        let Reported {
            staff,
            resident,
            id,
            report: r,
            ..
        } = reported(&app).await;
        app.post(
            "/api/v1/directory-reports",
            None,
            json!({"service_id": id, "kind": "wrong_phone"}),
        )
        .await
        .expect(401, Some("unauthorized"));
        let report = r.body["id"].as_i64().unwrap();
        assert_eq!(r.body["status"], "open");
        assert_eq!(r.body["subject"], "东街社区卫生服务站");
        app.post(
            "/api/v1/directory-reports",
            Some(&resident),
            json!({"service_id": id, "kind": "closed"}),
        )
        .await
        .expect(409, Some("report_already_open"));
        let r = app
            .post(
                "/api/v1/directory-reports",
                Some(&resident),
                json!({"service_id": id, "role_contact_id": 1, "kind": "closed"}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        app.get("/api/v1/directory-reports", Some(&resident))
            .await
            .expect(403, Some("forbidden"));
        let open = app.get("/api/v1/directory-reports", Some(&staff)).await;
        open.expect(200, None);
        assert_eq!(open.body["total"], 2);
        assert_eq!(open.body["items"][0]["id"], report);
    }
);

// Staff fix the number and resolve: the entry is confirmed on that day.
on_both!(a_staff_fix_confirms_the_entry_on_that_day, |app| {
    let rep = reported(&app).await;
    let (r, staff, _) = fixed(&app, &rep).await;
    let (id, report) = (rep.id, rep.report.body["id"].as_i64().unwrap());
    r.expect(200, None);
    assert_eq!(r.body["status"], "fixed");
    app.post(
        &format!("/api/v1/directory-reports/{report}/resolve"),
        Some(&staff),
        json!({"resolution": "dismissed"}),
    )
    .await
    .expect(409, Some("report_not_open"));
    let detail = app.get(&format!("/api/v1/services/{id}"), None).await;
    assert_eq!(detail.body["phones"][0]["number"], "0933-3310099");
    let after = detail.body["last_confirmed_at"].as_str().unwrap();
    assert_ne!(Value::String(after.to_owned()), rep.confirmed_before);
    let day = app.clock.now().format("%Y-%m-%d").to_string();
    assert!(after.starts_with(&day), "{after} vs {day}");
    let open = app.get("/api/v1/directory-reports", Some(&staff)).await;
    assert_eq!(open.body["total"], 1);
});

on_both!(a_resolved_entry_may_be_reported_again, |app| {
    let rep = reported(&app).await;
    let (r, _, resident) = fixed(&app, &rep).await;
    r.expect(200, None);
    app.post(
        "/api/v1/directory-reports",
        Some(&resident),
        json!({"service_id": rep.id, "kind": "wrong_hours", "message": "周日没开"}),
    )
    .await
    .expect(201, None);
});

on_both!(a_role_contacts_fix_confirms_the_contact, |app| {
    let rep = reported(&app).await;
    let (_, staff, _) = fixed(&app, &rep).await;
    let day = app.clock.now().format("%Y-%m-%d").to_string();
    let contact_report = app
        .get("/api/v1/directory-reports", Some(&staff))
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role_contact_id"] == 1)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/directory-reports/{contact_report}/resolve"),
        Some(&staff),
        json!({"resolution": "fixed"}),
    )
    .await
    .expect(200, None);
    let contacts = app
        .get(
            "/api/v1/role-contacts?role=grid_head&per_page=1",
            Some(&staff),
        )
        .await;
    assert!(contacts.body["items"][0]["last_confirmed_at"]
        .as_str()
        .unwrap()
        .starts_with(&day));
});

on_both!(categories_organizations_and_locations, |app| {
    app.seed_demo();
    let r = app.get("/api/v1/categories", None).await;
    r.expect(200, None);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 16);
    // Parents come before their children.
    for (i, c) in list.iter().enumerate() {
        if let Some(p) = c["parent_id"].as_i64() {
            let at = list.iter().position(|x| x["id"] == p).unwrap();
            assert!(at < i);
            assert_eq!(c["depth"], 1);
        }
    }
    let r = app
        .get(
            &format!("/api/v1/organizations?q={}", enc("居民委员会")),
            None,
        )
        .await;
    assert_eq!(r.body["total"], 8);
    let r = app.get("/api/v1/locations?community_id=1", None).await;
    assert_eq!(r.body["total"], 10);
});

on_both!(card_views_follow_the_clock_without_staff_edits, |app| {
    use chrono::{Datelike, Timelike};
    app.seed_demo();
    let staff = app.token("clock-staff", "staff").await;
    let local = app.clock.now().with_timezone(&chrono_tz::Asia::Shanghai);
    let hour = local.hour();
    let closes = if hour == 23 {
        "24:00".to_owned()
    } else {
        format!("{:02}:00", hour + 1)
    };
    let org =
        app.get("/api/v1/organizations?per_page=1", None).await.body["items"][0]["id"].clone();
    let loc = app
        .get("/api/v1/locations?community_id=1&per_page=1", None)
        .await
        .body["items"][0]["id"]
        .clone();
    let haircut = category_id(&app, "haircut").await;
    app.post(
        "/api/v1/services",
        Some(&staff),
        json!({"organization_id": org, "category_id": haircut, "community_id": 1,
               "name": "整点理发", "location_ids": [loc],
               "schedule": [{"weekday": local.weekday().number_from_monday(),
                             "opens_at": format!("{hour:02}:00"), "closes_at": closes}]}),
    )
    .await
    .expect(201, None);
    let code = linli::places::seed::demo_check_codes(1)[0].clone();
    let path = format!("/api/v1/cards/JC00001?check_code={code}");
    let find = |v: &Value| -> Value {
        v["nearby"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["services"].as_array().unwrap().iter())
            .find(|s| s["name"] == "整点理发")
            .cloned()
            .unwrap_or_else(|| panic!("not on the card: {v}"))
    };
    let before = app.get(&path, None).await;
    assert_eq!(find(&before.body)["open_now"], true);
    // Two hours later, with no staff edit in between, the cached view has moved on.
    app.clock.advance(chrono::Duration::hours(2));
    let after = app.get(&path, None).await;
    assert_eq!(find(&after.body)["open_now"], false);
    assert_ne!(after.header("etag"), before.header("etag"));
});
