//! Roles that outlive their removal: every request that uses a role or a partner scope checks
//! it against the database (through a cache of at most `LINLI_AUTH_CACHE_MS`).

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use super::*;
use crate::partners::{client_for, firms, token_of, ALL_SCOPES};

async fn without_cache(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.auth_cache_ms = 0).await
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

// Demoted through the API: the staff member's token in hand is refused at the next staff call,
// and the refresh of their login carries the new role.
on_both!(
    stale_roles_a_demoted_staff_members_old_token_is_refused_and_refresh_carries_the_new_role,
    spawn = without_cache,
    |app| {
        let admin = app.token("roles-admin", "admin").await;
        let login = app.dev_login("roles-staff", "staff").await;
        let staff = login["access_token"].as_str().unwrap().to_owned();
        let refresh = login["refresh_token"].as_str().unwrap().to_owned();
        let id = login["user"]["id"].as_i64().unwrap();
        app.get("/api/v1/partners", Some(&staff))
            .await
            .expect(200, None);
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{id}/role"),
            Some(&admin),
            Some(json!({"role": "resident"})),
            &[],
        )
        .await
        .expect(200, None);
        app.get("/api/v1/partners", Some(&staff))
            .await
            .expect(403, Some("forbidden"));
        // Still a resident: resident calls go on.
        app.get("/api/v1/me", Some(&staff)).await.expect(200, None);
        let again = app
            .post(
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": refresh}),
            )
            .await;
        again.expect(200, None);
        assert_eq!(again.body["user"]["role"], "resident");
        let fresh = again.body["access_token"].as_str().unwrap();
        assert_eq!(payload(fresh)["role"], "resident");
        app.get("/api/v1/partners", Some(fresh))
            .await
            .expect(403, Some("forbidden"));
        // Promoted again: the old token is staff's again (its role is the database's).
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/users/{id}/role"),
            Some(&admin),
            Some(json!({"role": "staff"})),
            &[],
        )
        .await
        .expect(200, None);
        app.get("/api/v1/partners", Some(&staff))
            .await
            .expect(200, None);
    }
);

// Demoted in the database by another process: with the default cache (2 s) the power ends
// within the cache's lifetime.
on_both!(
    stale_roles_the_default_cache_forgets_a_demotion_within_its_lifetime,
    |app| {
        assert_eq!(app.state.config.auth_cache_ms, 2000);
        let staff = app.token("roles-cached", "staff").await;
        let primed = Instant::now();
        app.get("/api/v1/partners", Some(&staff))
            .await
            .expect(200, None);
        {
            let mut conn = app.db.conn();
            let changed = linli::auth::model::User::set_role(
                &mut conn,
                "dev:roles-cached",
                linli::auth::Role::Resident,
            )
            .unwrap();
            assert_eq!(changed, 1);
        }
        let cached = app.get("/api/v1/partners", Some(&staff)).await;
        if primed.elapsed() < Duration::from_millis(1500) {
            // This process read the role less than 2 s ago: it still holds it.
            cached.expect(200, None);
        }
        let mut status = 0;
        let deadline = Instant::now() + Duration::from_secs(4);
        while Instant::now() < deadline {
            status = app
                .get("/api/v1/partners", Some(&staff))
                .await
                .status
                .as_u16();
            if status == 403 {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(status, 403, "the demotion did not take effect");
        assert!(
            primed.elapsed() >= Duration::from_millis(1900),
            "refused before the cache could have expired"
        );
    }
);

// A partner client whose scope is withdrawn is refused that scope at its next call with the
// token it holds (403), keeps the others; revoked, it is 401.
on_both!(
    stale_roles_a_withdrawn_partner_scope_is_refused_403_and_a_revoked_client_401,
    spawn = without_cache,
    |app| {
        let f = firms(&app).await;
        let creds = client_for(&app, &f.staff, 1, &ALL_SCOPES).await;
        let token = token_of(&app, &creds).await;
        app.get("/api/v1/partner/webhooks", Some(&token))
            .await
            .expect(200, None);
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/partner-clients/{}/scopes", creds.0),
            Some(&f.staff),
            Some(json!({"scopes": ["piles:read"]})),
            &[],
        )
        .await
        .expect(204, None);
        let r = app.get("/api/v1/partner/webhooks", Some(&token)).await;
        r.expect(403, Some("insufficient_scope"));
        assert_eq!(r.body["details"]["required"], "webhooks:manage");
        app.get("/api/v1/partner/compounds", Some(&token))
            .await
            .expect(200, None);
        // Residents and partners cannot change scopes; nor can staff of an unknown client.
        let resident = app.token("roles-resident", "resident").await;
        app.request(
            reqwest::Method::PUT,
            &format!("/api/v1/partner-clients/{}/scopes", creds.0),
            Some(&resident),
            Some(json!({"scopes": ALL_SCOPES})),
            &[],
        )
        .await
        .expect(403, Some("forbidden"));
        app.request(
            reqwest::Method::PUT,
            "/api/v1/partner-clients/pc_nobody/scopes",
            Some(&f.staff),
            Some(json!({"scopes": ["piles:read"]})),
            &[],
        )
        .await
        .expect(404, Some("not_found"));
        app.post(
            &format!("/api/v1/partner-clients/{}/revoke", creds.0),
            Some(&f.staff),
            json!({}),
        )
        .await
        .expect(204, None);
        app.get("/api/v1/partner/compounds", Some(&token))
            .await
            .expect(401, Some("invalid_token"));
        // The other firm's token is untouched.
        app.get("/api/v1/partner/compounds", Some(&f.b))
            .await
            .expect(200, None);
    }
);
