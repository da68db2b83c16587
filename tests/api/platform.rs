//! Start-up, operations endpoints, OpenAPI, schema and the command line.

use crate::on_both;
use crate::support::*;
use serde_json::json;

on_both!(health_and_readiness, |app| {
    app.get("/healthz", None).await.expect(200, None);
    let r = app.get("/readyz", None).await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "ready");
});

on_both!(request_id_is_echoed_or_made, |app| {
    let r = app
        .request(
            reqwest::Method::GET,
            "/healthz",
            None,
            None,
            &[("X-Request-Id", "abc-123")],
        )
        .await;
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let r = app.get("/api/v1/nowhere", None).await;
    let made = r.header("x-request-id").expect("request id");
    assert!(made.len() >= 32, "{made}");
    // An id that is not short and plain is replaced rather than echoed.
    let long = "x".repeat(200);
    let r = app
        .request(
            reqwest::Method::GET,
            "/healthz",
            None,
            None,
            &[("X-Request-Id", long.as_str())],
        )
        .await;
    assert_ne!(r.header("x-request-id"), Some(long.as_str()));
    let r = app
        .request(
            reqwest::Method::GET,
            "/healthz",
            None,
            None,
            &[("X-Request-Id", "a<script>")],
        )
        .await;
    assert_ne!(r.header("x-request-id"), Some("a<script>"));
});

#[actix_web::test]
async fn committed_openapi_equals_the_served_and_generated_document() {
    let committed = include_str!("../../openapi/openapi.json");
    let generated = linli::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale. Regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = app.get("/api/openapi.json", None).await;
    served.expect(200, None);
    let committed: serde_json::Value = serde_json::from_str(committed).unwrap();
    // Served with the examples' dates moved after today, nothing else changed.
    let today = chrono::Utc::now().date_naive();
    let mut expected = committed.clone();
    linli::openapi::future_examples(&mut expected, today);
    assert_eq!(served.body, expected);
    let tomorrow = (today + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert!(served.text.contains(&tomorrow), "no example dated tomorrow");
    let mut moved_back = served.body.clone();
    linli::openapi::future_examples(&mut moved_back, today);
    assert_eq!(
        moved_back, served.body,
        "an example date is not after today"
    );
    // Every error code is in the document, and error responses use the one shape.
    let codes = &committed["components"]["schemas"]["ErrorCode"];
    let listed = codes.to_string();
    for code in linli::error::ErrorCode::ALL {
        assert!(
            listed.contains(&format!("\"{}\"", code.as_str())),
            "{} not documented",
            code.as_str()
        );
    }
    let me = &committed["paths"]["/api/v1/me"]["get"]["responses"];
    assert!(me["401"].is_object() && me["4XX"].is_object() && me["5XX"].is_object());
    assert_eq!(
        committed["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // The interactive docs are served.
    let docs = app.get("/docs/", None).await;
    docs.expect(200, None);
    assert!(docs.text.contains("swagger"), "{}", docs.text);
}

/// A sample value for path parameter `name` of `op`: its example, else `1` for an integer and
/// `x` for anything else.
fn sample_path_value(op: &serde_json::Value, name: &str) -> String {
    let param = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["in"] == "path" && p["name"] == name)
        .unwrap_or_else(|| panic!("path parameter {name} is not declared"));
    if let Some(example) = param["example"].as_str() {
        return example.to_owned();
    }
    match param["schema"]["type"].as_str() {
        Some("integer") => "1".into(),
        _ => "x".into(),
    }
}

/// Whether an operation needs a credential, by its `security`: not when it is `[]` (public) or
/// lists an empty requirement (a token is optional).
fn requires_credential(op: &serde_json::Value) -> bool {
    op["security"].as_array().is_some_and(|alternatives| {
        !alternatives.is_empty()
            && alternatives
                .iter()
                .all(|a| a.as_object().is_some_and(|a| !a.is_empty()))
    })
}

#[actix_web::test]
async fn each_operations_security_says_whether_it_answers_401_without_a_token() {
    let doc: serde_json::Value = serde_json::from_str(&linli::openapi::document_json()).unwrap();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (mut secured, mut public) = (0, 0);
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            assert!(
                op["security"].is_array(),
                "{method} {template} does not declare its security"
            );
            let mut path = template.clone();
            while let Some(start) = path.find('{') {
                let end = start + path[start..].find('}').unwrap();
                let value = sample_path_value(op, &path[start + 1..end]);
                path.replace_range(start..=end, &value);
            }
            // Auth extractors come before the body in every handler: `{}` is not looked at
            // without a login.
            let body = (method != reqwest::Method::GET && method != reqwest::Method::DELETE)
                .then(|| json!({}));
            let r = app.request(method.clone(), &path, None, body, &[]).await;
            let unauthorized = r.status == 401 && r.body["code"] == "unauthorized";
            if requires_credential(op) {
                secured += 1;
                assert!(
                    unauthorized,
                    "{method} {path} declares {} but answered without a token: {} {}",
                    op["security"], r.status, r.text
                );
            } else {
                public += 1;
                // The token endpoint's `invalid_client` is about the client's credentials in
                // the request, not a missing token.
                assert!(
                    !unauthorized && r.status.as_u16() < 500,
                    "{method} {path} is public ({}) but answered {} {}",
                    op["security"],
                    r.status,
                    r.text
                );
            }
        }
    }
    assert!(
        secured > 100 && public > 15,
        "{secured} secured, {public} public"
    );
}

#[actix_web::test]
async fn schema_rs_matches_migrations_and_mysql_matches_sqlite() {
    let generated = linli::db::schema_gen::generate().expect("generate");
    assert!(
        generated == include_str!("../../api/src/db/schema.rs"),
        "api/src/db/schema.rs is stale. Regenerate it with:\n    cargo run -- schema > api/src/db/schema.rs"
    );
    let my = TestDb::new(Backend::Mysql);
    let mut my_conn = my.conn();
    linli::db::run_migrations(&mut my_conn).expect("migrate mysql");
    let lite = TestDb::new(Backend::Sqlite);
    let mut lite_conn = lite.conn();
    linli::db::run_migrations(&mut lite_conn).expect("migrate sqlite");
    let a = linli::db::schema_gen::describe(&mut my_conn).expect("describe mysql");
    let b = linli::db::schema_gen::describe(&mut lite_conn).expect("describe sqlite");
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "tables differ"
    );
    for (table, t) in &a {
        assert_eq!(
            t, &b[table],
            "table {table} differs between migrations/mysql and migrations/sqlite"
        );
    }
}

#[derive(diesel::QueryableByName)]
struct TableInfo {
    #[diesel(sql_type = diesel::sql_types::Text)]
    engine: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    collation: String,
}

#[actix_web::test]
async fn mysql_tables_are_innodb_utf8mb4() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn(Backend::Mysql).await;
    let mut conn = app.db.conn();
    let rows: Vec<TableInfo> = diesel::sql_query(
        "SELECT CAST(engine AS CHAR) AS engine, CAST(table_collation AS CHAR) AS collation \
         FROM information_schema.tables WHERE table_schema = DATABASE()",
    )
    .load(&mut conn)
    .unwrap();
    assert!(rows.len() > 5);
    for r in rows {
        assert_eq!(r.engine, "InnoDB");
        assert!(r.collation.starts_with("utf8mb4"), "{}", r.collation);
    }
}

#[actix_web::test]
async fn demo_seed_is_deterministic_and_safe_to_repeat() {
    let db = TestDb::new(Backend::Mysql);
    let mut conn = db.conn();
    linli::db::run_migrations(&mut conn).unwrap();
    let first = linli::seed::demo(&mut conn, 1).unwrap();
    assert!(first[0].contains("8 communities, 51 grids"), "{first:?}");
    assert!(first[0].contains("10000 households"), "{first:?}");
    let second = linli::seed::demo(&mut conn, 1).unwrap();
    assert!(second[0].contains("already loaded"), "{second:?}");
    use diesel::{QueryDsl, RunQueryDsl};
    use linli::db::schema::{cards, compounds};
    let n: i64 = cards::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 10_000);
    let charging: i64 = compounds::table
        .filter(diesel::ExpressionMethods::eq(compounds::has_charging, true))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(charging, 16);
    // The same first card on every run: number JC00001 with the first deterministic code.
    let (number, code): (String, String) = cards::table
        .order(cards::id)
        .select((cards::card_number, cards::check_code))
        .first(&mut conn)
        .unwrap();
    assert_eq!(number, "JC00001");
    assert_eq!(code, linli::places::seed::demo_check_codes(1)[0]);
}

#[test]
fn help_lists_commands_and_variables_without_secret_values() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("--help")
        .env(
            "LINLI_JWT_SECRET",
            "super-secret-value-that-must-not-show-0000",
        )
        .env("LINLI_WECHAT_SECRET", "wechat-secret-must-not-show")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "serve",
        "migrate",
        "seed",
        "openapi",
        "gateway",
        "LINLI_DEVICE_BIND",
        "LINLI_DATABASE_URL",
        "LINLI_BIND",
        "LINLI_JWT_SECRET",
        "LINLI_WECHAT_API_BASE",
        "LINLI_WECHAT_APPID",
        "LINLI_WECHAT_SECRET",
        "LINLI_ENV",
        "LINLI_DEV_LOGIN",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
    assert!(!help.contains("super-secret-value"), "{help}");
    assert!(!help.contains("wechat-secret-must-not-show"), "{help}");
}

#[test]
fn production_mode_refuses_to_start_without_secrets_or_with_dev_login() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("migrate")
        .env("LINLI_ENV", "production")
        .env("LINLI_JWT_SECRET", "")
        .env("LINLI_DATABASE_URL", "sqlite:///nonexistent/never.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("LINLI_JWT_SECRET")
            && err.contains("LINLI_PII_KEY")
            && err.contains("LINLI_PII_INDEX_KEY")
            && err.contains("production"),
        "{err}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
        .arg("migrate")
        .env("LINLI_ENV", "production")
        .env("LINLI_JWT_SECRET", "x".repeat(40))
        .env("LINLI_WECHAT_APPID", "wx1")
        .env("LINLI_WECHAT_SECRET", "s")
        .env("LINLI_PII_KEY", PII_KEY_1)
        .env("LINLI_PII_INDEX_KEY", PII_INDEX_KEY)
        .env("LINLI_DEV_LOGIN", "1")
        .env("LINLI_DATABASE_URL", "sqlite:///nonexistent/never.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("LINLI_DEV_LOGIN"));
}

#[actix_web::test]
async fn server_process_serves_and_stops_gracefully_on_sigterm() {
    let db = TestDb::new(Backend::Mysql);
    let server = ServerProcess::start(&db, &[]);
    let r = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid = server.pid();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.wait_exit(std::time::Duration::from_secs(25));
    assert_eq!(
        exit,
        Some(0),
        "the server should exit cleanly after SIGTERM"
    );
}

/// `HEAD` of `path` and its `GET` (same token, no compression asked): the same status, type,
/// `ETag` and length, and `HEAD` has no body. Returns the status.
async fn head_matches_get(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    let get = app
        .request(reqwest::Method::GET, path, token, None, &[])
        .await;
    let head = app
        .request(reqwest::Method::HEAD, path, token, None, &[])
        .await;
    assert_eq!(head.status, get.status, "HEAD {path}: {}", get.text);
    assert!(head.text.is_empty(), "HEAD {path} sent a body");
    for name in ["content-type", "etag", "location", "allow"] {
        assert_eq!(head.header(name), get.header(name), "HEAD {path}: {name}");
    }
    if get.header("transfer-encoding").is_none() {
        assert_eq!(
            head.header("content-length"),
            Some(get.text.len().to_string().as_str()),
            "HEAD {path}: Content-Length is not the GET body's length"
        );
    }
    get.status.as_u16()
}

on_both!(head_answers_like_get_on_every_get_route, |app| {
    let doc = app.get("/api/openapi.json", None).await;
    doc.expect(200, None);
    let staff = app.token("head-staff", "staff").await;
    let mut checked = 0;
    let mut ok = 0;
    for (template, item) in doc.body["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let mut path = template.clone();
        while let Some(start) = path.find('{') {
            let end = start + path[start..].find('}').unwrap();
            let value = sample_path_value(op, &path[start + 1..end]);
            path.replace_range(start..=end, &value);
        }
        for token in [None, Some(staff.as_str())] {
            if head_matches_get(&app, &path, token).await == 200 {
                ok += 1;
            }
            checked += 1;
        }
    }
    for path in [
        "/app/",
        "/app/app.js",
        "/app",
        "/docs/",
        "/docs",
        "/healthz",
        "/nowhere",
    ] {
        head_matches_get(&app, path, None).await;
    }
    assert_eq!(head_matches_get(&app, "/app/", None).await, 200);
    assert_eq!(head_matches_get(&app, "/healthz", None).await, 200);
    assert_eq!(head_matches_get(&app, "/docs/", None).await, 200);
    assert!(
        checked > 100 && ok > 20,
        "{checked} checked, {ok} answered 200"
    );
    // A path with no GET still says which methods it has.
    let r = app
        .request(reqwest::Method::HEAD, "/api/v1/bookings", None, None, &[])
        .await;
    r.expect(405, None);
    assert_eq!(r.header("allow"), Some("POST"));
});

/// The first lines the `linli` binary prints on stdout when it serves `db` with the
/// development login `dev_login`, up to its "running" line.
fn startup_output(db: &TestDb, dev_login: &str) -> String {
    use std::io::BufRead;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
        .env("LINLI_BIND", format!("127.0.0.1:{port}"))
        .env("LINLI_DATABASE_URL", &db.url)
        .env("LINLI_JWT_SECRET", JWT_SECRET)
        .env("LINLI_DEV_LOGIN", dev_login)
        .env("LINLI_PII_KEY", PII_KEY_1)
        .env("LINLI_PII_INDEX_KEY", PII_INDEX_KEY)
        .env("LINLI_SEED_DEMO", "0")
        .env("LINLI_WORKERS", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start linli");
    let mut out = String::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.expect("stdout");
        out.push_str(&line);
        out.push('\n');
        if line.contains("is running") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    out
}

#[test]
fn the_demo_prints_a_card_and_its_check_code_only_with_the_development_login() {
    let db = TestDb::new(Backend::Sqlite);
    db.migrate_and_seed();
    let number = linli::places::seed::card_number(1);
    let code = linli::places::seed::demo_check_codes(1).pop().unwrap();
    let on = startup_output(&db, "1");
    assert!(on.contains("is running"), "{on}");
    assert!(
        on.contains(&format!("服务卡号 {number}，校验码 {code}")),
        "{on}"
    );
    assert!(
        on.contains(&format!("/app/#/lookup/{number}/{code}")),
        "{on}"
    );
    let off = startup_output(&db, "0");
    assert!(off.contains("is running"), "{off}");
    assert!(!off.contains(&code) && !off.contains("服务卡号"), "{off}");
}
