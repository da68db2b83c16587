//! A firm's integration through a client generated from the committed OpenAPI document
//! (issue 21): `mobile-client-spec/partner-client/first-hour.ts`, openapi-fetch over the types
//! openapi-typescript generates from `openapi/openapi.json`, bundled into
//! `partner-client/dist/first-hour.mjs`. Node runs it as a child against the real binary on a
//! MySQL database: the firm's first hour, then every operation the served document tags
//! `partner` or `partner-admin`, the CSV report parsed and compared with the JSON one.
//!
//! Here and not in `scripts/browser-test`: it needs MySQL (production's database), a resident
//! bound in the database and the server's webhook worker, all of which this harness has; and
//! `scripts/test` is what every change runs.

use std::process::{Command, Output};

use diesel::prelude::*;

use crate::support::*;

/// The server the script plays against: webhooks to the script's own plain-HTTP receiver on
/// loopback allowed, retried fast.
fn server(db: &TestDb) -> ServerProcess {
    ServerProcess::start(
        db,
        &[
            ("LINLI_BACKGROUND_JOBS", "1"),
            ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
            ("LINLI_WEBHOOK_ALLOW_HTTP", "1"),
            ("LINLI_WEBHOOK_POLL_MS", "50"),
            ("LINLI_WEBHOOK_RETRY_SCALE", "0.0005"),
            ("LINLI_WEBHOOK_TIMEOUT_MS", "1000"),
        ],
    )
}

/// Run the bundled script with a staff member's and a resident's token; `skip`: leave out the
/// steps of this operation.
async fn first_hour(db: &TestDb, base: &str, household: i64, skip: Option<&str>) -> Output {
    let http = http_client();
    let (staff, _) = dev_login_at(&http, base, &format!("fh-staff-{household}"), "staff").await;
    let (resident, _) =
        resident_at(db, &http, base, &format!("fh-res-{household}"), household).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/mobile-client-spec/partner-client/dist/first-hour.mjs"
    );
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .env("LINLI_BASE_URL", base)
        .env("LINLI_STAFF_TOKEN", staff)
        .env("LINLI_RESIDENT_TOKEN", resident)
        .env_remove("LINLI_FIRST_HOUR_SKIP");
    if let Some(op) = skip {
        cmd.env("LINLI_FIRST_HOUR_SKIP", op);
    }
    // Blocking is fine: the server is a process of its own.
    cmd.output()
        .expect("run node (Node 20 or newer is needed; scripts/test installs it)")
}

/// The operations the committed document tags `partner` or `partner-admin`.
fn partner_operations() -> usize {
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| {
            op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "partner" || t == "partner-admin"))
        })
        .count()
}

/// The first demo household of a compound other than household 1's (a compound has one firm).
fn household_elsewhere(db: &TestDb) -> i64 {
    use linli::db::schema::{buildings, households};
    let compound_of = |id: i64, conn: &mut _| -> i64 {
        households::table
            .inner_join(buildings::table)
            .filter(households::id.eq(id))
            .select(buildings::compound_id)
            .first(conn)
            .unwrap()
    };
    let mut conn = db.conn();
    let first = compound_of(1, &mut conn);
    households::table
        .inner_join(buildings::table)
        .filter(buildings::compound_id.ne(first))
        .order(households::id)
        .select(households::id)
        .first(&mut conn)
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[actix_web::test]
async fn generated_client_plays_a_firms_first_hour_and_calls_every_partner_operation() {
    let db = TestDb::seeded_mysql();
    let server = server(&db);

    let out = first_hour(&db, &server.base, 1, None).await;
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    let n = partner_operations();
    assert!(n >= 28, "{n}");
    assert!(
        log.contains(&format!(
            "every partner and partner-admin operation of the document was called: {n} operations"
        )),
        "{log}"
    );
    assert!(
        log.contains("200 GET /api/v1/partner/reports/utilisation"),
        "{log}"
    );

    // An operation no step calls fails the script, naming it.
    let other = household_elsewhere(&db);
    let out = first_hour(&db, &server.base, other, Some("GET /api/v1/audit-log")).await;
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("partner operations this script never called")
            && log.contains("\n  GET /api/v1/audit-log"),
        "{log}"
    );
}
