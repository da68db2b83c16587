//! Users and refresh tokens in the database.
//!
//! Refresh tokens are opaque random strings; only their SHA-256 is stored. Each use rotates
//! the token (a conditional update marks the old one used, so two concurrent uses cannot both
//! win), and a second use of a rotated token revokes its whole family: whoever stole it and
//! whoever owns it both have to log in again.

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

    /// Change a user's role (administration command and tests).
    pub fn set_role(conn: &mut DbConn, openid: &str, role: Role) -> ApiResult<usize> {
        Ok(
            diesel::update(users::table.filter(users::openid.eq(openid)))
                .set(users::role.eq(role))
                .execute(conn)?,
        )
    }
}

/// A new refresh token: the secret for the client and its row.
pub struct IssuedRefresh {
    pub token: String,
    pub expires_at: NaiveDateTime,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
    let token = new_token();
    let family = family
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let expires_at = now + ttl;
    diesel::insert_into(rt::table)
        .values((
            rt::user_id.eq(user_id),
            rt::family_id.eq(&family),
            rt::token_hash.eq(hash_token(&token)),
            rt::created_at.eq(now),
            rt::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(IssuedRefresh { token, expires_at })
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

/// Exchange a refresh token for a new one in the same family. Runs in one transaction; a
/// detected reuse commits the family's revocation and reports [`Rotation::Reused`].
pub fn rotate(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
    ttl: Duration,
) -> ApiResult<Rotation> {
    let hash = hash_token(token);
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
        if row.used_at.is_some() {
            revoke_family(conn, &row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
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
        if claimed == 0 {
            // Another request used it at the same moment: treat as reuse.
            revoke_family(conn, &row.family_id, now)?;
            return Ok(Rotation::Reused);
        }
        let Some(user) = User::find(conn, row.user_id)? else {
            return Ok(Rotation::Invalid);
        };
        let refresh = issue_refresh(conn, user.id, Some(&row.family_id), now, ttl)?;
        Ok(Rotation::Rotated { user, refresh })
    })
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
