//! Slow, oversized and odd requests: each refused in the API's JSON error shape with a request
//! id, where the app gets to answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;

/// Send `head`, then trickle `trickle` one byte every 300 ms until the server closes the
/// connection (or the bytes run out); returns everything the server sent.
fn trickle(port: u16, head: &str, trickle: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A guard against a hang, not a timing assertion: the server must close long before.
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        let done = done.clone();
        let bytes = trickle.to_vec();
        std::thread::spawn(move || {
            for b in bytes {
                if done.load(Ordering::SeqCst) || stream.write_all(&[b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(
        read.is_ok(),
        "the server did not close the connection: {read:?}"
    );
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::test]
async fn slow_bodies_are_answered_408_and_dropped_within_the_request_timeout() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.request_timeout_secs = 2).await;
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    // A body announced as 200 bytes, sent one byte at a time (200 bytes would take a minute).
    let head = "POST /api/v1/auth/dev HTTP/1.1\r\nHost: linli\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n";
    let answer = actix_web::rt::task::spawn_blocking(move || trickle(port, head, &[b' '; 200]))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-request-id:"),
        "{answer}"
    );
    // A head trickled in the same way: actix's own 408 (its dispatcher answers before the app).
    let answer = actix_web::rt::task::spawn_blocking(move || {
        trickle(port, "GET /healthz HTTP/1.1\r\n", &[b'X'; 200])
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // The server still serves.
    app.get("/healthz", None).await.expect(200, None);
}

#[actix_web::test]
async fn http_refusals_431_414_413_have_the_json_shape_and_a_request_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let long_url = format!("/api/v1/compounds?q={}", "a".repeat(9000));
    let r = app.get(&long_url, None).await;
    r.expect(414, Some("uri_too_long"));
    assert!(r.header("x-request-id").is_some());
    let pad = "p".repeat(20 * 1024);
    let r = app
        .request(
            reqwest::Method::GET,
            "/api/v1/compounds",
            None,
            None,
            &[("X-Pad", &pad)],
        )
        .await;
    r.expect(431, Some("headers_too_large"));
    assert!(r.header("x-request-id").is_some());
    let big = json!({"openid": "x".repeat(70 * 1024)});
    let r = app.post("/api/v1/auth/dev", None, big).await;
    r.expect(413, Some("payload_too_large"));
    assert_eq!(r.body["field"], "body");
    assert!(r.header("x-request-id").is_some());
    // English on request, like every other error.
    let r = app
        .request(
            reqwest::Method::GET,
            &long_url,
            None,
            None,
            &[("Accept-Language", "en")],
        )
        .await;
    r.expect(414, Some("uri_too_long"));
    assert!(r.body["message"].as_str().unwrap().contains("too long"));
}

on_both!(
    duplicate_query_parameters_are_named_and_messages_have_no_rust_types,
    |app| {
        let r = app.get("/api/v1/compounds?page=1&page=2", None).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "page", "{}", r.text);
        let r = app.get("/api/v1/compounds?per_page=ten", None).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "per_page", "{}", r.text);
        let token = app.token("types", "staff").await;
        let r = app
            .post("/api/v1/teams", Some(&token), json!({"name": 5}))
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "name", "{}", r.text);
        let r2 = app
            .post(
                "/api/v1/teams",
                Some(&token),
                json!({"name": "队", "community_id": "one"}),
            )
            .await;
        r2.expect(422, Some("validation_failed"));
        assert_eq!(r2.body["field"], "community_id", "{}", r2.text);
        for r in [&r, &r2] {
            let message = r.body["message"].as_str().unwrap();
            for rust in [
                "u32",
                "i64",
                "usize",
                "Option",
                "struct",
                "expected",
                "invalid type",
                "`",
            ] {
                assert!(!message.contains(rust), "{message}");
            }
        }
    }
);
