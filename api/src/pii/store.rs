//! `users.phone_cipher`, `phone_index`, `phone_key_version`: the only place a phone number is
//! written or read back.

use diesel::prelude::*;

use super::{Phone, PiiKeys};
use crate::auth::Role;
use crate::db::schema::{buildings, compounds, households, users};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// Store `phone` for `user_id` (sealed under the current key, with its blind index). Setting the
/// same number again is harmless (a new ciphertext, the same index). An erased account or no
/// such user: 404.
pub fn set_phone(conn: &mut DbConn, keys: &PiiKeys, user_id: i64, phone: &Phone) -> ApiResult<()> {
    let changed = diesel::update(
        users::table
            .find(user_id)
            .filter(users::erased_at.is_null()),
    )
    .set((
        users::phone_cipher.eq(Some(keys.seal(phone, user_id)?)),
        users::phone_index.eq(Some(keys.index(phone)?)),
        users::phone_key_version.eq(Some(i64::from(keys.current_version()))),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// Remove the number and its index (nothing to remove is fine).
pub fn clear_phone(conn: &mut DbConn, user_id: i64) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::phone_cipher.eq(None::<Vec<u8>>),
            users::phone_index.eq(None::<Vec<u8>>),
            users::phone_key_version.eq(None::<i64>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The user's number, decrypted; `None` when they have none.
pub fn phone_of(conn: &mut DbConn, keys: &PiiKeys, user_id: i64) -> ApiResult<Option<Phone>> {
    let sealed: Option<Option<Vec<u8>>> = users::table
        .find(user_id)
        .select(users::phone_cipher)
        .first(conn)
        .optional()?;
    sealed.flatten().map(|s| keys.open(&s, user_id)).transpose()
}

/// The users (not erased) whose number is `phone`, found by the blind index, lowest id first.
pub fn users_with_phone(conn: &mut DbConn, keys: &PiiKeys, phone: &Phone) -> ApiResult<Vec<i64>> {
    Ok(users::table
        .filter(users::phone_index.eq(keys.index(phone)?))
        .filter(users::erased_at.is_null())
        .order(users::id)
        .select(users::id)
        .limit(50)
        .load(conn)?)
}

/// The community of the household a user is bound to, if any.
pub fn community_of(conn: &mut DbConn, user_id: i64) -> ApiResult<Option<i64>> {
    Ok(users::table
        .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
        .filter(users::id.eq(user_id))
        .select(compounds::community_id)
        .first(conn)
        .optional()?)
}

/// Whether staff member `staff` (with role `role`) serves resident `resident`: an administrator
/// serves everyone; community staff serve the residents of the community of the household they
/// are bound to. Anyone else serves nobody.
pub fn serves(conn: &mut DbConn, staff: i64, role: Role, resident: i64) -> ApiResult<bool> {
    match role {
        Role::Admin => Ok(true),
        Role::Staff => {
            let mine = community_of(conn, staff)?;
            Ok(mine.is_some() && mine == community_of(conn, resident)?)
        }
        _ => Ok(false),
    }
}
