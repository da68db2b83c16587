//! [`Phone`]: a resident's Chinese mainland mobile number, normalised, whose `Debug` and
//! `Display` never print it (so it cannot reach a log line or an error body by accident).

use std::fmt;

use serde::{Deserialize, Deserializer};

/// What a resident is told when a number is not a mainland mobile number (never the number).
pub const PHONE_RULE: &str = "必须是中国大陆手机号（11 位数字，以 1 开头，第二位 3 到 9）";

/// A normalised mainland mobile number: 11 digits, `1[3-9]` then nine digits, without the
/// `+86` country code. Read it with [`Phone::expose`] (to encrypt or show to its owner) or
/// [`Phone::masked`] (everywhere else).
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

/// The longest text accepted for a number (the request schemas' `maxLength`).
pub const MAX_INPUT_CHARS: usize = 24;

impl Phone {
    /// Accepts spaces and dashes between digits and a `+86`, `0086` or `86`
    /// prefix; anything else (letters, landlines, other countries) is refused.
    pub fn parse(input: &str) -> Option<Phone> {
        // No longer than the documented `maxLength`, whatever the spaces.
        if input.chars().count() > MAX_INPUT_CHARS {
            return None;
        }
        let mut digits = String::with_capacity(16);
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                '-' => {}
                c if c.is_whitespace() => {}
                _ => return None,
            }
        }
        let national = if input.trim().starts_with('+') {
            digits.strip_prefix("86")?
        } else if digits.len() == 15 {
            digits.strip_prefix("0086")?
        } else if digits.len() == 13 {
            digits.strip_prefix("86")?
        } else {
            &digits
        };
        let b = national.as_bytes();
        (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]))
            .then(|| Phone(national.to_owned()))
    }

    /// The 11 digits. Only for encryption and for showing the number to someone allowed to
    /// see it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The number in E.164 form (`+86…`): what the blind index is computed over.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    /// First three and last four digits: `138****1234`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone(***)")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through `Value`, so a number sent as a JSON number is refused without being echoed
        // (serde's own "invalid type: integer `…`" would name it).
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(raw) => Phone::parse(&raw),
            _ => None,
        }
        .ok_or_else(|| serde::de::Error::custom(PHONE_RULE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_mainland_mobiles_and_refuses_the_rest() {
        for ok in [
            "13812341234",
            " 138 1234 1234 ",
            "138-1234-1234",
            "+86 138 1234 1234",
            "+8613812341234",
            "008613812341234",
            "8613812341234",
        ] {
            assert_eq!(
                Phone::parse(ok).map(|p| p.0),
                Some("13812341234".into()),
                "{ok}"
            );
        }
        for bad in [
            "",
            "1381234123",
            "138123412345",
            "12812341234",
            "23812341234",
            "+1 138 1234 1234",
            "138x1234123",
            "0931-1234567",
            "１３８１２３４１２３４",
            "(138) 1234 1234",
            "13000000000              ",
        ] {
            assert!(Phone::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn never_prints_its_digits() {
        let p = Phone::parse("13812341234").unwrap();
        assert_eq!(p.masked(), "138****1234");
        assert_eq!(p.e164(), "+8613812341234");
        for shown in [format!("{p:?}"), format!("{p}"), format!("{:?}", Some(&p))] {
            assert!(!shown.contains("1234") && !shown.contains("138"), "{shown}");
        }
        for sent in ["\"13912345\"", "13912345678", "[13912345678]"] {
            let err = serde_json::from_str::<Phone>(sent).unwrap_err();
            assert!(!err.to_string().contains("1391234"), "{err}");
        }
    }
}
