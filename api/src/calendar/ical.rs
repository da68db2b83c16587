//! A small iCalendar (RFC 5545) writer: CRLF line endings, lines folded at 75 octets without
//! splitting a UTF-8 character, TEXT values escaped (`\\`, `;`, `,`, newlines), times in UTC
//! (`...Z`).

use chrono::NaiveDateTime;

use super::{CalEvent, CalStatus};

/// `20261205T010000Z`
fn utc_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escape a TEXT value (RFC 5545 §3.3.11). Control characters other than tab cannot be
/// written in TEXT and are left out (a line break becomes `\n`).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_ascii_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Fold a content line so no physical line exceeds 75 octets (§3.1), then end it with CRLF.
pub fn fold_line(line: &str, out: &mut String) {
    let mut used = 0;
    for ch in line.chars() {
        let len = ch.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += len;
    }
    out.push_str("\r\n");
}

fn prop(out: &mut String, name: &str, value: &str) {
    fold_line(&format!("{name}:{value}"), out);
}

/// The whole feed.
pub fn render(calendar_name: &str, events: &[CalEvent], now: NaiveDateTime) -> String {
    let mut out = String::new();
    prop(&mut out, "BEGIN", "VCALENDAR");
    prop(&mut out, "VERSION", "2.0");
    prop(
        &mut out,
        "PRODID",
        "-//Linli//Linli Neighbourhood Services//ZH",
    );
    prop(&mut out, "CALSCALE", "GREGORIAN");
    prop(&mut out, "METHOD", "PUBLISH");
    prop(&mut out, "X-WR-CALNAME", &escape_text(calendar_name));
    prop(&mut out, "X-WR-TIMEZONE", "Asia/Shanghai");
    for e in events {
        prop(&mut out, "BEGIN", "VEVENT");
        prop(&mut out, "UID", &escape_text(&e.uid));
        prop(&mut out, "DTSTAMP", &utc_stamp(now));
        prop(&mut out, "DTSTART", &utc_stamp(e.starts_at));
        prop(&mut out, "DTEND", &utc_stamp(e.ends_at));
        prop(&mut out, "LAST-MODIFIED", &utc_stamp(e.last_modified));
        prop(&mut out, "SUMMARY", &escape_text(&e.summary));
        if let Some(l) = &e.location {
            prop(&mut out, "LOCATION", &escape_text(l));
        }
        if let Some(d) = &e.description {
            prop(&mut out, "DESCRIPTION", &escape_text(d));
        }
        let status = match e.status {
            CalStatus::Confirmed => "CONFIRMED",
            CalStatus::Tentative => "TENTATIVE",
            CalStatus::Cancelled => "CANCELLED",
        };
        prop(&mut out, "STATUS", status);
        prop(&mut out, "END", "VEVENT");
    }
    prop(&mut out, "END", "VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d\\ne");
        assert_eq!(escape_text("a\u{0}b\u{7f}c\td"), "abc\td");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let value = "义务理发".repeat(20); // 240 octets
        fold_line(&format!("SUMMARY:{value}"), &mut out);
        assert!(out.ends_with("\r\n"));
        for line in out.trim_end_matches("\r\n").split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{value}"));
    }

    #[test]
    fn stamps_are_utc() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_opt(1, 2, 3)
            .unwrap();
        assert_eq!(utc_stamp(t), "20261205T010203Z");
    }
}
