//! The card cache across server processes: a staff edit or a reissue on one process shows on
//! the other within one refresh interval; racing card issues give one card per household.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;

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
    let http = crate::support::http_client();
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
    let head = holder(&before, "building_head")["contact_id"]
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
    assert_eq!(holder(&on_a, "building_head")["phone"], "13912345678");
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
        assert_eq!(holder(&on_b, "building_head")["phone"], "13912345678");
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
pub(crate) async fn racing_card_issues_on_three_processes_give_one_card() {
    let (db, servers) = processes(&[], PROCESSES);
    let a = &servers[0];
    let http = crate::support::http_client();
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
