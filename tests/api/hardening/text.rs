//! Free text: no control characters (line breaks only in long text), no direction overrides,
//! stored NFC-normalised; odd query values answer the same on both databases.

use super::*;

on_both!(
    free_text_refuses_controls_and_bidi_overrides_and_is_stored_nfc,
    |app| {
        let staff = app.token("text-staff", "staff").await;
        let refused = [
            (json!({"name": "队\u{0}名"}), "name"),
            (json!({"name": "队\u{7}名"}), "name"),
            (json!({"name": "第一行\n第二行"}), "name"),
            (json!({"name": "\u{202e}队名"}), "name"),
            (json!({"name": "队名\u{2067}"}), "name"),
            (
                json!({"name": "队", "description": "说明\u{202a}"}),
                "description",
            ),
            (
                json!({"name": "队", "description": "说明\u{0}"}),
                "description",
            ),
            (
                json!({"name": "队", "description": "说明\u{1b}[31m"}),
                "description",
            ),
        ];
        for (body, field) in refused {
            let r = app.post("/api/v1/teams", Some(&staff), body.clone()).await;
            r.expect(422, Some("validation_failed"));
            assert_eq!(r.body["field"], field, "{body}: {}", r.text);
        }
        // Long text keeps its line breaks and tabs; text is stored composed (NFC).
        let r = app
            .post(
                "/api/v1/teams",
                Some(&staff),
                json!({"name": "Cafe\u{301} 队", "description": "第一行\n第二行\t完"}),
            )
            .await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        let r = app.get(&format!("/api/v1/teams/{id}"), Some(&staff)).await;
        r.expect(200, None);
        assert_eq!(r.body["name"], "Caf\u{e9} 队");
        assert_eq!(r.body["description"], "第一行\n第二行\t完");
        // The composed and the decomposed spelling are one name.
        let r = app
            .post(
                "/api/v1/teams",
                Some(&staff),
                json!({"name": "Caf\u{e9} 队"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 409, "{}", r.text);
    }
);

on_both!(
    search_with_a_nul_answers_the_same_on_both_databases,
    |app| {
        for path in [
            "/api/v1/compounds?q=%00",
            "/api/v1/services?q=%00",
            "/api/v1/compounds?q=a%E2%80%AEb",
        ] {
            let r = app.get(path, None).await;
            r.expect(422, Some("validation_failed"));
            assert_eq!(r.body["field"], "q", "{path}: {}", r.text);
        }
    }
);
