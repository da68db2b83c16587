//! Card rules as plain functions and types: printed card numbers and their sequence, the
//! check-code alphabet and new check codes, the shape of a typed number or code
//! ([`CardNumber`], [`CheckCode`], parsed at the edge), and the emergency numbers every card
//! shows.

use std::fmt;

use serde::{Deserialize, Deserializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ApiError, ApiResult};

/// Characters for check codes: no 0/O, 1/I/L, so a code read off a card is typed right.
pub const CHECK_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Characters of a new check code.
pub const CHECK_CODE_LEN: usize = 6;

/// What every printed card number starts with (泾川, Jingchuan).
const NUMBER_PREFIX: &str = "JC";

/// What a typed card number or check code may look like: 1 to 16 letters or digits; case and
/// surrounding whitespace do not matter.
pub const TYPED_PATTERN: &str = r"^\s*[A-Za-z0-9]{1,16}\s*$";

/// Longest card number or check code accepted.
const MAX_TYPED_LEN: usize = 16;

/// Why a typed card number or check code is refused.
const TYPED_SHAPE: &str = "must be 1 to 16 letters or digits";

/// A typed or scanned value as stored: trimmed, upper-case, 1 to 16 letters or digits.
fn canonical(input: &str) -> Option<String> {
    let value = input.trim().to_ascii_uppercase();
    let fits = !value.is_empty()
        && value.len() <= MAX_TYPED_LEN
        && value.bytes().all(|b| b.is_ascii_alphanumeric());
    fits.then_some(value)
}

fn typed_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(TYPED_PATTERN))
        .into()
}

/// A card number as a person typed it or a phone scanned it, held trimmed and in upper case
/// (` jc00042 ` → `JC00042`). Only the shape is checked: whether such a card exists is the
/// database's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CardNumber(String);

impl CardNumber {
    /// The canonical form of a typed number, or `None` when it is not 1 to 16 letters or
    /// digits.
    pub fn parse(input: &str) -> Option<CardNumber> {
        canonical(input).map(CardNumber)
    }

    /// The printed number of a card in the sequence (42 → `JC00042`).
    pub fn from_sequence(sequence: u64) -> CardNumber {
        CardNumber(card_number(sequence))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CardNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        CardNumber::parse(&raw).ok_or_else(|| serde::de::Error::custom(TYPED_SHAPE))
    }
}

impl PartialSchema for CardNumber {
    fn schema() -> RefOr<Schema> {
        typed_schema()
    }
}

impl ToSchema for CardNumber {}

/// A check code as typed or scanned with its card number, held trimmed and in upper case.
/// Compared with the stored code in constant time ([`CheckCode::matches`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckCode(String);

impl CheckCode {
    /// The canonical form of a typed code, or `None` when it is not 1 to 16 letters or digits.
    pub fn parse(input: &str) -> Option<CheckCode> {
        canonical(input).map(CheckCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is the stored code, compared without an early exit.
    pub fn matches(&self, stored: &str) -> bool {
        constant_time_eq(stored.as_bytes(), self.0.as_bytes())
    }
}

impl<'de> Deserialize<'de> for CheckCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        CheckCode::parse(&raw).ok_or_else(|| serde::de::Error::custom(TYPED_SHAPE))
    }
}

impl PartialSchema for CheckCode {
    fn schema() -> RefOr<Schema> {
        typed_schema()
    }
}

impl ToSchema for CheckCode {}

/// A number and check code that arrived as plain strings (a body that is not typed yet), with
/// errors naming `card_number` or `check_code` as the typed fields do.
pub fn validate_pair(number: &str, check: &str) -> ApiResult<(CardNumber, CheckCode)> {
    let number = CardNumber::parse(number)
        .ok_or_else(|| ApiError::validation("card_number", TYPED_SHAPE))?;
    let check =
        CheckCode::parse(check).ok_or_else(|| ApiError::validation("check_code", TYPED_SHAPE))?;
    Ok((number, check))
}

/// Compare without an early exit (`subtle`, which the optimiser cannot turn into one), so
/// timing does not reveal how much of a code was right. Lengths are not secret: every check
/// code has the same.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.ct_eq(b))
}

/// What a check code is compared with when there is no card (unknown or revoked number): a
/// code of a real code's length that no card has (its characters are outside the alphabet),
/// so an unknown card takes the same path as a known card with a wrong code.
pub const DUMMY_CHECK_CODE: &str = "000000";

/// A new random check code from the unambiguous alphabet, drawn from the OS generator
/// (rejection sampling keeps every character equally likely).
pub fn new_check_code() -> Result<String, String> {
    use rand::TryRngCore;
    let n = CHECK_ALPHABET.len();
    let limit = (256 / n * n) as u8;
    let mut code = String::with_capacity(CHECK_CODE_LEN);
    let mut buf = [0u8; 16];
    while code.len() < CHECK_CODE_LEN {
        rand::rngs::OsRng
            .try_fill_bytes(&mut buf)
            .map_err(|e| format!("OS random generator failed: {e}"))?;
        for b in buf.iter().filter(|b| **b < limit) {
            if code.len() < CHECK_CODE_LEN {
                code.push(CHECK_ALPHABET[usize::from(*b) % n] as char);
            }
        }
    }
    Ok(code)
}

/// The printed number of the card with this sequence number (42 → `JC00042`).
pub fn card_number(sequence: u64) -> String {
    format!("{NUMBER_PREFIX}{sequence:05}")
}

/// The sequence number of a printed card number (`JC00042` → 42).
pub fn card_sequence(number: &str) -> Option<u64> {
    number.strip_prefix(NUMBER_PREFIX)?.parse().ok()
}

/// The printed number following the highest one in use.
pub fn next_card_number(highest: Option<&str>) -> String {
    let next = highest
        .and_then(card_sequence)
        .unwrap_or(0)
        .saturating_add(1);
    card_number(next)
}

/// Emergency numbers every card shows (the community service centre is added per community).
pub const EMERGENCY_NUMBERS: [(&str, &str); 4] = [
    ("报警 Police", "110"),
    ("火警 Fire", "119"),
    ("急救 Ambulance", "120"),
    ("政务服务便民热线 Government hotline", "12345"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_codes_are_random_and_unambiguous() {
        let a = new_check_code().unwrap();
        let b = new_check_code().unwrap();
        assert_eq!(a.len(), CHECK_CODE_LEN);
        assert!(a.bytes().all(|c| CHECK_ALPHABET.contains(&c)));
        // 31^6 ≈ 887 million codes: two equal draws in a row mean the generator is broken.
        assert_ne!(a, b);
    }

    #[test]
    fn card_numbers_follow_the_highest() {
        assert_eq!(card_number(7), "JC00007");
        assert_eq!(next_card_number(Some("JC10000")), "JC10001");
        assert_eq!(next_card_number(None), "JC00001");
        assert_eq!(card_sequence("XX1"), None);
        assert_eq!(CardNumber::from_sequence(42).as_str(), "JC00042");
    }

    #[test]
    fn typed_values_are_trimmed_upper_case_and_bounded() {
        assert_eq!(CardNumber::parse(" jc00001 ").unwrap().as_str(), "JC00001");
        assert_eq!(CheckCode::parse("abc234\t").unwrap().as_str(), "ABC234");
        for bad in ["", "  ", "a b", "JC-1", "京C1", &"A".repeat(17)] {
            assert!(CardNumber::parse(bad).is_none(), "{bad:?}");
            assert!(CheckCode::parse(bad).is_none(), "{bad:?}");
        }
        assert!(CheckCode::parse("abc234").unwrap().matches("ABC234"));
        assert!(!CheckCode::parse("ABC235").unwrap().matches("ABC234"));
    }

    #[test]
    fn deserializing_checks_the_shape_with_the_fields_message() {
        let n: CardNumber = serde_json::from_str(r#"" jc00001""#).unwrap();
        assert_eq!(n.as_str(), "JC00001");
        let e = serde_json::from_str::<CheckCode>(r#""a b""#).unwrap_err();
        assert!(e.to_string().starts_with(TYPED_SHAPE), "{e}");
        assert!(serde_json::from_str::<CardNumber>("5").is_err());
    }

    #[test]
    fn pairs_name_the_field_at_fault() {
        let (n, c) = validate_pair(" jc00001 ", "abc234").unwrap();
        assert_eq!((n.as_str(), c.as_str()), ("JC00001", "ABC234"));
        let field = |r: ApiResult<(CardNumber, CheckCode)>| r.unwrap_err().field.clone();
        assert_eq!(
            field(validate_pair("", "x")).as_deref(),
            Some("card_number")
        );
        assert_eq!(
            field(validate_pair("JC1", "a b")).as_deref(),
            Some("check_code")
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
