//! The card lookup and the household binding take one path for an unknown card and for a
//! known card with a wrong code: the presented code is compared (constant time) with the
//! card's or with a dummy code, and only a right code goes on. Both answer alike, byte for
//! byte, whether the card index is cold or warm.

use super::*;

fn same(a: &Res, b: &Res) {
    assert_eq!(a.status, b.status, "{} / {}", a.text, b.text);
    assert_eq!(a.text, b.text);
    for h in ["content-type", "cache-control", "etag", "retry-after"] {
        assert_eq!(a.header(h), b.header(h), "header {h}");
    }
}

on_both!(
    card_lookup_unknown_card_and_wrong_code_answer_the_same,
    |app| {
        app.seed_demo();
        let known = linli::places::seed::card_number(5);
        let unknown = linli::places::seed::card_number(99_999);
        let wrong = wrong_code(5);
        // Cold (read from the database), then warm (from the card index), then once more.
        for _ in 0..3 {
            let a = app
                .get(&format!("/api/v1/cards/{known}?check_code={wrong}"), None)
                .await;
            let b = app
                .get(&format!("/api/v1/cards/{unknown}?check_code={wrong}"), None)
                .await;
            a.expect(404, Some("card_not_found"));
            same(&a, &b);
        }
        // The dummy code opens nothing, for an unknown card or a known one.
        let dummy = app
            .get(&format!("/api/v1/cards/{unknown}?check_code=000000"), None)
            .await;
        assert!(matches!(dummy.status.as_u16(), 404 | 422), "{}", dummy.text);
        // The right code still opens the card, cold and warm.
        for _ in 0..2 {
            app.get(
                &format!("/api/v1/cards/{known}?check_code={}", code(5)),
                None,
            )
            .await
            .expect(200, None);
        }
        // Binding: the same.
        let t = app.token("same-path", "resident").await;
        let a = app
            .post("/api/v1/me/household", Some(&t), bind_body(&known, &wrong))
            .await;
        let b = app
            .post(
                "/api/v1/me/household",
                Some(&t),
                bind_body(&unknown, &wrong),
            )
            .await;
        a.expect(404, Some("card_not_found"));
        same(&a, &b);
    }
);
