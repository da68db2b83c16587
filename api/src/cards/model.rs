//! Card queries. A card is found only by its number *and* its check code; a wrong code and an
//! unknown number look the same to the caller.

use diesel::prelude::*;

use crate::db::schema::cards;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// Normalise a typed or scanned card number: trimmed, upper-case.
pub fn normalize(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

/// Validate the shape of a card number / check code pair before touching the database.
pub fn validate_pair(number: &str, check: &str) -> ApiResult<(String, String)> {
    let number = normalize(number);
    let check = normalize(check);
    if number.is_empty() || number.len() > 16 || !number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ApiError::validation(
            "card_number",
            "must be 1 to 16 letters or digits",
        ));
    }
    if check.is_empty() || check.len() > 16 || !check.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::validation(
            "check_code",
            "must be 1 to 16 letters or digits",
        ));
    }
    Ok((number, check))
}

/// Compare without an early exit, so timing does not reveal how much of a code was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The household of the active card with this number and check code.
pub fn household_of(conn: &mut DbConn, number: &str, check: &str) -> ApiResult<Option<i64>> {
    let row: Option<(i64, String)> = cards::table
        .filter(
            cards::card_number
                .eq(number)
                .and(cards::status.eq("active")),
        )
        .select((cards::household_id, cards::check_code))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(household, code)| {
        constant_time_eq(code.as_bytes(), check.as_bytes()).then_some(household)
    }))
}

/// The number of the household's active card, if it has one.
pub fn active_card_number(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<String>> {
    Ok(cards::table
        .filter(
            cards::household_id
                .eq(household_id)
                .and(cards::status.eq("active")),
        )
        .select(cards::card_number)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_normalised_and_checked() {
        assert_eq!(
            validate_pair(" jc00001 ", "abc234").unwrap(),
            ("JC00001".to_owned(), "ABC234".to_owned())
        );
        assert_eq!(
            validate_pair("", "x").unwrap_err().field.as_deref(),
            Some("card_number")
        );
        assert_eq!(
            validate_pair("JC1", "a b").unwrap_err().field.as_deref(),
            Some("check_code")
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
