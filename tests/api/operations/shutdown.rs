//! SIGTERM with a request in flight: the process stops accepting, finishes the request (a
//! login waiting on a slow WeChat), and exits 0.

use std::time::Duration;

use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let db = TestDb::new(Backend::Mysql);
    let wechat = FakeWechat::start(); // the code `slow` is answered after 3 s
    let server = ServerProcess::start(
        &db,
        &[
            ("LINLI_WECHAT_API_BASE", wechat.base.as_str()),
            ("LINLI_WECHAT_APPID", "wx-test-app"),
            ("LINLI_WECHAT_SECRET", "wx-test-secret"),
            ("LINLI_WECHAT_TIMEOUT_MS", "10000"),
            ("LINLI_SHUTDOWN_GRACE_SECS", "15"),
            ("LINLI_BACKGROUND_JOBS", "1"),
        ],
    );
    let url = format!("{}/api/v1/auth/wechat", server.base);
    let in_flight = actix_web::rt::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&json!({"code": "slow"}))
            .send()
            .await
    });
    let log = wechat.log.clone();
    eventually(10, "the login reached WeChat", || {
        !log.lock().unwrap().requests.is_empty()
    })
    .await;

    server.terminate();
    // New connections are refused while the login is still waiting on WeChat.
    let port: u16 = server.base.rsplit(':').next().unwrap().parse().unwrap();
    eventually(10, "the listener closed", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
    })
    .await;
    let answered = in_flight
        .await
        .unwrap()
        .expect("the login in flight was answered");
    assert_eq!(answered.status(), 200);
    let body: serde_json::Value = answered.json().await.unwrap();
    assert!(body["access_token"].as_str().is_some());
    assert_eq!(server.wait_exit(Duration::from_secs(30)), Some(0));
}
