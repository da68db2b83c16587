//! One JSON line per request, and no secret or phone number in the log: the binary is run with
//! secrets the test chose, used for logins, partner calls, a calendar feed and phone numbers
//! (given, refused, found, read whole, exported), and its log is searched for them.

use std::process::Stdio;

use serde_json::{json, Value};

use crate::support::*;

#[actix_web::test]
async fn json_request_logs_name_the_route_and_caller_and_never_a_secret() {
    let db = TestDb::seeded_mysql();
    let wechat = FakeWechat::start();
    let log_path = std::env::temp_dir().join(format!("linli-log-{}.jsonl", uuid::Uuid::new_v4()));
    let log = std::fs::File::create(&log_path).expect("log file");
    let wechat_secret = "wx-secret-7f3a9c1e-never-logged";
    let server = ServerProcess::start_logging_to(
        &db,
        &[
            ("LINLI_LOG_FORMAT", "json"),
            ("RUST_LOG", "info"),
            ("LINLI_WECHAT_API_BASE", wechat.base.as_str()),
            ("LINLI_WECHAT_APPID", "wx-test-app"),
            ("LINLI_WECHAT_SECRET", wechat_secret),
        ],
        Stdio::from(log),
    );
    let http = reqwest::Client::new();
    let base = &server.base;

    // A WeChat login: the openid and session key come back from the fake.
    let login: Value = http
        .post(format!("{base}/api/v1/auth/wechat"))
        .json(&json!({"code": "ok-openid-SECRET-5551234"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = login["access_token"]
        .as_str()
        .expect("logged in")
        .to_owned();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let user_id = me.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // A calendar feed: its token is in the URL.
    let feed: Value = http
        .post(format!("{base}/api/v1/me/calendar/rotate"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed_path = feed["path"].as_str().expect("feed path").to_owned();
    let feed_token = feed_path
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_owned();
    let r = http.get(format!("{base}{feed_path}")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // A partner client: its secret and its token.
    let (staff, _) = dev_login_at(&http, base, "log-staff", "staff").await;
    let firm: Value = http
        .post(format!("{base}/api/v1/partners"))
        .bearer_auth(&staff)
        .json(&json!({"name": "日志物业", "compound_ids": [1]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client: Value = http
        .post(format!("{base}/api/v1/partners/{}/clients", firm["id"]))
        .bearer_auth(&staff)
        .json(&json!({"name": "系统", "scopes": ["piles:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (client_id, client_secret) = (
        client["client_id"].as_str().unwrap().to_owned(),
        client["client_secret"].as_str().unwrap().to_owned(),
    );
    let token: Value = http
        .post(format!("{base}/api/v1/partner/token"))
        .json(&json!({"client_id": client_id, "client_secret": client_secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let partner_token = token["access_token"].as_str().unwrap().to_owned();
    let piles = http
        .get(format!("{base}/api/v1/partner/compounds"))
        .bearer_auth(&partner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(piles.status(), 200);
    // A card lookup with its check code in the query.
    let code = linli::places::seed::demo_check_codes(1)[0].clone();
    http.get(format!("{base}/api/v1/cards/JC00001?check_code={code}"))
        .send()
        .await
        .unwrap();

    // Phone numbers: given by a resident, refused when malformed, looked up and read whole by
    // an administrator, exported. None of it may reach the log.
    let phone = "13912345678";
    let r = http
        .put(format!("{base}/api/v1/me/phone"))
        .bearer_auth(&access)
        .json(&json!({"phone": "+86 139-1234-5678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .put(format!("{base}/api/v1/me/phone"))
        .bearer_auth(&access)
        .json(&json!({"phone": "139123456789999"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let (admin, _) = dev_login_at(&http, base, "log-admin", "admin").await;
    let found = http
        .post(format!("{base}/api/v1/residents/find-by-phone"))
        .bearer_auth(&admin)
        .json(&json!({"phone": phone}))
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);
    let whole = http
        .get(format!("{base}/api/v1/residents/{user_id}/phone"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    assert!(whole.text().await.unwrap().contains(phone));
    let export = http
        .get(format!("{base}/api/v1/me/export"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);

    server.terminate();
    assert_eq!(
        server.wait_exit(std::time::Duration::from_secs(30)),
        Some(0)
    );
    let text = std::fs::read_to_string(&log_path).expect("log");
    let _ = std::fs::remove_file(&log_path);

    for secret in [
        wechat_secret,
        "openid-SECRET-5551234",
        "SESSIONKEY",
        access.as_str(),
        refresh.as_str(),
        feed_token.as_str(),
        client_secret.as_str(),
        partner_token.as_str(),
        code.as_str(),
        crate::support::JWT_SECRET,
        phone,
        "139-1234-5678",
        "1234-5678",
        "139123456789999",
    ] {
        assert!(!text.contains(secret), "the log holds a secret: {secret}");
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["message"] == "request").collect();
    let line_of = |route: &str| {
        requests
            .iter()
            .find(|l| l["route"] == route)
            .unwrap_or_else(|| panic!("no request line for {route}: {text}"))
    };
    let me_line = line_of("/api/v1/me");
    assert_eq!(me_line["caller"], format!("user:{user_id}"));
    assert_eq!(me_line["status"], 200);
    assert!(me_line["elapsed_ms"].as_f64().is_some());
    assert!(me_line["span"]["request_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert_eq!(
        line_of("/api/v1/partner/compounds")["caller"],
        format!("client:{client_id}")
    );
    let feed_line = line_of("/api/v1/calendar/{token}.ics");
    assert_eq!(feed_line["span"]["path"], "/api/v1/calendar/***.ics");
}
