//! Personal data (issue 14 §2): residents' phone numbers, stored only encrypted and found
//! through a blind index; the key rotation job; the refusal of identity-card numbers.
//!
//! - [`Phone`] holds a normalised number and never prints it.
//! - [`PiiKeys`] seals and opens numbers (AES-256-GCM, a random nonce, a key version byte) and
//!   computes the blind index (HMAC-SHA256 under a separate key).
//! - [`store`] reads and writes `users.phone_*`; [`rotate`] re-encrypts every row under the
//!   current key, resumably.
//! - [`forbidden_field`] finds an `id_card` / `id_number` key anywhere in a JSON body: Linli
//!   never stores identity-card numbers (staff check papers in person).

pub mod handlers;
pub mod keys;
pub mod phone;
pub mod rotate;
pub mod store;

pub use keys::PiiKeys;
pub use phone::Phone;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register the staff routes of personal data.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::staff_set_phone)
        .service(handlers::staff_read_phone)
        .service(handlers::staff_find_by_phone);
}

/// Field names that would carry an identity-card number, compared without case, `_` or `-`.
const ID_NUMBER_FIELDS: &[&str] = &[
    "idcard",
    "idnumber",
    "idcardno",
    "idcardnumber",
    "idno",
    "identitycard",
    "identitynumber",
];

/// The path (`a.b[0].id_card`) of the first key in `value`, at any depth, that names an
/// identity-card number, if any.
pub fn forbidden_field(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        match value {
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let folded: String = k
                    .chars()
                    .filter(|c| !matches!(c, '_' | '-' | ' '))
                    .flat_map(char::to_lowercase)
                    .collect();
                if ID_NUMBER_FIELDS.contains(&folded.as_str()) {
                    Some(here)
                } else {
                    walk(v, &here)
                }
            }),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            _ => None,
        }
    }
    walk(value, "")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn finds_identity_number_fields_at_any_depth_and_case() {
        assert_eq!(
            super::forbidden_field(&json!({"id_card": "x"})),
            Some("id_card".into())
        );
        assert_eq!(
            super::forbidden_field(&json!({"a": [{"b": 1}, {"ID-Number": 2}]})),
            Some("a[1].ID-Number".into())
        );
        assert_eq!(
            super::forbidden_field(&json!({"profile": {"idCard": null}})),
            Some("profile.idCard".into())
        );
        assert_eq!(
            super::forbidden_field(&json!({"card_number": "JC1", "id": 3})),
            None
        );
    }
}
