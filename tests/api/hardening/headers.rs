//! Security headers and public URLs.

use super::*;

#[actix_web::test]
async fn security_headers_nosniff_everywhere_no_store_on_api_csp_on_app_and_docs() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let login = app.dev_login("headers", "resident").await;
    let token = login["access_token"].as_str().unwrap();
    // Every response: nosniff. API answers, personal or carrying tokens: no-store.
    let health = app.get("/healthz", None).await;
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    let login = app
        .post("/api/v1/auth/dev", None, json!({"openid": "headers-2"}))
        .await;
    let me = app.get("/api/v1/me", Some(token)).await;
    let missing = app.get("/api/v1/no-such-thing", Some(token)).await;
    let unauthorised = app.get("/api/v1/me", None).await;
    for r in [&login, &me, &missing, &unauthorised] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{r:?}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    }
    // A read that chose its own caching keeps it (public, nothing personal in it).
    let services = app.get("/api/v1/services", None).await;
    services.expect(200, None);
    assert_eq!(services.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(services.header("x-content-type-options"), Some("nosniff"));
    // The resident app and the docs: CSP with frame-ancestors 'none', no referrer.
    for path in [
        "/app/",
        "/app/app.js",
        "/docs/",
        "/docs/swagger-initializer.js",
        "/docs/swagger-ui.css",
    ] {
        let r = app.get(path, None).await;
        r.expect(200, None);
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
    }
    // The docs' page loads only its own files (no inline scripts for the CSP to block).
    let docs = app.get("/docs/", None).await;
    assert!(!docs.text.contains("<script>"), "{}", docs.text);
}

#[actix_web::test]
async fn calendar_feed_url_is_built_from_the_public_base_url_not_from_host_headers() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.public_base_url = "https://linli.example.cn".into();
        c.trust_proxy = false;
    })
    .await;
    let token = app.token("feed-owner", "resident").await;
    let forged = [
        ("Host", "evil.example"),
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "http"),
        ("Forwarded", "host=evil.example;proto=http"),
    ];
    let r = app
        .request(
            reqwest::Method::POST,
            "/api/v1/me/calendar/rotate",
            Some(&token),
            None,
            &forged,
        )
        .await;
    r.expect(200, None);
    let url = r.body["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://linli.example.cn/api/v1/calendar/") && url.ends_with(".ics"),
        "{url}"
    );
    let r = app
        .request(
            reqwest::Method::GET,
            "/api/v1/me/calendar",
            Some(&token),
            None,
            &forged,
        )
        .await;
    assert_eq!(r.body["url"].as_str(), Some(url));
    assert!(!r.text.contains("evil"), "{}", r.text);
}
