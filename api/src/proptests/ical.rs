//! The iCalendar writer: TEXT escaping, line folding at 75 octets, CRLF, and whole feeds that
//! a standard parser reads back.

use chrono::NaiveDateTime;
use proptest::prelude::*;

use crate::calendar::ical::{escape_text, fold_line, render};
use crate::calendar::{CalEvent, CalStatus};

/// RFC 5545 §3.3.11 read the other way.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What a TEXT value can carry: everything but the ASCII control characters other than tab
/// and newline (RFC 5545 allows no others in TEXT).
fn representable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_ascii_control() || *c == '\t' || *c == '\n')
        .collect()
}

/// Unfold a feed (§3.1): CRLF followed by one space or tab is removed.
fn unfold(s: &str) -> String {
    s.replace("\r\n ", "").replace("\r\n\t", "")
}

/// Text people type, with the characters that need escaping and some CJK.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z ,;:\\\\\n\r\t\"义务理发东街社区]{0,200}",
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}a-z,;\\\\]{0,40}",
    ]
}

fn time() -> impl Strategy<Value = NaiveDateTime> {
    (946_684_800i64..4_102_444_800).prop_map(|s| {
        chrono::DateTime::from_timestamp(s, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    })
}

fn event() -> impl Strategy<Value = CalEvent> {
    (
        "[a-z]{1,10}-[0-9]{1,9}@linli",
        time(),
        0i64..86_400,
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::sample::select(vec![
            CalStatus::Confirmed,
            CalStatus::Tentative,
            CalStatus::Cancelled,
        ]),
    )
        .prop_map(
            |(uid, starts_at, secs, summary, location, description, status)| CalEvent {
                uid,
                starts_at,
                ends_at: starts_at + chrono::Duration::seconds(secs + 60),
                summary,
                location,
                description,
                status,
                last_modified: starts_at,
            },
        )
}

proptest! {
    #![proptest_config(super::config(512))]

    /// Escaped text has no line breaks, no unescaped `,` or `;`, no control characters other
    /// than tab, and reads back to what can be represented.
    #[test]
    fn escaped_text_reads_back(s in text()) {
        let e = escape_text(&s);
        prop_assert!(!e.contains('\n') && !e.contains('\r'));
        prop_assert!(e.chars().all(|c| !c.is_ascii_control() || c == '\t'), "control character in {:?}", e);
        let mut chars = e.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => prop_assert!(matches!(chars.next(), Some('\\' | ';' | ',' | 'n'))),
                ',' | ';' => prop_assert!(false, "unescaped {:?} in {:?}", c, e),
                _ => {}
            }
        }
        prop_assert_eq!(unescape(&e), representable(&s));
    }

    /// A folded line: physical lines of at most 75 octets, each ended by CRLF, continuation
    /// lines starting with one space, no character split, and unfolding gives the line back.
    #[test]
    fn folding_keeps_lines_short_and_reversible(name in "[A-Z-]{1,20}", value in text()) {
        let line = format!("{name}:{}", escape_text(&value));
        let mut out = String::new();
        fold_line(&line, &mut out);
        prop_assert!(out.ends_with("\r\n"));
        let body = &out[..out.len() - 2];
        for (i, physical) in body.split("\r\n").enumerate() {
            prop_assert!(physical.len() <= 75, "{} octets: {:?}", physical.len(), physical);
            prop_assert!(!physical.contains('\r') && !physical.contains('\n'));
            if i > 0 {
                prop_assert!(physical.starts_with(' ') && physical.len() > 1);
            }
        }
        prop_assert_eq!(unfold(body), line);
    }

    /// A whole feed: CRLF only, short lines, and a standard parser finds every event with its
    /// UID, status and texts.
    #[test]
    fn feeds_parse_back(name in text(), events in proptest::collection::vec(event(), 0..4)) {
        let now = events.first().map(|e| e.starts_at).unwrap_or_default();
        let feed = render(&name, &events, now);
        prop_assert!(feed.starts_with("BEGIN:VCALENDAR\r\n") && feed.ends_with("END:VCALENDAR\r\n"));
        prop_assert!(!feed.replace("\r\n", "").contains(['\r', '\n']));
        for physical in feed.split("\r\n") {
            prop_assert!(physical.len() <= 75);
        }
        let parsed: icalendar::Calendar = feed.parse().map_err(|e| TestCaseError::fail(format!("{e}\n{feed}")))?;
        use icalendar::{Component, EventLike};
        let got: Vec<&icalendar::Event> = parsed.components.iter().filter_map(|c| c.as_event()).collect();
        prop_assert_eq!(got.len(), events.len());
        for (g, e) in got.iter().zip(&events) {
            prop_assert_eq!(g.get_uid(), Some(e.uid.as_str()));
            let status = match e.status {
                CalStatus::Confirmed => icalendar::EventStatus::Confirmed,
                CalStatus::Tentative => icalendar::EventStatus::Tentative,
                CalStatus::Cancelled => icalendar::EventStatus::Cancelled,
            };
            prop_assert_eq!(g.get_status(), Some(status));
            // The parser unescapes TEXT values itself.
            prop_assert_eq!(g.get_summary().map(str::to_owned), Some(representable(&e.summary)));
            prop_assert_eq!(g.get_location().map(str::to_owned), e.location.as_deref().map(representable));
            prop_assert_eq!(g.get_description().map(str::to_owned), e.description.as_deref().map(representable));
        }
    }
}
