//! WeChat's rules for template values, applied before a message is stored: every value is cut
//! to what its key's type allows (`thing` ≤ 20 characters, `character_string` ≤ 32 letters,
//! digits or symbols, `phrase` ≤ 5, …), times are written in China's local time, control
//! characters are removed and an empty value becomes "-", so WeChat never answers 47003 for a
//! value Linli wrote.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::clock::LOCAL_TZ;

/// The types WeChat names template keys after (`thing1`, `time2`, `character_string3`).
const TYPES: [&str; 12] = [
    "thing",
    "number",
    "letter",
    "symbol",
    "character_string",
    "time",
    "date",
    "amount",
    "phone_number",
    "car_number",
    "name",
    "phrase",
];

/// The type of a template key (`thing1` → `thing`), if WeChat has one of that name.
pub fn key_type(key: &str) -> Option<&'static str> {
    let stem = key.trim_end_matches(|c: char| c.is_ascii_digit());
    if stem.len() == key.len() {
        return None; // WeChat's keys always end with their index
    }
    TYPES.iter().copied().find(|t| *t == stem)
}

/// `value` made acceptable for a key of type `ty` (see the module documentation).
pub fn fit(ty: &str, value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let out: String = match ty {
        "thing" => take(clean, 20),
        "phrase" => take(clean, 5),
        "symbol" => take(clean, 5),
        "car_number" => take(clean, 8),
        "phone_number" => take(clean, 17),
        "number" => take_filtered(clean, 32, |c| c.is_ascii_digit() || c == '.'),
        "letter" => take_filtered(clean, 32, |c| c.is_ascii_alphabetic()),
        "character_string" => take_filtered(clean, 32, |c| c.is_ascii_graphic()),
        "amount" => take(clean, 16),
        "name" if clean.is_ascii() => take(clean, 20),
        "name" => take(clean, 10),
        "time" => local(clean, "%Y-%m-%d %H:%M").unwrap_or_else(|| take(clean, 32)),
        "date" => local(clean, "%Y-%m-%d").unwrap_or_else(|| take(clean, 32)),
        _ => take(clean, 20),
    };
    if out.is_empty() {
        "-".into()
    } else {
        out
    }
}

fn take(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn take_filtered(s: &str, n: usize, keep: impl Fn(char) -> bool) -> String {
    s.chars().filter(|c| keep(*c)).take(n).collect()
}

/// An RFC 3339 instant (or a naive UTC one) written in China's local time.
fn local(s: &str, format: &str) -> Option<String> {
    parse_instant(s).map(|t| {
        t.and_utc()
            .with_timezone(&LOCAL_TZ)
            .format(format)
            .to_string()
    })
}

/// An instant sent as RFC 3339 (or naive UTC) text, as UTC.
pub fn parse_instant(s: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc).naive_utc())
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_thirty_character_compound_name_is_cut_to_twenty() {
        let name = "天和人家".repeat(7) + "东区";
        assert_eq!(name.chars().count(), 30);
        assert_eq!(fit("thing", &name).chars().count(), 20);
    }

    #[test]
    fn times_are_written_in_china_time() {
        assert_eq!(fit("time2", "x"), "x");
        assert_eq!(fit("time", "2026-12-02T17:30:00Z"), "2026-12-03 01:30");
        assert_eq!(fit("date", "2026-12-02T17:30:00Z"), "2026-12-03");
    }

    #[test]
    fn key_types_come_from_the_key_names() {
        assert_eq!(key_type("thing1"), Some("thing"));
        assert_eq!(key_type("character_string12"), Some("character_string"));
        assert_eq!(key_type("thing"), None);
        assert_eq!(key_type("colour3"), None);
    }

    proptest! {
        #[test]
        fn fitted_values_obey_the_type_rules(ty in prop::sample::select(TYPES.to_vec()), v in ".{0,80}") {
            let out = fit(ty, &v);
            prop_assert!(!out.is_empty());
            prop_assert!(!out.chars().any(char::is_control));
            let limit = match ty {
                "thing" => 20, "phrase" | "symbol" => 5, "car_number" => 8,
                "phone_number" => 17, "amount" => 16, "name" => 20, _ => 32,
            };
            prop_assert!(out.chars().count() <= limit, "{ty}: {out:?}");
            if ty == "character_string" {
                prop_assert!(out == "-" || out.chars().all(|c| c.is_ascii_graphic()));
            }
        }
    }
}
