//! What a partner API client may do: the [`Scope`] enum. Staff give a client its scopes, the
//! client asks for some of them in a token, and each partner route requires one. Scopes are
//! stored space-separated in `partner_clients.scopes` and read back with
//! [`Scope::parse_list`]: a value this build does not know is an error, never dropped.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// 物业公司 API 客户端的一项权限。
///
/// A permission of a partner API client.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    /// See piles, sockets and their codes.
    #[serde(rename = "piles:read")]
    PilesRead,
    /// Install, change and retire piles; set socket states and maintenance.
    #[serde(rename = "piles:write")]
    PilesWrite,
    /// See bookings and utilisation reports.
    #[serde(rename = "bookings:read")]
    BookingsRead,
    /// Manage webhook subscriptions and deliveries.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

/// A scope name this build does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownScope(pub String);

impl fmt::Display for UnknownScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown partner scope `{}`", self.0)
    }
}

impl std::error::Error for UnknownScope {}

impl Scope {
    /// Every scope, in the order they are listed to people.
    pub const ALL: [Scope; 4] = [
        Scope::PilesRead,
        Scope::PilesWrite,
        Scope::BookingsRead,
        Scope::WebhooksManage,
    ];

    /// The name on the wire, in tokens and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::PilesRead => "piles:read",
            Scope::PilesWrite => "piles:write",
            Scope::BookingsRead => "bookings:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    /// What it allows, for the OpenAPI security scheme.
    pub fn description(self) -> &'static str {
        match self {
            Scope::PilesRead => "See piles, sockets and their codes",
            Scope::PilesWrite => {
                "Install, change and retire piles; set socket states and maintenance"
            }
            Scope::BookingsRead => "See bookings and utilisation reports",
            Scope::WebhooksManage => "Manage webhook subscriptions and deliveries",
        }
    }

    /// The scope named `s` (exactly, case and all).
    pub fn parse(s: &str) -> Result<Scope, UnknownScope> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| UnknownScope(s.to_owned()))
    }

    /// Scopes as stored: names separated by spaces, in their stored order.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, UnknownScope> {
        s.split(' ')
            .filter(|name| !name.is_empty())
            .map(Scope::parse)
            .collect()
    }

    /// Scopes as stored and as OAuth 2 spells them: names separated by one space.
    pub fn join(scopes: &[Scope]) -> String {
        // Each scope once, whatever the request repeated (a list of 25 repeats overflowed the
        // stored column: a 500 found by Schemathesis).
        let mut names: Vec<&str> = Vec::new();
        for s in scopes {
            if !names.contains(&s.as_str()) {
                names.push(s.as_str());
            }
        }
        names.join(" ")
    }

    /// "piles:read, piles:write, ...": the choice, for error messages.
    pub fn choices() -> String {
        Scope::ALL.map(Scope::as_str).join(", ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::parse(s)
    }
}

/// `deserialize_with` for a request's list of scopes: at least one, each known. The error
/// names the list, not the element (`scopes`, not `scopes[2]`), and lists the choice.
pub fn deserialize_nonempty_list<'de, D>(deserializer: D) -> Result<Vec<Scope>, D::Error>
where
    D: Deserializer<'de>,
{
    let names = Vec::<String>::deserialize(deserializer)?;
    let scopes: Result<Vec<Scope>, _> = names.iter().map(|n| Scope::parse(n)).collect();
    match scopes {
        Ok(scopes) if !scopes.is_empty() => Ok(scopes),
        _ => Err(serde::de::Error::custom(format!(
            "choose from {}",
            Scope::choices()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Ok(scope));
            assert_eq!(scope.to_string(), scope.as_str());
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
            assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        }
    }

    #[test]
    fn unknown_names_are_errors() {
        for bad in ["", "everything", "PILES:READ", "piles:read ", "piles"] {
            assert_eq!(Scope::parse(bad), Err(UnknownScope(bad.to_owned())));
            assert!(serde_json::from_str::<Scope>(&format!("\"{bad}\"")).is_err());
        }
    }

    #[test]
    fn a_stored_list_with_an_unknown_name_is_an_error_not_a_shorter_list() {
        assert_eq!(
            Scope::parse_list("piles:read bookings:read"),
            Ok(vec![Scope::PilesRead, Scope::BookingsRead])
        );
        assert_eq!(
            Scope::parse_list("piles:read everything bookings:read"),
            Err(UnknownScope("everything".into()))
        );
        assert_eq!(Scope::parse_list(""), Ok(vec![]));
    }

    #[test]
    fn join_is_what_parse_list_reads() {
        let all = Scope::ALL.to_vec();
        assert_eq!(
            Scope::join(&all),
            "piles:read piles:write bookings:read webhooks:manage"
        );
        assert_eq!(Scope::parse_list(&Scope::join(&all)), Ok(all));
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "deserialize_nonempty_list")]
        scopes: Vec<Scope>,
    }

    #[test]
    fn a_request_list_is_nonempty_and_known() {
        let ok: Body = serde_json::from_str(r#"{"scopes": ["webhooks:manage"]}"#).unwrap();
        assert_eq!(ok.scopes, vec![Scope::WebhooksManage]);
        for bad in [r#"{"scopes": []}"#, r#"{"scopes": ["piles:read", "x"]}"#] {
            let e = serde_json::from_str::<Body>(bad).unwrap_err().to_string();
            assert!(e.starts_with("choose from piles:read, piles:write"), "{e}");
        }
    }
}
