//! Card numbers and check codes: what a phone sends after scanning a card's QR code or after
//! a person typed the two values.

use proptest::prelude::*;

use crate::cards::rules::{
    card_number, card_sequence, constant_time_eq, new_check_code, next_card_number, validate_pair,
    CardNumber, CheckCode, CHECK_ALPHABET,
};
use crate::places::seed::demo_check_codes;

/// A pair as the plain strings a test compares.
fn pair(number: &str, check: &str) -> Option<(String, String)> {
    validate_pair(number, check)
        .ok()
        .map(|(n, c)| (n.as_str().to_owned(), c.as_str().to_owned()))
}

/// Whitespace a person or a scanner may add around a value (ASCII and Unicode).
fn padding() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(' '),
            Just('\t'),
            Just('\n'),
            Just('\r'),
            Just('\u{3000}'),
            Just('\u{a0}')
        ],
        0..4,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(super::config(512))]

    /// Any input: no panic; an accepted pair is upper-case letters and digits, 1 to 16 long,
    /// and accepting it again changes nothing.
    #[test]
    fn accepted_pairs_are_canonical(number in any::<String>(), check in any::<String>()) {
        if let Some((n, c)) = pair(&number, &check) {
            for v in [&n, &c] {
                prop_assert!((1..=16).contains(&v.len()));
                prop_assert!(v.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
            }
            prop_assert_eq!(pair(&n, &c), Some((n.clone(), c.clone())));
        }
        // A JSON body, a path or a query string gets the same answer as the pair.
        let from_json = serde_json::from_value::<CardNumber>(serde_json::json!(number)).ok();
        prop_assert_eq!(from_json, CardNumber::parse(&number));
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("c", &check).finish();
        let from_query = serde_urlencoded::from_str::<std::collections::HashMap<String, CheckCode>>(&query)
            .ok()
            .and_then(|mut m| m.remove("c"));
        prop_assert_eq!(from_query, CheckCode::parse(&check));
    }

    /// Letters and digits, padded with whitespace and in any case, are accepted as the
    /// trimmed upper-case value.
    #[test]
    fn padded_values_in_any_case_are_accepted(
        number in "[A-Za-z0-9]{1,16}",
        check in "[A-Za-z0-9]{1,16}",
        pads in (padding(), padding(), padding(), padding()),
    ) {
        let typed_number = format!("{}{number}{}", pads.0, pads.1);
        let typed_check = format!("{}{check}{}", pads.2, pads.3);
        prop_assert_eq!(
            pair(&typed_number, &typed_check),
            Some((number.to_ascii_uppercase(), check.to_ascii_uppercase()))
        );
    }

    /// Case never matters: lower- and upper-case versions get the same answer.
    #[test]
    fn case_does_not_matter(number in any::<String>(), check in any::<String>()) {
        let lower = pair(&number.to_ascii_lowercase(), &check.to_ascii_lowercase());
        let upper = pair(&number.to_ascii_uppercase(), &check.to_ascii_uppercase());
        prop_assert_eq!(lower, upper);
    }

    /// One character that is neither a letter, a digit nor outer whitespace, or more than 16
    /// characters, and the pair is refused naming the field at fault.
    #[test]
    fn bad_values_are_refused_naming_the_field(
        head in "[A-Z0-9]{0,8}",
        bad in any::<char>().prop_filter("not alphanumeric", |c| !c.is_ascii_alphanumeric() && !c.is_whitespace()),
        tail in "[A-Z0-9]{0,7}",
        long in "[A-Z0-9]{17,40}",
    ) {
        let with_bad = format!("{head}{bad}{tail}");
        let e = validate_pair(&with_bad, "ABC234").unwrap_err();
        prop_assert_eq!(e.field.as_deref(), Some("card_number"));
        let e = validate_pair("JC00001", &with_bad).unwrap_err();
        prop_assert_eq!(e.field.as_deref(), Some("check_code"));
        let e = validate_pair(&long, "ABC234").unwrap_err();
        prop_assert_eq!(e.field.as_deref(), Some("card_number"));
        let e = validate_pair("JC00001", &long).unwrap_err();
        prop_assert_eq!(e.field.as_deref(), Some("check_code"));
    }

    /// Printed numbers: `JC` and the sequence, read back to the same sequence; the next
    /// number follows the highest; every printed number is a valid card number.
    #[test]
    fn card_numbers_round_trip(n in 1u64..10_000_000) {
        let printed = card_number(n);
        prop_assert_eq!(card_sequence(&printed), Some(n));
        prop_assert_eq!(next_card_number(Some(&printed)), card_number(n + 1));
        prop_assert!(validate_pair(&printed, "ABC234").is_ok());
        prop_assert_eq!(CardNumber::from_sequence(n), CardNumber::parse(&printed).unwrap());
        let typed = CardNumber::parse(&printed.to_ascii_lowercase()).unwrap();
        prop_assert_eq!(typed.as_str(), printed.as_str());
    }

    /// Any text as "the highest number" (as read from the database): no panic, and the next
    /// number is a valid card number after it.
    #[test]
    fn next_number_never_panics(s in prop_oneof![
        any::<String>(),
        "JC[0-9]{0,25}",
        "JC[+-]?[0-9 ]{0,6}",
        Just("JC18446744073709551615".to_owned()),
    ]) {
        let next = next_card_number(Some(&s));
        let seq = card_sequence(&next);
        prop_assert!(seq.is_some(), "{}", next);
        if let Some(k) = card_sequence(&s) {
            prop_assert!(s.starts_with("JC"));
            prop_assert!(seq >= Some(k));
        }
    }

    /// The timing-safe comparison agrees with `==`.
    #[test]
    fn constant_time_eq_is_equality(a in proptest::collection::vec(any::<u8>(), 0..24), b in proptest::collection::vec(any::<u8>(), 0..24)) {
        prop_assert_eq!(constant_time_eq(&a, &b), a == b);
        prop_assert!(constant_time_eq(&a, &a.clone()));
    }

    /// Check codes (demo and new): six characters of the unambiguous alphabet, valid as typed
    /// in lower case.
    #[test]
    fn check_codes_are_unambiguous_and_valid(count in 1usize..200) {
        let mut codes = demo_check_codes(count);
        codes.push(new_check_code().expect("OS random generator"));
        for code in codes {
            prop_assert_eq!(code.len(), 6);
            prop_assert!(code.bytes().all(|b| CHECK_ALPHABET.contains(&b)));
            let typed = code.to_ascii_lowercase();
            prop_assert_eq!(pair("jc00001", &typed), Some(("JC00001".to_owned(), code.clone())));
        }
    }
}

#[test]
fn the_alphabet_has_no_look_alikes() {
    for b in b"01OIL" {
        assert!(!CHECK_ALPHABET.contains(b), "{}", *b as char);
    }
    let mut sorted = CHECK_ALPHABET.to_vec();
    sorted.dedup();
    assert_eq!(sorted.len(), CHECK_ALPHABET.len(), "no character twice");
}
