//! Check-code guessing when binding a household: wrong codes are counted per card and per
//! account in the database (so across processes); after 5 wrong codes for one card within an
//! hour, binding that card answers 429 with `Retry-After` for an hour, right code or not, and
//! staff see it in the audit log. An unknown card and a wrong code answer the same.

use chrono::Duration;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// A check code of the right shape that is not card `n`'s.
fn wrong_code(n: usize) -> String {
    let right = code(n);
    ["222222", "333333"]
        .into_iter()
        .find(|c| *c != right)
        .unwrap()
        .to_owned()
}

fn bind_body(n: usize, check: &str) -> Value {
    json!({"card_number": linli::places::seed::card_number(n), "check_code": check})
}

on_both!(
    check_code_guessing_locks_the_card_for_an_hour_and_tells_staff,
    |app| {
        app.seed_demo();
        let (guesser, bob) = (
            app.token("guess-a", "resident").await,
            app.token("guess-b", "resident").await,
        );
        for _ in 0..5 {
            app.post(
                "/api/v1/me/household",
                Some(&guesser),
                bind_body(1, &wrong_code(1)),
            )
            .await
            .expect(404, Some("card_not_found"));
        }
        // The card is locked, for the right code and for any account.
        for t in [&guesser, &bob] {
            let r = app
                .post("/api/v1/me/household", Some(t), bind_body(1, &code(1)))
                .await;
            r.expect(429, Some("rate_limited"));
            let wait: i64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((3500..=3600).contains(&wait), "Retry-After {wait}");
        }
        // Another card binds.
        app.post("/api/v1/me/household", Some(&bob), bind_body(2, &code(2)))
            .await
            .expect(202, None);
        let staff = app.token("guess-staff", "staff").await;
        let log = app
            .get("/api/v1/audit-log?per_page=100", Some(&staff))
            .await;
        log.expect(200, None);
        let locked = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "card.bind_locked")
            .count();
        assert_eq!(locked, 1, "{}", log.text);
        // An hour later the card binds again.
        app.clock.advance(Duration::minutes(61));
        let carol = app.token("guess-c", "resident").await;
        app.post("/api/v1/me/household", Some(&carol), bind_body(1, &code(1)))
            .await
            .expect(202, None);
    }
);

on_both!(
    binding_with_an_unknown_card_and_with_a_wrong_code_answer_the_same,
    |app| {
        app.seed_demo();
        let t = app.token("same-a", "resident").await;
        let wrong = app
            .post(
                "/api/v1/me/household",
                Some(&t),
                bind_body(3, &wrong_code(3)),
            )
            .await;
        let unknown = app
            .post(
                "/api/v1/me/household",
                Some(&t),
                bind_body(99_999, &wrong_code(3)),
            )
            .await;
        wrong.expect(404, Some("card_not_found"));
        unknown.expect(404, Some("card_not_found"));
        assert_eq!(wrong.body, unknown.body);
    }
);

/// Wrong codes for one card sent through three server processes on one database, from an
/// account on each: the count is the database's, so the sixth attempt is refused wherever it
/// lands.
#[actix_web::test]
async fn check_code_guessing_is_counted_across_three_processes() {
    let db = TestDb::seeded_mysql();
    let servers = ServerProcess::start_many(&db, &[("LINLI_BACKGROUND_JOBS", "0")], PROCESSES);
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        tokens.push(
            dev_login_at(&http, &s.base, &format!("procs-guess-{i}"), "resident")
                .await
                .0,
        );
    }
    let bind = |i: usize, check: String| {
        let (http, s, t) = (
            http.clone(),
            &servers[i % PROCESSES],
            tokens[i % PROCESSES].clone(),
        );
        async move {
            http.post(format!("{}/api/v1/me/household", s.base))
                .bearer_auth(t)
                .json(&bind_body(4, &check))
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..5 {
        assert_eq!(bind(i, wrong_code(4)).await.status().as_u16(), 404);
    }
    for i in 5..8 {
        let r = bind(i, code(4)).await;
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }
}
