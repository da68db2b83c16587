//! The partner area's rules as plain functions, tested without a database.

use super::scope::Scope;

/// A requested scope the client may not have: unknown, or not among the client's. Holds the
/// name as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotGranted(pub String);

/// Which scopes a token gets, from the scopes the client holds and the OAuth 2 `scope`
/// parameter it sent (names separated by spaces). Nothing asked for (absent, or only
/// spaces): everything the client holds. Otherwise exactly what was asked for, in that
/// order, provided the client holds every one; the first it does not hold refuses the
/// whole request, since a token with less than was asked for would fail later and less
/// clearly.
pub fn grant_scopes(held: &[Scope], requested: Option<&str>) -> Result<Vec<Scope>, NotGranted> {
    let Some(requested) = requested.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(held.to_vec());
    };
    requested
        .split(' ')
        .filter(|name| !name.is_empty())
        .map(|name| match Scope::parse(name) {
            Ok(scope) if held.contains(&scope) => Ok(scope),
            _ => Err(NotGranted(name.to_owned())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Scope::*;

    #[test]
    fn nothing_asked_for_grants_everything_held() {
        let held = [PilesRead, BookingsRead];
        assert_eq!(grant_scopes(&held, None), Ok(held.to_vec()));
        assert_eq!(grant_scopes(&held, Some("")), Ok(held.to_vec()));
        assert_eq!(grant_scopes(&held, Some("   ")), Ok(held.to_vec()));
    }

    #[test]
    fn asking_for_some_grants_exactly_those_in_the_order_asked() {
        let held = Scope::ALL;
        assert_eq!(
            grant_scopes(&held, Some("webhooks:manage piles:read")),
            Ok(vec![WebhooksManage, PilesRead])
        );
        assert_eq!(
            grant_scopes(&held, Some("  piles:read   bookings:read ")),
            Ok(vec![PilesRead, BookingsRead])
        );
    }

    #[test]
    fn asking_for_a_scope_not_held_refuses_and_names_it() {
        let held = [BookingsRead];
        assert_eq!(
            grant_scopes(&held, Some("bookings:read piles:write")),
            Err(NotGranted("piles:write".into()))
        );
    }

    #[test]
    fn asking_for_an_unknown_scope_refuses_and_names_it_as_sent() {
        assert_eq!(
            grant_scopes(&Scope::ALL, Some("piles:read Piles:Write")),
            Err(NotGranted("Piles:Write".into()))
        );
        // Only spaces separate names, as OAuth 2 says: a tab is part of a name.
        assert_eq!(
            grant_scopes(&Scope::ALL, Some("piles:read\tpiles:write")),
            Err(NotGranted("piles:read\tpiles:write".into()))
        );
    }

    #[test]
    fn a_client_holding_nothing_gets_nothing_and_can_ask_for_nothing() {
        assert_eq!(grant_scopes(&[], None), Ok(vec![]));
        assert_eq!(
            grant_scopes(&[], Some("piles:read")),
            Err(NotGranted("piles:read".into()))
        );
    }
}
