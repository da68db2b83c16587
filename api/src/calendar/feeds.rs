//! Calendar feed tokens: one long random secret per user, rotated or revoked on request.

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;

use crate::db::schema::calendar_feeds as cf;
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult};

/// 32 random bytes, URL-safe base64 (43 characters).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The user's current feed token and when it was made.
pub fn current(conn: &mut DbConn, user_id: i64) -> ApiResult<Option<(String, NaiveDateTime)>> {
    Ok(cf::table
        .filter(cf::user_id.eq(user_id))
        .select((cf::token, cf::created_at))
        .first(conn)
        .optional()?)
}

/// Make a new token, replacing the old one (which stops working at once).
pub fn rotate(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> ApiResult<String> {
    for _ in 0..3 {
        let token = new_token();
        let n = diesel::update(cf::table.filter(cf::user_id.eq(user_id)))
            .set((cf::token.eq(&token), cf::created_at.eq(now)))
            .execute(conn)?;
        if n == 1 {
            return Ok(token);
        }
        let inserted = diesel::insert_into(cf::table)
            .values((
                cf::user_id.eq(user_id),
                cf::token.eq(&token),
                cf::created_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(token),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("could not store a calendar token"))
}

pub fn revoke(conn: &mut DbConn, user_id: i64) -> ApiResult<bool> {
    Ok(diesel::delete(cf::table.filter(cf::user_id.eq(user_id))).execute(conn)? > 0)
}

/// Whose feed this token opens.
pub fn user_of(conn: &mut DbConn, token: &str) -> ApiResult<Option<i64>> {
    if token.len() != 43
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    Ok(cf::table
        .filter(cf::token.eq(token))
        .select(cf::user_id)
        .first(conn)
        .optional()?)
}
