//! What a token's holder may do *now*: a user's role, a partner client's status and scopes, as
//! the database says, not as the token said when it was signed.
//!
//! Users and partner clients carry `auth_version`, bumped by every change of a role, of a
//! client's scopes and by a revocation; tokens carry the version they were signed at. Each
//! request that uses a role or a scope reads the current version (with the role, status and
//! scopes) from a per-process cache that keeps an answer for at most `LINLI_AUTH_CACHE_MS`
//! (2 s; 0 reads the database every time). While the token's version is the current one its
//! role and scopes stand; otherwise the database's role is used, and a client keeps only the
//! scopes it still holds. A change made through this process drops its cache entry at once; in
//! other processes it takes effect within the cache's lifetime.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::Role;
use crate::db::schema::{partner_clients as pc, users};
use crate::error::ApiResult;
use crate::partners::dto::ClientStatus;
use crate::partners::Scope;
use crate::state::AppState;

/// Entries kept per map before the cache is emptied (a bound on memory, not a tuning knob:
/// the entries live only seconds anyway).
const MAX_ENTRIES: usize = 50_000;

/// A user's role as the database holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserNow {
    pub role: Role,
    pub version: i64,
}

/// A partner client as the database holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientNow {
    pub active: bool,
    pub scopes: Vec<Scope>,
    pub version: i64,
}

/// The per-process cache of [`UserNow`] and [`ClientNow`], each answer kept for a bounded time.
#[derive(Debug)]
pub struct AuthCache {
    ttl: Duration,
    users: Mutex<HashMap<i64, (Instant, Option<UserNow>)>>,
    clients: Mutex<HashMap<String, (Instant, Option<ClientNow>)>>,
}

fn cached<K: std::hash::Hash + Eq, V: Clone>(
    map: &Mutex<HashMap<K, (Instant, V)>>,
    key: &K,
    ttl: Duration,
) -> Option<V> {
    if ttl.is_zero() {
        return None;
    }
    let map = map.lock().unwrap_or_else(|p| p.into_inner());
    map.get(key)
        .filter(|(at, _)| at.elapsed() < ttl)
        .map(|(_, v)| v.clone())
}

fn keep<K: std::hash::Hash + Eq, V>(
    map: &Mutex<HashMap<K, (Instant, V)>>,
    key: K,
    value: V,
    ttl: Duration,
) {
    if ttl.is_zero() {
        return;
    }
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, (at, _)| at.elapsed() < ttl);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    map.insert(key, (Instant::now(), value));
}

impl AuthCache {
    pub fn new(ttl_ms: u64) -> Self {
        AuthCache {
            ttl: Duration::from_millis(ttl_ms),
            users: Mutex::default(),
            clients: Mutex::default(),
        }
    }

    /// The user's current role and version; `None` when there is no such user.
    pub async fn user(&self, state: &AppState, user_id: i64) -> ApiResult<Option<UserNow>> {
        if let Some(hit) = cached(&self.users, &user_id, self.ttl) {
            return Ok(hit);
        }
        let row: Option<(Role, i64)> = state
            .db(move |conn| {
                Ok(users::table
                    .find(user_id)
                    .filter(users::erased_at.is_null())
                    .select((users::role, users::auth_version))
                    .first(conn)
                    .optional()?)
            })
            .await?;
        let now = row.map(|(role, version)| UserNow { role, version });
        keep(&self.users, user_id, now, self.ttl);
        Ok(now)
    }

    /// The client's current status, scopes and version; `None` when there is no such client.
    pub async fn client(&self, state: &AppState, client_id: &str) -> ApiResult<Option<ClientNow>> {
        let key = client_id.to_owned();
        if let Some(hit) = cached(&self.clients, &key, self.ttl) {
            return Ok(hit);
        }
        let lookup = key.clone();
        let row: Option<(ClientStatus, String, i64)> = state
            .db(move |conn| {
                Ok(pc::table
                    .filter(pc::client_id.eq(&lookup))
                    .select((pc::status, pc::scopes, pc::auth_version))
                    .first(conn)
                    .optional()?)
            })
            .await?;
        let now = match row {
            None => None,
            Some((status, scopes, version)) => Some(ClientNow {
                active: status == ClientStatus::Active,
                scopes: crate::partners::model::clients::stored_scopes(&scopes)?,
                version,
            }),
        };
        keep(&self.clients, key, now.clone(), self.ttl);
        Ok(now)
    }

    /// Forget what this process knows of a user (their role just changed here).
    pub fn forget_user(&self, user_id: i64) {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&user_id);
    }

    /// Forget what this process knows of a client (its scopes or status just changed here).
    pub fn forget_client(&self, client_id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(client_id);
    }
}

/// The role a user token stands for now: the token's while its version is current, the
/// database's otherwise.
pub fn effective_role(token_role: Role, token_version: i64, now: &UserNow) -> Role {
    if token_version == now.version {
        token_role
    } else {
        now.role
    }
}

/// The scopes a partner token stands for now: the token's while its version is current; after
/// a change, only those of the token the client still holds.
pub fn effective_scopes(
    token_scopes: Vec<Scope>,
    token_version: i64,
    now: &ClientNow,
) -> Vec<Scope> {
    if token_version == now.version {
        token_scopes
    } else {
        token_scopes
            .into_iter()
            .filter(|s| now.scopes.contains(s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_version_takes_the_databases_role_and_only_held_scopes() {
        let now = UserNow {
            role: Role::Resident,
            version: 2,
        };
        assert_eq!(effective_role(Role::Staff, 2, &now), Role::Staff);
        assert_eq!(effective_role(Role::Staff, 1, &now), Role::Resident);
        let client = ClientNow {
            active: true,
            scopes: vec![Scope::PilesRead],
            version: 3,
        };
        let all = Scope::ALL.to_vec();
        assert_eq!(effective_scopes(all.clone(), 3, &client), all);
        assert_eq!(effective_scopes(all, 2, &client), vec![Scope::PilesRead]);
    }

    #[test]
    fn a_zero_lifetime_keeps_nothing() {
        let cache = AuthCache::new(0);
        keep(&cache.users, 1, None::<UserNow>, cache.ttl);
        assert!(cached(&cache.users, &1, cache.ttl).is_none());
        let cache = AuthCache::new(60_000);
        keep(&cache.users, 1, None::<UserNow>, cache.ttl);
        assert_eq!(cached(&cache.users, &1, cache.ttl), Some(None));
        cache.forget_user(1);
        assert!(cached(&cache.users, &1, cache.ttl).is_none());
    }
}
