//! Request and response bodies of the volunteering area, one file per sub-area (as in
//! `handlers/` and `model/`). Statuses, roles, categories and reasons are
//! [`text_enum!`](crate::text_enum)s: the same spelling on the wire, in the OpenAPI document
//! and in the database. Client text is [`Text`](crate::text::Text), parsed at the edge.

pub mod activities;
pub mod points;
pub mod shop;
pub mod signups;
pub mod teams;
pub mod wishes;

use serde::Serialize;
use utoipa::ToSchema;

use crate::text::Text;

/// 他人看到的用户：只有 ID 和显示名称。
///
/// A user as others see them: id and display name only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserRef {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
}

/// The default of an optional free text (a description left out): empty.
fn empty_text<const MAX: usize>() -> Text<0, MAX> {
    // No characters always fit 0..=MAX, so the error arm cannot be taken.
    Text::parse("").unwrap_or_else(|_| unreachable!("an empty text fits 0..={MAX}"))
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};
    use utoipa::PartialSchema;

    use super::activities::*;
    use super::points::*;
    use super::shop::*;
    use super::signups::*;
    use super::teams::*;
    use super::wishes::*;

    /// A text of `n` characters, each three bytes in UTF-8 (bounds count characters).
    fn chars(n: u64) -> Value {
        json!("字".repeat(usize::try_from(n).unwrap()))
    }

    /// The bounds a request body documents are the ones it enforces: starting from the
    /// schema's own example, each bounded string (or array of strings) parses at its
    /// `maxLength` and `minLength` and is refused one character beyond either.
    fn documented_bounds_are_enforced<T: PartialSchema + DeserializeOwned>() -> usize {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let example = schema["example"].clone();
        assert!(example.is_object(), "{schema}");
        serde_json::from_value::<T>(example.clone()).expect("the example parses");
        let mut checked = 0;
        for (field, prop) in schema["properties"].as_object().unwrap() {
            let (bounds, wrap): (&Value, fn(Value) -> Value) = if prop["items"].is_object() {
                (&prop["items"], |v| json!([v]))
            } else {
                (prop, |v| v)
            };
            let parses = |v: Value| {
                let mut body = example.clone();
                body[field] = wrap(v);
                serde_json::from_value::<T>(body).is_ok()
            };
            let Some(max) = bounds["maxLength"].as_u64() else {
                continue;
            };
            assert!(parses(chars(max)), "{field} at maxLength");
            assert!(!parses(chars(max + 1)), "{field} beyond maxLength");
            let min = bounds["minLength"].as_u64().unwrap_or(0);
            assert!(parses(chars(min)), "{field} at minLength");
            if min > 0 {
                assert!(!parses(chars(min - 1)), "{field} below minLength");
                assert!(!parses(json!(" ".repeat(10))), "{field} is trimmed");
            }
            checked += 1;
        }
        checked
    }

    #[test]
    fn request_bodies_document_the_text_bounds_they_enforce() {
        let checked = [
            documented_bounds_are_enforced::<CreateTeamRequest>(),
            documented_bounds_are_enforced::<PartyMemberRequest>(),
            documented_bounds_are_enforced::<UpdateProfileRequest>(),
            documented_bounds_are_enforced::<CreateActivityRequest>(),
            documented_bounds_are_enforced::<UpdateActivityRequest>(),
            documented_bounds_are_enforced::<CancelActivityRequest>(),
            documented_bounds_are_enforced::<CheckInRequest>(),
            documented_bounds_are_enforced::<AdjustPointsRequest>(),
            documented_bounds_are_enforced::<CreateShopItemRequest>(),
            documented_bounds_are_enforced::<UpdateShopItemRequest>(),
            documented_bounds_are_enforced::<CollectRequest>(),
            documented_bounds_are_enforced::<CreateWishRequest>(),
        ];
        // Every text field of these bodies is bounded (and so was checked above).
        assert_eq!(checked, [2, 1, 1, 4, 4, 1, 1, 1, 2, 2, 1, 2]);
    }
}
