//! Cacheable card views: ETags that revalidate (also gzip-compressed, under their own ETag),
//! a resident's own card as the same view, and an edit that changes the ETag.

use serde_json::json;

use super::*;
use crate::on_both;

/// The demo data and a first lookup of card JC00001: (path, answer, its ETag).
async fn first_lookup(app: &TestApp) -> (String, Res, String) {
    app.seed_demo();
    let path = lookup_path("JC00001", &code(1));
    let first = app.get(&path, None).await;
    first.expect(200, None);
    let etag = first.header("etag").unwrap().to_owned();
    (path, first, etag)
}

on_both!(a_lookup_revalidates_with_its_etag, |app| {
    let (path, _, etag) = first_lookup(&app).await;
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    assert_eq!(r.status.as_u16(), 304);
    assert!(r.text.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", "\"something-else\"")],
        )
        .await;
    r.expect(200, None);
});

on_both!(
    gzip_answers_have_their_own_etag_and_either_revalidates,
    |app| {
        let (path, first, etag) = first_lookup(&app).await;
        // Phones accept gzip: the same JSON, compressed, under its own ETag; either ETag
        // revalidates.
        let res = app
            .http
            .get(format!("{}{path}", app.base))
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-encoding"], "gzip");
        assert_eq!(res.headers()["vary"], "accept-encoding");
        let gz_etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(gz_etag, etag);
        let zipped = res.bytes().await.unwrap();
        let mut json = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut json)
            .unwrap();
        assert_eq!(json, first.text);
        assert!(
            zipped.len() * 2 < json.len(),
            "{} vs {}",
            zipped.len(),
            json.len()
        );
        for (accept, tag) in [("gzip", etag.as_str()), ("identity", gz_etag.as_str())] {
            let r = app
                .request(
                    reqwest::Method::GET,
                    &path,
                    None,
                    None,
                    &[("If-None-Match", tag), ("Accept-Encoding", accept)],
                )
                .await;
            assert_eq!(r.status.as_u16(), 304, "{accept} {tag}");
        }
        let r = app
            .request(
                reqwest::Method::GET,
                &path,
                None,
                None,
                &[("Accept-Encoding", "gzip;q=0, identity")],
            )
            .await;
        assert_eq!(r.header("content-encoding"), None);
        assert_eq!(r.text, first.text);
    }
);

on_both!(my_card_is_the_same_view_as_a_scan, |app| {
    app.seed_demo();
    // My card: not bound yet, then the same view as the scan.
    let login = app.dev_login("own-card", "resident").await;
    let token = login["access_token"].as_str().unwrap();
    app.get("/api/v1/me/card", Some(token))
        .await
        .expect(404, Some("household_not_bound"));
    app.get("/api/v1/me/card", None)
        .await
        .expect(401, Some("unauthorized"));
    app.bind_and_approve(token, "JC00002", &code(2)).await;
    let mine = app.get("/api/v1/me/card", Some(token)).await;
    mine.expect(200, None);
    let scanned = app.get(&lookup_path("JC00002", &code(2)), None).await;
    assert_eq!(mine.body, scanned.body);
    assert_eq!(mine.header("etag"), scanned.header("etag"));
});

on_both!(a_staff_edit_changes_the_etag, |app| {
    let (path, first, etag) = first_lookup(&app).await;
    // A staff edit changes the ETag.
    let staff = app.token("etag-staff", "staff").await;
    let centre = first.body["service_centre"]["id"].as_i64().unwrap();
    app.request(
        reqwest::Method::PATCH,
        &format!("/api/v1/services/{centre}"),
        Some(&staff),
        Some(json!({"phones": [{"number": "0933-3319999", "description": "新值班电话"}]})),
        &[],
    )
    .await
    .expect(200, None);
    let r = app
        .request(
            reqwest::Method::GET,
            &path,
            None,
            None,
            &[("If-None-Match", etag.as_str())],
        )
        .await;
    r.expect(200, None);
    assert_ne!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.body["service_centre"]["phone"], "0933-3319999");
    assert!(r.text.contains("0933-3319999"));
});
