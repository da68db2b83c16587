//! Staff print sheets: A4 SVG pages of convenience cards and of socket stickers. The QR codes
//! are decoded from the SVG (rasterised here, read by `rqrr`) and what they say is used as the
//! app would: the card lookup and the socket's code.

use diesel::prelude::*;
use serde_json::Value;

use crate::on_both;
use crate::support::*;

/// The QR codes of an SVG sheet, decoded: each `<svg class="qr" … viewBox="0 0 N N">` holds a
/// path of unit squares `M{col} {row}h1v1h-1z`; it is drawn at 4 pixels a module and read.
fn decode_qr_codes(svg: &str) -> Vec<String> {
    svg.split(r#"<svg class="qr""#)
        .skip(1)
        .map(|qr| {
            let view = qr.split(r#"viewBox="0 0 "#).nth(1).expect("viewBox");
            let n: usize = view.split(' ').next().unwrap().parse().expect("size");
            let d = qr
                .split(r##"<path fill="#000" d=""##)
                .nth(1)
                .expect("path")
                .split('"')
                .next()
                .unwrap();
            let mut dark = vec![false; n * n];
            for square in d.split('M').filter(|s| !s.is_empty()) {
                let square = square.strip_suffix("h1v1h-1z").expect("a unit square");
                let (col, row) = square.split_once(' ').expect("col row");
                let (col, row): (usize, usize) = (col.parse().unwrap(), row.parse().unwrap());
                dark[row * n + col] = true;
            }
            let px = 4;
            let mut img = rqrr::PreparedImage::prepare_from_greyscale(n * px, n * px, |x, y| {
                if dark[(y / px) * n + x / px] {
                    0
                } else {
                    255
                }
            });
            let grids = img.detect_grids();
            assert_eq!(grids.len(), 1, "one QR code per element");
            grids[0].decode().expect("a readable QR code").1
        })
        .collect()
}

async fn sheet(app: &TestApp, path: &str, token: &str) -> Res {
    app.get(path, Some(token)).await
}

/// The building and community of demo card `n`, from its public lookup.
async fn place_of_card(app: &TestApp, n: usize) -> (i64, i64) {
    let code = linli::places::seed::demo_check_codes(n)[n - 1].clone();
    let number = linli::places::seed::card_number(n);
    let r = app
        .get(&format!("/api/v1/cards/{number}?check_code={code}"), None)
        .await;
    r.expect(200, None);
    (
        r.body["address"]["building"]["id"].as_i64().unwrap(),
        r.body["address"]["community"]["id"].as_i64().unwrap(),
    )
}

on_both!(
    a_card_sheet_carries_each_cards_scannable_qr_and_its_contacts,
    |app| {
        app.seed_demo();
        let staff = app.token("print-staff", "staff").await;
        let (building, _) = place_of_card(&app, 1).await;
        let r = sheet(
            &app,
            &format!("/api/v1/print-sheets/cards?building_id={building}"),
            &staff,
        )
        .await;
        r.expect(200, None);
        assert_eq!(
            r.header("content-type"),
            Some("image/svg+xml; charset=utf-8")
        );
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert!(r.text.contains(r#"width="210mm" height="297mm""#));
        let total: usize = r.header("x-total-count").unwrap().parse().unwrap();
        let payloads = decode_qr_codes(&r.text);
        assert_eq!(payloads.len(), total.min(10));
        assert_eq!(
            r.text.matches(r#"<g class="card">"#).count(),
            payloads.len()
        );
        let prefix = format!("{}/app/#/lookup/", app.state.config.public_base_url);
        let first = format!(
            "{prefix}JC00001/{}",
            linli::places::seed::demo_check_codes(1)[0]
        );
        assert!(payloads.contains(&first), "{payloads:?}");
        for payload in &payloads {
            // What the app does with a scan: the lookup by number and check code.
            let (number, code) = payload
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split_once('/'))
                .unwrap_or_else(|| panic!("not a card URL: {payload}"));
            let card = app
                .get(&format!("/api/v1/cards/{number}?check_code={code}"), None)
                .await;
            card.expect(200, None);
            assert_eq!(card.body["address"]["building"]["id"], building);
            assert!(r.text.contains(&format!("卡号 {number}")));
            assert!(r.text.contains(&format!("校验码 {code}")));
            // The building's contacts are printed: each role's title, and its holder or "暂缺".
            for slot in card.body["role_contacts"].as_array().unwrap() {
                let title = slot["title"].as_str().unwrap();
                let line = match (slot["name"].as_str(), slot["phone"].as_str()) {
                    (Some(_), Some(phone)) => phone.to_owned(),
                    _ => "暂缺".to_owned(),
                };
                assert!(
                    r.text.contains(&format!("{title}：")) && r.text.contains(&line),
                    "{title} {line}"
                );
            }
        }
    }
);

on_both!(a_community_prints_in_pages_of_ten, |app| {
    app.seed_demo();
    let staff = app.token("print-pages", "staff").await;
    let (_, community) = place_of_card(&app, 1).await;
    let path = format!("/api/v1/print-sheets/cards?community_id={community}");
    let r = sheet(&app, &path, &staff).await;
    r.expect(200, None);
    let total: i64 = r.header("x-total-count").unwrap().parse().unwrap();
    let pages: i64 = r.header("x-total-pages").unwrap().parse().unwrap();
    assert!(total > 10, "{total}");
    assert_eq!(pages, (total + 9) / 10);
    let last = sheet(&app, &format!("{path}&page={pages}"), &staff).await;
    last.expect(200, None);
    assert_eq!(
        decode_qr_codes(&last.text).len() as i64,
        total - (pages - 1) * 10
    );
    sheet(&app, &format!("{path}&page={}", pages + 1), &staff)
        .await
        .expect(404, Some("not_found"));
});

on_both!(socket_stickers_carry_each_sockets_id_and_code, |app| {
    app.seed_demo();
    let staff = app.token("print-sockets", "staff").await;
    let charging = app.get("/api/v1/compounds/1/charging", None).await;
    let pile = &charging.body["piles"][0];
    let pile_id = pile["id"].as_i64().unwrap();
    let sockets: Vec<i64> = pile["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    let r = sheet(
        &app,
        &format!("/api/v1/print-sheets/sockets?pile_id={pile_id}"),
        &staff,
    )
    .await;
    r.expect(200, None);
    let payloads = decode_qr_codes(&r.text);
    assert_eq!(payloads.len(), sockets.len());
    let prefix = format!("{}/app/#/socket/", app.state.config.public_base_url);
    let mut conn = app.db.conn();
    for payload in payloads {
        let (id, code) = payload
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once("?code="))
            .unwrap_or_else(|| panic!("not a socket URL: {payload}"));
        let id: i64 = id.parse().unwrap();
        assert!(
            sockets.contains(&id),
            "{id} is not one of the pile's sockets"
        );
        let stored: String = linli::db::schema::sockets::table
            .find(id)
            .select(linli::db::schema::sockets::code)
            .first(&mut conn)
            .unwrap();
        assert_eq!(code, stored);
        assert!(r.text.contains(&format!("编码 {code}")));
    }
    // A whole compound: 15 piles' sockets, in pages of 18.
    let r = sheet(&app, "/api/v1/print-sheets/sockets?compound_id=1", &staff).await;
    r.expect(200, None);
    let total: usize = r.header("x-total-count").unwrap().parse().unwrap();
    assert!(total >= 15, "{total}");
    assert_eq!(decode_qr_codes(&r.text).len(), total.min(18));
});

on_both!(
    printing_is_for_staff_only_checked_and_audited_without_codes,
    |app| {
        app.seed_demo();
        let staff = app.token("print-audit", "staff").await;
        let resident = app.token("print-resident", "resident").await;
        let (building, community) = place_of_card(&app, 1).await;
        let path = format!("/api/v1/print-sheets/cards?building_id={building}");
        app.get(&path, None).await.expect(401, Some("unauthorized"));
        sheet(&app, &path, &resident)
            .await
            .expect(403, Some("forbidden"));
        sheet(
            &app,
            "/api/v1/print-sheets/sockets?compound_id=1",
            &resident,
        )
        .await
        .expect(403, Some("forbidden"));
        for bad in [
            "/api/v1/print-sheets/cards".to_owned(),
            format!("/api/v1/print-sheets/cards?building_id={building}&community_id={community}"),
            "/api/v1/print-sheets/sockets".to_owned(),
        ] {
            let r = sheet(&app, &bad, &staff).await;
            r.expect(422, Some("validation_failed"));
            assert!(r.body["field"].as_str().is_some(), "{}", r.text);
        }
        sheet(&app, &format!("{path}&page=0"), &staff)
            .await
            .expect(422, Some("validation_failed"));
        sheet(&app, &format!("{path}&page=x"), &staff)
            .await
            .expect(422, Some("validation_failed"));
        sheet(
            &app,
            "/api/v1/print-sheets/cards?building_id=99999999",
            &staff,
        )
        .await
        .expect(404, Some("not_found"));
        sheet(
            &app,
            "/api/v1/print-sheets/sockets?pile_id=99999999",
            &staff,
        )
        .await
        .expect(404, Some("not_found"));
        let printed = sheet(&app, &path, &staff).await;
        printed.expect(200, None);
        let codes = decode_qr_codes(&printed.text);
        let log = app
            .get("/api/v1/audit-log?per_page=100", Some(&staff))
            .await;
        log.expect(200, None);
        let entries: Vec<&Value> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "cards.print")
            .collect();
        assert_eq!(entries.len(), 1, "{}", log.text);
        assert_eq!(entries[0]["target_type"], "building");
        assert_eq!(entries[0]["target_id"], building);
        let entry = entries[0].to_string();
        assert!(entry.contains("JC00001"), "{entry}");
        for payload in codes {
            let code = payload.rsplit("?c=").next().unwrap();
            assert!(
                !entry.contains(code),
                "the audit log holds a check code: {entry}"
            );
        }
    }
);
