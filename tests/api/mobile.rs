//! Mobile clients: the resident web app served at `/app/`, and the committed typed
//! client generated from the committed OpenAPI document.

use reqwest::redirect::Policy;
use sha2::{Digest, Sha256};

use crate::support::{Backend, TestApp};

/// `mobile-client-spec/client/` is generated from `openapi/openapi.json`; it records the hash of
/// the document it came from. After `linli openapi > openapi/openapi.json`, regenerate it.
#[test]
fn generated_client_matches_the_openapi_document() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read(format!("{root}/openapi/openapi.json")).unwrap();
    let recorded =
        std::fs::read_to_string(format!("{root}/mobile-client-spec/client/openapi.sha256"))
            .unwrap();
    assert_eq!(
        recorded.split_whitespace().next().unwrap(),
        hex::encode(Sha256::digest(&doc)),
        "the typed client is stale: run `(cd mobile-client-spec && npm ci && npm run gen:client && npm run build:web)`"
    );
}

/// Two request types once shared the name `CheckInRequest`, so the document told phones to
/// send `{"code"}` to the booking check-in, which the server refuses.
#[test]
fn booking_and_activity_check_in_have_their_own_request_schemas() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{root}/openapi/openapi.json")).unwrap())
            .unwrap();
    let schema_of = |path: &str| {
        let r = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        doc["components"]["schemas"][&r]["required"].clone()
    };
    assert_eq!(
        schema_of("/api/v1/bookings/{id}/check-in"),
        serde_json::json!(["socket_code"])
    );
    assert_eq!(
        schema_of("/api/v1/activities/{id}/check-in"),
        serde_json::json!(["code"])
    );
}

#[actix_web::test]
async fn the_web_app_is_served_at_app() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| http.get(format!("{}{path}", app.base)).send();

    let res = get("/app").await.unwrap();
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/app/");

    let res = get("/app/").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-CN">"#), "{html}");
    assert!(html.contains("width=device-width"), "{html}");
    let js = html
        .split('"')
        .find(|s| s.starts_with("/app/app.js?v="))
        .expect("index.html names app.js with its hash")
        .to_owned();

    // Revalidation: same ETag, 304 without a body.
    let res = http
        .get(format!("{}/app/", app.base))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    let res = get(&js).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(res.text().await.unwrap().contains("/api/v1/"));

    let res = get("/app/app.css").await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-cache");

    let res = get("/app/secrets.txt").await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let res = get("/app/../openapi/openapi.json").await.unwrap();
    assert_eq!(res.status(), 404);
}
