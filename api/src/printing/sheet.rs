//! The A4 pages (210 × 297 mm, one SVG each; user units are millimetres): ten cards of the
//! ID-1 size (85.6 × 54 mm, two columns of five) or eighteen socket stickers (60 × 40 mm, three
//! columns of six). Lines to cut along are drawn light grey. The text uses the system's Chinese
//! fonts; nothing is fetched.

use std::collections::HashMap;
use std::fmt::Write;

use super::model::{PrintCard, PrintSocket};
use super::qr;
use crate::cards::model::building::BuildingBase;
use crate::error::ApiResult;

/// Cards on one A4 page.
pub const CARDS_PER_PAGE: i64 = 10;
/// Socket stickers on one A4 page.
pub const STICKERS_PER_PAGE: i64 = 18;

const FONT: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif";

/// `text` made safe inside an SVG element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text` (a long name must not run into the QR code).
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn page_start(out: &mut String, title: &str, page: i64, pages: i64) {
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" font-family="{FONT}">
<title>{} 第 {page}/{pages} 页</title>
<rect width="210" height="297" fill="#fff"/>
"##,
        escape(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, size: f64, weight: &str, s: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.2}" y="{y:.2}" font-size="{size:.2}" font-weight="{weight}">{}</text>"#,
        escape(s)
    );
}

/// One page of cards. `base_url` is `LINLI_PUBLIC_BASE_URL`.
pub fn card_sheet(
    base_url: &str,
    cards: &[PrintCard],
    bases: &HashMap<i64, BuildingBase>,
    page: i64,
    pages: i64,
) -> ApiResult<String> {
    let (w, h, gap) = (85.6, 54.0, 2.0);
    let left = (210.0 - 2.0 * w - gap) / 2.0;
    let top = (297.0 - 5.0 * h - 4.0 * gap) / 2.0;
    let mut out = String::with_capacity(64 * 1024);
    page_start(&mut out, "便民服务卡", page, pages);
    for (i, card) in cards.iter().enumerate() {
        let (col, row) = ((i % 2) as f64, (i / 2) as f64);
        let (x, y) = (left + col * (w + gap), top + row * (h + gap));
        let _ = writeln!(
            out,
            r##"<g class="card"><rect x="{x:.2}" y="{y:.2}" width="{w}" height="{h}" rx="3" fill="none" stroke="#bbb" stroke-width="0.2"/>"##
        );
        let base = bases.get(&card.building_id);
        let community = base.map_or("", |b| b.address.community.name.as_str());
        text(
            &mut out,
            x + 3.0,
            y + 5.5,
            3.6,
            "bold",
            &format!("便民服务卡 · {}", clip(community, 8)),
        );
        let address = base.map_or(String::new(), |b| {
            format!(
                "{} {} {}单元 {}",
                b.address.compound.name, b.address.building.name, card.unit, card.room
            )
        });
        text(
            &mut out,
            x + 3.0,
            y + 9.8,
            2.5,
            "normal",
            &clip(&address, 24),
        );
        if let Some(base) = base {
            for (n, slot) in base.roles.iter().enumerate() {
                let who = match (&slot.name, &slot.phone) {
                    (Some(name), Some(phone)) => format!("{} {phone}", clip(name, 4)),
                    _ => "暂缺".to_owned(),
                };
                text(
                    &mut out,
                    x + 3.0,
                    y + 14.6 + n as f64 * 4.3,
                    2.5,
                    "normal",
                    &format!("{}：{who}", slot.title),
                );
            }
        }
        text(
            &mut out,
            x + 3.0,
            y + 51.0,
            2.2,
            "normal",
            "紧急求助 110 · 火警 119 · 急救 120 · 热线 12345",
        );
        let payload = qr::card_payload(base_url, &card.card_number, &card.check_code);
        out.push_str(&qr::svg(&payload, x + w - 31.0, y + 2.0, 29.0)?);
        out.push('\n');
        text(
            &mut out,
            x + w - 30.0,
            y + 35.5,
            3.4,
            "bold",
            &format!("卡号 {}", card.card_number),
        );
        text(
            &mut out,
            x + w - 30.0,
            y + 40.5,
            3.0,
            "normal",
            &format!("校验码 {}", card.check_code),
        );
        text(
            &mut out,
            x + w - 30.0,
            y + 45.0,
            2.2,
            "normal",
            "扫码查看联系人与周边服务",
        );
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// One page of socket stickers. `base_url` is `LINLI_PUBLIC_BASE_URL`.
pub fn socket_sheet(
    base_url: &str,
    sockets: &[PrintSocket],
    page: i64,
    pages: i64,
) -> ApiResult<String> {
    let (w, h, gap) = (60.0, 40.0, 3.0);
    let left = (210.0 - 3.0 * w - 2.0 * gap) / 2.0;
    let top = (297.0 - 6.0 * h - 5.0 * gap) / 2.0;
    let mut out = String::with_capacity(64 * 1024);
    page_start(&mut out, "充电插座贴纸", page, pages);
    for (i, s) in sockets.iter().enumerate() {
        let (col, row) = ((i % 3) as f64, (i / 3) as f64);
        let (x, y) = (left + col * (w + gap), top + row * (h + gap));
        let _ = writeln!(
            out,
            r##"<g class="sticker"><rect x="{x:.2}" y="{y:.2}" width="{w}" height="{h}" rx="2" fill="none" stroke="#bbb" stroke-width="0.2"/>"##
        );
        let payload = qr::socket_payload(base_url, s.socket_id, &s.code);
        out.push_str(&qr::svg(&payload, x + 1.0, y + 1.0, 30.0)?);
        out.push('\n');
        let tx = x + 32.0;
        text(
            &mut out,
            tx,
            y + 6.0,
            2.6,
            "normal",
            &clip(&s.compound_name, 10),
        );
        text(
            &mut out,
            tx,
            y + 10.5,
            2.6,
            "normal",
            &clip(&s.pile_name, 10),
        );
        text(
            &mut out,
            tx,
            y + 17.5,
            5.0,
            "bold",
            &format!("{}号插座", s.number),
        );
        text(
            &mut out,
            tx,
            y + 23.0,
            2.8,
            "normal",
            &format!("编码 {}", s.code),
        );
        text(
            &mut out,
            tx,
            y + 28.0,
            2.4,
            "normal",
            &clip(&s.pile_location, 10),
        );
        text(
            &mut out,
            x + 2.0,
            y + 36.5,
            3.0,
            "bold",
            "扫码预约充电 · 到场扫码签到",
        );
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_clipped() {
        assert_eq!(
            escape("A&B <x> \"q\" 'a'\u{7}"),
            "A&amp;B &lt;x&gt; &quot;q&quot; &apos;a&apos;"
        );
        assert_eq!(clip("天和人家", 8), "天和人家");
        assert_eq!(clip("一二三四五六七八九十", 5), "一二三四…");
    }

    #[test]
    fn a_full_page_of_stickers_fits_on_a4() {
        let sockets: Vec<PrintSocket> = (0..STICKERS_PER_PAGE)
            .map(|i| PrintSocket {
                socket_id: i,
                number: i as i32 + 1,
                code: "K7M2Q9PX".into(),
                pile_name: "1号桩".into(),
                pile_location: "北门车棚".into(),
                compound_name: "天和人家".into(),
            })
            .collect();
        let svg = socket_sheet("https://linli.example.cn", &sockets, 1, 1).unwrap();
        assert_eq!(svg.matches(r#"class="sticker""#).count(), 18);
        assert_eq!(svg.matches(r#"class="qr""#).count(), 18);
        // Every sticker's frame lies inside the page.
        for frame in svg.split(r#"<g class="sticker"><rect x=""#).skip(1) {
            let nums: Vec<f64> = frame
                .split('"')
                .step_by(2)
                .take(2)
                .map(|n| n.trim_start_matches(" y=").parse().unwrap())
                .collect();
            assert!(nums[0] >= 0.0 && nums[0] + 60.0 <= 210.0, "{nums:?}");
            assert!(nums[1] >= 0.0 && nums[1] + 40.0 <= 297.0, "{nums:?}");
        }
    }
}
