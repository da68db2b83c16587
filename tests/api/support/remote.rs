//! Set-up over plain HTTP against any server's base URL (a [`super::ServerProcess`] has no
//! [`super::TestApp`] around it): logins, residents of a household, a partner with a webhook.

use diesel::prelude::*;
use serde_json::{json, Value};

use super::TestDb;

/// Log in through the development login on a server process: (access token, user id).
pub async fn dev_login_at(
    http: &reqwest::Client,
    base: &str,
    openid: &str,
    role: &str,
) -> (String, i64) {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/dev"))
        .json(&json!({"openid": openid, "role": role}))
        .send()
        .await
        .expect("dev login")
        .json()
        .await
        .expect("dev login answer");
    (
        v["access_token"].as_str().expect("token").to_owned(),
        v["user"]["id"].as_i64().expect("user id"),
    )
}

/// A resident of the given household (bound directly in the database): (token, user id).
pub async fn resident_at(
    db: &TestDb,
    http: &reqwest::Client,
    base: &str,
    openid: &str,
    household: i64,
) -> (String, i64) {
    let (token, uid) = dev_login_at(http, base, openid, "resident").await;
    bind_in_database(db, uid, household);
    (token, uid)
}

/// Make `user_id` an active member of `household` directly in the database, as an approved
/// request leaves it: the membership row, the household's member count and the user's
/// household.
pub fn bind_in_database(db: &TestDb, user_id: i64, household: i64) {
    use linli::db::schema::{households, memberships as m, users};
    let mut conn = db.conn();
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(m::table)
        .values((
            m::household_id.eq(household),
            m::user_id.eq(user_id),
            m::role.eq("member"),
            m::status.eq("active"),
            m::live_user_id.eq(Some(user_id)),
            m::valid_from.eq(now),
            m::created_at.eq(now),
            m::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .expect("membership");
    diesel::update(households::table.find(household))
        .set(households::active_members.eq(households::active_members + 1))
        .execute(&mut conn)
        .expect("member count");
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set(users::household_id.eq(Some(household)))
        .execute(&mut conn)
        .expect("bind household");
}

/// A property firm serving `compounds`, with a webhook subscription for `events` to `url`,
/// set up through a server process. Returns the subscription id.
pub async fn partner_with_webhook(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    compounds: &[i64],
    events: &[&str],
    url: &str,
) -> i64 {
    let (staff, _) = dev_login_at(http, base, &format!("{name}-staff"), "staff").await;
    let post = |path: String, token: Option<String>, body: Value| {
        let http = http.clone();
        async move {
            let mut req = http.post(path).json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.expect("partner set-up");
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!((200..300).contains(&status), "partner set-up: {status} {v}");
            v
        }
    };
    let partner = post(
        format!("{base}/api/v1/partners"),
        Some(staff.clone()),
        json!({"name": name, "compound_ids": compounds}),
    )
    .await;
    let creds = post(
        format!("{base}/api/v1/partners/{}/clients", partner["id"]),
        Some(staff),
        json!({"name": "hooks", "scopes": ["webhooks:manage"]}),
    )
    .await;
    let token = post(
        format!("{base}/api/v1/partner/token"),
        None,
        json!({"client_id": creds["client_id"], "client_secret": creds["client_secret"]}),
    )
    .await;
    let sub = post(
        format!("{base}/api/v1/partner/webhooks"),
        token["access_token"].as_str().map(str::to_owned),
        json!({"url": url, "events": events}),
    )
    .await;
    sub["id"].as_i64().expect("subscription id")
}
