//! What a printed QR code says, and the code's modules as SVG.
//!
//! The payloads are URLs under `LINLI_PUBLIC_BASE_URL`, so a phone's own camera app opens the
//! resident web app at the right screen, and the app (or the mini-program, which reads the same
//! URL from its scan result) parses the part after `#`:
//!
//! - a card: `{base}/app/#/lookup/{card_number}/{check_code}`, e.g.
//!   `https://linli.example.cn/app/#/lookup/JC00001/7QX4M2` — the app's card screen without
//!   login (`parseCardQr` in the web app and the mini-program reads it), the public lookup
//!   `GET /api/v1/cards/{card_number}?check_code={c}`, or binding the household;
//! - a socket: `{base}/app/#/socket/{socket_id}?code={socket_code}` — the socket's
//!   availability for booking, and `POST /api/v1/bookings/{id}/check-in {"socket_code"}`.
//!
//! Card numbers, check codes and socket codes are letters and digits only (parsed at the edge
//! before they are stored), so they need no escaping in the URL.

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{ApiError, ApiResult};

/// The URL a card's QR code carries.
pub fn card_payload(base: &str, card_number: &str, check_code: &str) -> String {
    format!("{base}/app/#/lookup/{card_number}/{check_code}")
}

/// The URL a socket sticker's QR code carries.
pub fn socket_payload(base: &str, socket_id: i64, socket_code: &str) -> String {
    format!("{base}/app/#/socket/{socket_id}?code={socket_code}")
}

/// A QR code (error correction level M: a worn or scuffed print still reads) as an SVG
/// element of `size` user units at (`x`, `y`), with its four-module quiet zone inside `size`.
/// The dark modules are one path of unit squares in the code's own coordinates.
pub fn svg(payload: &str, x: f64, y: f64, size: f64) -> ApiResult<String> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::internal(format!("QR code: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    let mut d = String::with_capacity(colors.len() * 8);
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (col, row) = (i % width + 4, i / width + 4);
            d.push_str(&format!("M{col} {row}h1v1h-1z"));
        }
    }
    let full = width + 8;
    Ok(format!(
        r##"<svg class="qr" x="{x:.2}" y="{y:.2}" width="{size:.2}" height="{size:.2}" viewBox="0 0 {full} {full}" shape-rendering="crispEdges"><rect width="{full}" height="{full}" fill="#fff"/><path fill="#000" d="{d}"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_app_urls_under_the_public_base() {
        assert_eq!(
            card_payload("https://linli.example.cn", "JC00001", "7QX4M2"),
            "https://linli.example.cn/app/#/lookup/JC00001/7QX4M2"
        );
        assert_eq!(
            socket_payload("http://127.0.0.1:8080", 12, "K7M2Q9PX"),
            "http://127.0.0.1:8080/app/#/socket/12?code=K7M2Q9PX"
        );
    }

    #[test]
    fn the_svg_has_the_codes_modules_and_a_quiet_zone() {
        let svg = svg(
            "https://linli.example.cn/app/#/lookup/JC00001/7QX4M2",
            1.0,
            2.0,
            30.0,
        )
        .unwrap();
        let code = QrCode::with_error_correction_level(
            "https://linli.example.cn/app/#/lookup/JC00001/7QX4M2".as_bytes(),
            EcLevel::M,
        )
        .unwrap();
        let full = code.width() + 8;
        assert!(
            svg.contains(&format!(r#"viewBox="0 0 {full} {full}""#)),
            "{svg}"
        );
        let dark = code
            .to_colors()
            .iter()
            .filter(|c| **c == Color::Dark)
            .count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
        // The top-left finder pattern's corner sits inside the quiet zone's edge.
        assert!(svg.contains("M4 4h1v1h-1z"));
    }
}
