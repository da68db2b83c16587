//! Users and refresh tokens in the database.
//!
//! Refresh tokens are opaque random strings; only their SHA-256 is stored. Each use rotates
//! the token (a conditional update marks the old one used, so two concurrent uses cannot both
//! win), and a second use of a rotated token revokes its whole family: whoever stole it and
//! whoever owns it both have to log in again.
//!
//! Except within a short grace window (`LINLI_REFRESH_GRACE_SECS`): a phone that sent its
//! refresh, lost the answer and sends it again gets the same new pair. To answer again without
//! keeping any token in plain form, the successor of a token is derived from it: HMAC-SHA256
//! under the server's key ([`successor_of`]). The server can name it again from the presented
//! token; the database still holds only hashes, and nobody without the key can derive it. The
//! access token of the answer is signed from the successor row's time and an id derived from
//! the successor, so it comes out the same too.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::Role;
use crate::db::schema::{refresh_tokens as rt, users};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub openid: String,
    pub nickname: String,
    pub role: Role,
    pub household_id: Option<i64>,
    pub created_at: NaiveDateTime,
    /// Bumped by every change of the role: tokens signed at an older version get their role
    /// from the database.
    pub auth_version: i64,
}

impl User {
    pub fn find(conn: &mut DbConn, id: i64) -> ApiResult<Option<User>> {
        Ok(users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    fn find_by_openid(conn: &mut DbConn, openid: &str) -> ApiResult<Option<User>> {
        Ok(users::table
            .filter(users::openid.eq(openid))
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    /// Find the user with this openid or create them as a resident; records the login time.
    /// Two first logins at once both end with the same user (the UNIQUE openid decides).
    pub fn login(
        conn: &mut DbConn,
        openid: &str,
        unionid: Option<&str>,
        new_role: Role,
        now: NaiveDateTime,
    ) -> ApiResult<User> {
        if let Some(user) = Self::find_by_openid(conn, openid)? {
            diesel::update(users::table.find(user.id))
                .set(users::last_login_at.eq(now))
                .execute(conn)?;
            return Ok(user);
        }
        let nickname = format!(
            "居民{}",
            &hex::encode(Sha256::digest(openid.as_bytes()))[..6]
        );
        let inserted = diesel::insert_into(users::table)
            .values((
                users::openid.eq(openid),
                users::unionid.eq(unionid),
                users::nickname.eq(&nickname),
                users::role.eq(new_role),
                users::created_at.eq(now),
                users::last_login_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(e) if db::is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        Self::find_by_openid(conn, openid)?
            .ok_or_else(|| ApiError::internal("user vanished after insert"))
    }

    /// Change a user's role (administration command and tests); bumps `auth_version`, so
    /// tokens signed before take their role from the database from the next request on (after
    /// at most `LINLI_AUTH_CACHE_MS` in other processes). Returns the users changed.
    pub fn set_role(conn: &mut DbConn, openid: &str, role: Role) -> ApiResult<usize> {
        Ok(
            diesel::update(users::table.filter(users::openid.eq(openid)))
                .set((
                    users::role.eq(role),
                    users::auth_version.eq(users::auth_version + 1),
                ))
                .execute(conn)?,
        )
    }
}

/// A new refresh token: the secret for the client and its row.
pub struct IssuedRefresh {
    pub token: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl IssuedRefresh {
    /// The id of the access token issued with this refresh token (derived from it, so a
    /// replayed answer carries the same access token; not the stored hash).
    pub fn access_jti(&self) -> String {
        hex::encode(&Sha256::digest(format!("jti:{}", self.token).as_bytes())[..16])
    }
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The refresh token that replaces `token`: HMAC-SHA256 of it under `key`.
fn successor_of(key: &[u8], token: &str) -> ApiResult<String> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(ApiError::internal)?;
    mac.update(b"linli refresh successor\0");
    mac.update(token.as_bytes());
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// How refresh tokens are rotated.
pub struct RefreshPolicy<'a> {
    /// Lifetime of a new refresh token.
    pub ttl: Duration,
    /// How long after its use a token presented again gets the same answer.
    pub grace: Duration,
    /// The server's key for deriving successors.
    pub key: &'a [u8],
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Store a new refresh token in `family` (a new family for a fresh login).
pub fn issue_refresh(
    conn: &mut DbConn,
    user_id: i64,
    family: Option<&str>,
    now: NaiveDateTime,
    ttl: Duration,
) -> ApiResult<IssuedRefresh> {
    let family = family
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    insert_refresh(conn, user_id, &family, new_token(), now, ttl)
}

fn insert_refresh(
    conn: &mut DbConn,
    user_id: i64,
    family: &str,
    token: String,
    now: NaiveDateTime,
    ttl: Duration,
) -> ApiResult<IssuedRefresh> {
    let expires_at = now + ttl;
    diesel::insert_into(rt::table)
        .values((
            rt::user_id.eq(user_id),
            rt::family_id.eq(family),
            rt::token_hash.eq(hash_token(&token)),
            rt::created_at.eq(now),
            rt::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(IssuedRefresh {
        token,
        issued_at: now,
        expires_at,
    })
}

#[derive(Queryable)]
struct TokenRow {
    id: i64,
    user_id: i64,
    family_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// The outcome of presenting a refresh token.
pub enum Rotation {
    Rotated {
        user: User,
        refresh: IssuedRefresh,
    },
    /// The token had been used already: the family is now revoked.
    Reused,
    Invalid,
}

/// Exchange a refresh token for its successor in the same family. Runs in one transaction; a
/// detected reuse commits the family's revocation and reports [`Rotation::Reused`].
pub fn rotate(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
    policy: &RefreshPolicy<'_>,
) -> ApiResult<Rotation> {
    let hash = hash_token(token);
    let successor = successor_of(policy.key, token)?;
    db::transaction(conn, |conn| {
        let row: Option<TokenRow> = rt::table
            .filter(rt::token_hash.eq(&hash))
            .select((
                rt::id,
                rt::user_id,
                rt::family_id,
                rt::expires_at,
                rt::used_at,
                rt::revoked_at,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else {
            return Ok(Rotation::Invalid);
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        if row.used_at.is_none() {
            let claimed = diesel::update(
                rt::table.filter(
                    rt::id
                        .eq(row.id)
                        .and(rt::used_at.is_null())
                        .and(rt::revoked_at.is_null()),
                ),
            )
            .set(rt::used_at.eq(now))
            .execute(conn)?;
            if claimed == 1 {
                let Some(user) = User::find(conn, row.user_id)? else {
                    return Ok(Rotation::Invalid);
                };
                let refresh = insert_refresh(
                    conn,
                    user.id,
                    &row.family_id,
                    successor.clone(),
                    now,
                    policy.ttl,
                )?;
                return Ok(Rotation::Rotated { user, refresh });
            }
        }
        replay_or_revoke(conn, &row, &successor, now, policy.grace)
    })
}

/// A used token presented again: within the grace window after its use, and while its
/// successor is unused, the same answer as the first time; otherwise a reuse, which revokes
/// the family.
fn replay_or_revoke(
    conn: &mut DbConn,
    row: &TokenRow,
    successor: &str,
    now: NaiveDateTime,
    grace: Duration,
) -> ApiResult<Rotation> {
    // Read again: a concurrent request may have used it since the first read (READ
    // COMMITTED, or a retried SQLite transaction, sees its commit).
    let used_at: Option<NaiveDateTime> = rt::table.find(row.id).select(rt::used_at).first(conn)?;
    if used_at.is_some_and(|used| now - used <= grace) {
        let next: Option<(
            NaiveDateTime,
            NaiveDateTime,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        )> = rt::table
            .filter(
                rt::token_hash
                    .eq(hash_token(successor))
                    .and(rt::family_id.eq(&row.family_id)),
            )
            .select((rt::created_at, rt::expires_at, rt::used_at, rt::revoked_at))
            .first(conn)
            .optional()?;
        if let Some((issued_at, expires_at, None, None)) = next {
            if let Some(user) = User::find(conn, row.user_id)? {
                let refresh = IssuedRefresh {
                    token: successor.to_owned(),
                    issued_at,
                    expires_at,
                };
                return Ok(Rotation::Rotated { user, refresh });
            }
        }
    }
    revoke_family(conn, &row.family_id, now)?;
    Ok(Rotation::Reused)
}

fn revoke_family(conn: &mut DbConn, family: &str, now: NaiveDateTime) -> ApiResult<usize> {
    Ok(
        diesel::update(rt::table.filter(rt::family_id.eq(family).and(rt::revoked_at.is_null())))
            .set(rt::revoked_at.eq(now))
            .execute(conn)?,
    )
}

/// Log out: revoke the family of the presented token. Unknown tokens are ignored.
pub fn logout(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> ApiResult<()> {
    let family: Option<String> = rt::table
        .filter(rt::token_hash.eq(hash_token(token)))
        .select(rt::family_id)
        .first(conn)
        .optional()?;
    if let Some(family) = family {
        revoke_family(conn, &family, now)?;
    }
    Ok(())
}

/// Delete refresh tokens that expired more than a day ago. Run by the background jobs.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    Ok(
        diesel::delete(rt::table.filter(rt::expires_at.lt(now - Duration::days(1))))
            .execute(conn)?,
    )
}

impl From<Rotation> for Result<(User, IssuedRefresh), ApiError> {
    fn from(r: Rotation) -> Self {
        match r {
            Rotation::Rotated { user, refresh } => Ok((user, refresh)),
            Rotation::Reused => Err(ApiError::new(ErrorCode::RefreshTokenReused)),
            Rotation::Invalid => Err(ApiError::new(ErrorCode::InvalidRefreshToken)),
        }
    }
}
