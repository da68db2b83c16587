//! Outbound HTTPS: the fake WeChat and the webhook receivers speak HTTPS with a certificate
//! from a CA made in the test, trusted only through `LINLI_EXTRA_CA_FILE`; what is not trusted
//! is refused with a clear error, and the real WeChat is reached over `https://`.

use serde_json::json;

use crate::support::*;

#[test]
fn the_default_wechat_base_url_is_https() {
    let base = linli::config::Config::defaults().wechat_api_base;
    assert_eq!(base, "https://api.weixin.qq.com");
}

#[actix_web::test]
async fn login_through_a_wechat_with_an_untrusted_certificate_is_a_502() {
    let app =
        TestApp::spawn_with_wechat(Backend::Sqlite, FakeWechat::start_untrusted(), |_| {}).await;
    let r = app
        .post("/api/v1/auth/wechat", None, json!({"code": "ok-untrusted"}))
        .await;
    r.expect(502, Some("upstream_certificate_untrusted"));
    assert!(
        app.wechat.log.lock().unwrap().requests.is_empty(),
        "the code and the app secret were never sent"
    );
}

#[actix_web::test]
async fn without_the_extra_ca_file_the_test_ca_is_not_trusted() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.extra_ca_file = None).await;
    let r = app
        .post(
            "/api/v1/auth/wechat",
            None,
            json!({"code": "ok-public-roots"}),
        )
        .await;
    r.expect(502, Some("upstream_certificate_untrusted"));
}

#[test]
fn a_bad_extra_ca_file_stops_the_server_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "this is not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    for (file, says) in [
        (&not_pem, "no PEM certificate"),
        (&missing, "cannot read it"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli"))
            .arg("serve")
            .env("LINLI_EXTRA_CA_FILE", file)
            .env("LINLI_BIND", "127.0.0.1:0")
            .env("LINLI_DATA_DIR", dir.path())
            .env(
                "LINLI_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("never.db").display()),
            )
            .env("LINLI_SEED_DEMO", "0")
            .env("LINLI_PII_KEY", crate::support::PII_KEY_1)
            .env("LINLI_PII_INDEX_KEY", crate::support::PII_INDEX_KEY)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("LINLI_EXTRA_CA_FILE") && err.contains(says),
            "{err}"
        );
    }
}
