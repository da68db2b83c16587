//! The keys of personal data: AES-256-GCM keys by version (the current one seals, every one
//! kept opens) and the separate HMAC-SHA256 key of the blind index.
//!
//! A sealed value is `version (1 byte) ‖ nonce (12 random bytes) ‖ ciphertext ‖ tag (16)`. The
//! associated data names the column and the row (`users.phone:<user id>`), so a ciphertext
//! copied onto another row does not open there.
//!
//! Settings: `LINLI_PII_KEY` is the current key as `VERSION:BASE64` (VERSION 1 to 255, the key
//! 32 bytes in standard Base64; a bare key is version 1); `LINLI_PII_KEYS` lists former keys
//! the same way, comma-separated, kept to open rows the rotation job has not reached yet;
//! `LINLI_PII_INDEX_KEY` is the blind-index key (32 bytes, Base64), separate from the
//! encryption keys and not rotated with them (a new index key needs every index recomputed).

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use super::Phone;
use crate::error::{ApiError, ApiResult};

/// The development keys, used only when the development login is on and no key is set. They
/// are public (they are in this file): never for real numbers.
pub const DEV_KEY: &str = "1:ZGV2LW9ubHktcGlpLWtleS1ub3QtZm9yLXJlYWwtZGE=";
pub const DEV_INDEX_KEY: &str = "ZGV2LW9ubHktaW5kZXgta2V5LW5vdC1mb3ItcmVhbCE=";

const NONCE_LEN: usize = 12;

/// Every personal-data key of this process.
#[derive(Clone)]
pub struct PiiKeys {
    current: u8,
    ciphers: BTreeMap<u8, Aes256Gcm>,
    index: [u8; 32],
}

impl fmt::Debug for PiiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PiiKeys")
            .field("current", &self.current)
            .field("versions", &self.ciphers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn key_bytes(what: &str, b64: &str) -> Result<[u8; 32], String> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
        .ok_or_else(|| format!("{what} must be 32 bytes in standard Base64"))
}

fn versioned(what: &str, item: &str) -> Result<(u8, [u8; 32]), String> {
    let (version, key) = match item.trim().split_once(':') {
        Some((v, k)) => (
            v.trim()
                .parse::<u8>()
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| format!("{what}: the version must be 1 to 255"))?,
            k,
        ),
        None => (1, item),
    };
    Ok((version, key_bytes(what, key)?))
}

impl PiiKeys {
    /// Parse the settings (see the module documentation). The current key's version must not
    /// appear among the former keys with another key.
    pub fn parse(current: &str, former: &str, index: &str) -> Result<PiiKeys, String> {
        let (version, key) = versioned("LINLI_PII_KEY", current)?;
        let mut ciphers = BTreeMap::new();
        ciphers.insert(version, Aes256Gcm::new(&key.into()));
        for item in former.split(',').filter(|s| !s.trim().is_empty()) {
            let (v, k) = versioned("LINLI_PII_KEYS", item)?;
            if v == version {
                if k != key {
                    return Err(format!(
                        "LINLI_PII_KEYS has another key for version {v}, the current key's version"
                    ));
                }
                continue;
            }
            if ciphers.insert(v, Aes256Gcm::new(&k.into())).is_some() {
                return Err(format!("LINLI_PII_KEYS names version {v} twice"));
            }
        }
        Ok(PiiKeys {
            current: version,
            ciphers,
            index: key_bytes("LINLI_PII_INDEX_KEY", index)?,
        })
    }

    /// The version new values are sealed under.
    pub fn current_version(&self) -> u8 {
        self.current
    }

    /// Encrypt `phone` for the row `user_id` under the current key, with a fresh random nonce.
    pub fn seal(&self, phone: &Phone, user_id: i64) -> ApiResult<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill(&mut nonce);
        let aad = aad(user_id);
        let sealed = self.ciphers[&self.current]
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: phone.expose().as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("AES-GCM refused to encrypt"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(self.current);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypt a value sealed for the row `user_id`, under whichever kept key its version names.
    /// An unknown version or a value that does not open is a server error (a key missing from
    /// the settings, or a damaged row); the message names the version, never the content.
    pub fn open(&self, sealed: &[u8], user_id: i64) -> ApiResult<Phone> {
        let version = *sealed
            .first()
            .ok_or_else(|| ApiError::internal("empty personal-data ciphertext"))?;
        let cipher = self.ciphers.get(&version).ok_or_else(|| {
            ApiError::internal(format!(
                "personal data sealed under key version {version}, which LINLI_PII_KEY/LINLI_PII_KEYS do not hold"
            ))
        })?;
        if sealed.len() < 1 + NONCE_LEN + 16 {
            return Err(ApiError::internal("personal-data ciphertext too short"));
        }
        let aad = aad(user_id);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&sealed[1..1 + NONCE_LEN]),
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| {
                ApiError::internal(format!(
                    "personal data of user {user_id} does not open under key version {version}"
                ))
            })?;
        std::str::from_utf8(&plain)
            .ok()
            .and_then(Phone::parse)
            .ok_or_else(|| ApiError::internal("personal-data plaintext is not a phone number"))
    }

    /// The key version a sealed value names.
    pub fn version_of(sealed: &[u8]) -> Option<u8> {
        sealed.first().copied()
    }

    /// The blind index: HMAC-SHA256 under the index key over the E.164 number. Equal numbers
    /// give equal indexes; without the key nobody can test a guess against it.
    pub fn index(&self, phone: &Phone) -> ApiResult<Vec<u8>> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.index).map_err(ApiError::internal)?;
        mac.update(b"phone:");
        mac.update(phone.e164().as_bytes());
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

fn aad(user_id: i64) -> String {
    format!("users.phone:{user_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    #[test]
    fn seals_with_fresh_nonces_and_opens_under_kept_versions_only() {
        let phone = Phone::parse("13812341234").unwrap();
        let old = PiiKeys::parse(&format!("1:{}", key(1)), "", &key(9)).unwrap();
        let (a, b) = (old.seal(&phone, 7).unwrap(), old.seal(&phone, 7).unwrap());
        assert_ne!(a, b);
        assert_eq!(a[0], 1);
        assert_eq!(old.open(&a, 7).unwrap(), phone);
        assert!(
            old.open(&a, 8).is_err(),
            "another row's ciphertext must not open"
        );
        let new =
            PiiKeys::parse(&format!("2:{}", key(2)), &format!("1:{}", key(1)), &key(9)).unwrap();
        assert_eq!(new.open(&a, 7).unwrap(), phone);
        assert_eq!(new.seal(&phone, 7).unwrap()[0], 2);
        assert_eq!(new.index(&phone).unwrap(), old.index(&phone).unwrap());
        let only_new = PiiKeys::parse(&format!("2:{}", key(2)), "", &key(9)).unwrap();
        assert!(only_new.open(&a, 7).is_err());
        assert!(!format!("{new:?}").contains(&key(2)));
    }

    #[test]
    fn refuses_malformed_settings() {
        assert!(PiiKeys::parse("1:short", "", &key(9)).is_err());
        assert!(PiiKeys::parse(&format!("0:{}", key(1)), "", &key(9)).is_err());
        assert!(PiiKeys::parse(&key(1), "", "x").is_err());
        assert!(PiiKeys::parse(&key(1), &format!("1:{}", key(3)), &key(9)).is_err());
        assert!(PiiKeys::parse(DEV_KEY, "", DEV_INDEX_KEY).is_ok());
    }
}
