//! The property-firm partner API: scoping to a firm's own compounds, clients and secrets, pile
//! management, reports and the audit log, rate limits, and signed webhooks from the outbox.

use serde_json::json;

use crate::support::*;

mod clients;
mod generated_client;
mod idempotent_posts;
mod maintenance;
mod piles;
mod reports;
mod retired;
mod scoping;
mod webhook_order;
mod webhook_safety;
mod webhook_schema;
pub(crate) mod webhooks;

pub(crate) const ALL_SCOPES: [&str; 4] = [
    "piles:read",
    "piles:write",
    "bookings:read",
    "webhooks:manage",
];

/// Two firms: A serves compounds 1 and 2, B serves compound 8.
pub(crate) struct Firms {
    pub(crate) staff: String,
    pub(crate) a: String,
    pub(crate) b: String,
    pub(crate) a_client: (String, String),
}

pub(crate) async fn client_for(
    app: &TestApp,
    staff: &str,
    partner: i64,
    scopes: &[&str],
) -> (String, String) {
    let r = app
        .post(
            &format!("/api/v1/partners/{partner}/clients"),
            Some(staff),
            json!({"name": "系统", "scopes": scopes}),
        )
        .await;
    r.expect(201, None);
    (
        r.body["client_id"].as_str().unwrap().to_owned(),
        r.body["client_secret"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn exchange(app: &TestApp, id: &str, secret: &str) -> Res {
    app.post(
        "/api/v1/partner/token",
        None,
        json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
    )
    .await
}

pub(crate) async fn token_of(app: &TestApp, creds: &(String, String)) -> String {
    let r = exchange(app, &creds.0, &creds.1).await;
    r.expect(200, None);
    r.body["access_token"].as_str().unwrap().to_owned()
}

pub(crate) async fn firms(app: &TestApp) -> Firms {
    app.seed_demo();
    let staff = app.token("partner-staff", "staff").await;
    let a = app
        .post(
            "/api/v1/partners",
            Some(&staff),
            json!({"name": "天和物业", "compound_ids": [1, 2]}),
        )
        .await;
    a.expect(201, None);
    let b = app
        .post(
            "/api/v1/partners",
            Some(&staff),
            json!({"name": "西湖物业", "compound_ids": [8]}),
        )
        .await;
    b.expect(201, None);
    let a_client = client_for(app, &staff, a.body["id"].as_i64().unwrap(), &ALL_SCOPES).await;
    let b_client = client_for(app, &staff, b.body["id"].as_i64().unwrap(), &ALL_SCOPES).await;
    Firms {
        a: token_of(app, &a_client).await,
        b: token_of(app, &b_client).await,
        staff,
        a_client,
    }
}
