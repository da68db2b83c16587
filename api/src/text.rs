//! Free text from clients, parsed at the edge: [`Text`] is trimmed and holds `MIN..=MAX`
//! characters, or the request is refused naming the field (422 `validation_failed`). The one
//! rule for names, titles, reasons, descriptions and notes; handlers and models take the type
//! and never check lengths by hand.
//!
//! Text is stored NFC-normalised (a composed `é`, not `e` + combining accent, so equal text is
//! equal in the database and in searches). Control characters are refused (line breaks and
//! tabs only in long text, over [`LONG_TEXT`] characters: descriptions, notes, reasons), and
//! bidirectional controls (U+202A–U+202E, U+2066–U+2069) everywhere: they make a name read
//! differently from what it is.
//!
//! In a request body, declare the field with its bounds spelled for the OpenAPI document:
//! `#[schema(value_type = String, min_length = 1, max_length = 64)] pub name: Text<1, 64>`
//! (`#[schema(inline)]` on a documented field gives an `allOf` some generators cannot read).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ApiError, ApiResult};

/// Trimmed text of `MIN` to `MAX` characters (Unicode scalar values).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const MIN: usize, const MAX: usize>(String);

/// Why a text was refused, in words a client developer reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRefused(String);

impl fmt::Display for TextRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Texts allowed this many characters or more may hold line breaks and tabs.
pub const LONG_TEXT: usize = 500;

/// Whether `c` is a bidirectional embedding, override or isolate control.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether `text` holds a character no text field takes: a bidirectional control, or a
/// control character (other than line breaks and tabs when `multiline`).
pub fn has_forbidden_char(text: &str, multiline: bool) -> bool {
    text.chars().any(|c| {
        is_bidi_control(c) || (c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    })
}

impl<const MIN: usize, const MAX: usize> Text<MIN, MAX> {
    /// `raw` trimmed and NFC-normalised, when it then has `MIN` to `MAX` characters and no
    /// forbidden character.
    pub fn parse(raw: &str) -> Result<Self, TextRefused> {
        let multiline = MAX >= LONG_TEXT;
        if has_forbidden_char(raw.trim(), multiline) {
            return Err(TextRefused(if multiline {
                "must not contain control characters other than line breaks, nor direction overrides".to_owned()
            } else {
                "must not contain control characters, line breaks or direction overrides".to_owned()
            }));
        }
        let t: String = raw.trim().nfc().collect();
        let n = t.chars().count();
        if n < MIN || n > MAX {
            return Err(TextRefused(Self::rule()));
        }
        Ok(Text(t))
    }

    /// [`Text::parse`] for a value that did not come through serde (a query parameter, a
    /// field checked late): the refusal names `field`.
    pub fn parse_field(field: &str, raw: &str) -> ApiResult<Self> {
        Self::parse(raw).map_err(|e| ApiError::validation(field, e.0))
    }

    /// The rule, as the refusal states it.
    fn rule() -> String {
        match (MIN, MAX) {
            (0, max) => format!("must be at most {max} characters"),
            (min, max) if min == max => format!("must be exactly {max} characters"),
            (min, max) => format!("must be {min} to {max} characters"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Optional text (`MIN` 0) is empty when a client leaves it out.
impl<const MAX: usize> Default for Text<0, MAX> {
    fn default() -> Self {
        Text(String::new())
    }
}

impl<const MIN: usize, const MAX: usize> Deref for Text<MIN, MAX> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> AsRef<str> for Text<MIN, MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Debug for Text<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for Text<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MIN: usize, const MAX: usize> From<Text<MIN, MAX>> for String {
    fn from(t: Text<MIN, MAX>) -> String {
        t.0
    }
}

impl<'de, const MIN: usize, const MAX: usize> Deserialize<'de> for Text<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<'de, str>::deserialize(d)?;
        Text::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl<const MIN: usize, const MAX: usize> Serialize for Text<MIN, MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<const MIN: usize, const MAX: usize> PartialSchema for Text<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        let mut b = ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX));
        if MIN > 0 {
            b = b.min_length(Some(MIN));
        }
        RefOr::T(Schema::Object(b.build()))
    }
}

impl<const MIN: usize, const MAX: usize> ToSchema for Text<MIN, MAX> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        let t = Text::<1, 4>::parse("  天和人家 ").unwrap();
        assert_eq!(t.as_str(), "天和人家");
        assert!(Text::<1, 3>::parse("天和人家").is_err());
        assert!(Text::<1, 4>::parse("   ").is_err());
        assert_eq!(Text::<0, 4>::parse("  ").unwrap().as_str(), "");
    }

    #[test]
    fn controls_and_direction_overrides_are_refused_and_text_is_nfc() {
        assert!(Text::<0, 64>::parse("a\u{0}b").is_err());
        assert!(Text::<0, 64>::parse("a\nb").is_err());
        assert!(Text::<0, 500>::parse("a\nb\r\n\tc").is_ok());
        assert!(Text::<0, 500>::parse("a\u{7}b").is_err());
        for bidi in ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}'] {
            assert!(Text::<0, 5000>::parse(&format!("x{bidi}y")).is_err());
        }
        assert_eq!(Text::<0, 8>::parse("e\u{301}").unwrap().as_str(), "\u{e9}");
        assert_eq!(Text::<0, 8>::parse("e\u{301}").unwrap().chars().count(), 1);
    }

    #[test]
    fn refusals_state_the_rule() {
        assert_eq!(
            Text::<1, 64>::parse("").unwrap_err().to_string(),
            "must be 1 to 64 characters"
        );
        assert_eq!(
            Text::<0, 8>::parse("123456789").unwrap_err().to_string(),
            "must be at most 8 characters"
        );
    }

    #[test]
    fn serde_parses_at_the_edge() {
        #[derive(Deserialize)]
        struct Body {
            name: Text<1, 5>,
        }
        let b: Body = serde_json::from_str(r#"{"name": " abc "}"#).unwrap();
        assert_eq!(&*b.name, "abc");
        let e = serde_json::from_str::<Body>(r#"{"name": "abcdef"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("must be 1 to 5 characters"), "{e}");
        assert_eq!(serde_json::to_string(&b.name).unwrap(), "\"abc\"");
    }
}
