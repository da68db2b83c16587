//! The signed-in user in the database: what `GET /me` shows, and the household of their
//! active membership (`users.household_id`), which only [`set_active_household`] changes.

use diesel::prelude::*;

use super::dto::{HouseholdView, MeView};
use crate::auth::model::User;
use crate::cards;
use crate::db::schema::{membership_stamp as ms, users};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::places::model::household_address;

/// The user as `GET /me` shows them; a user that no longer exists makes the token invalid.
pub fn me_view(conn: &mut DbConn, keys: &crate::pii::PiiKeys, user_id: i64) -> ApiResult<MeView> {
    let user = User::find(conn, user_id)?.ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
    let household = match user.household_id {
        Some(hid) => household_address(conn, hid)?.map(|address| -> ApiResult<HouseholdView> {
            Ok(HouseholdView {
                id: hid,
                address,
                card_number: cards::model::active_card_number(conn, hid)?,
            })
        }),
        None => None,
    }
    .transpose()?;
    let membership = crate::households::model::live_membership(conn, user_id)?
        .map(|r| crate::households::model::view(conn, r))
        .transpose()?;
    Ok(MeView {
        id: user.id,
        role: user.role,
        nickname: user.nickname,
        household,
        membership,
        phone_masked: crate::pii::store::phone_of(conn, keys, user_id)?.map(|p| p.masked()),
    })
}

/// Make `household` the user's active household (`None`: none), and move the membership
/// version: availability grids show a household's bookings as "mine" to its members, and their
/// cache holds only while this version stands. Called by `households::model` inside the
/// transaction that changes the membership, and only there.
pub(crate) fn set_active_household(
    conn: &mut DbConn,
    user_id: i64,
    household: Option<i64>,
) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::household_id.eq(household))
        .execute(conn)?;
    bump_membership_version(conn)
}

/// Move the membership version (any membership changed).
pub(crate) fn bump_membership_version(conn: &mut DbConn) -> ApiResult<()> {
    diesel::update(ms::table.find(1))
        .set(ms::version.eq(ms::version + 1))
        .execute(conn)?;
    Ok(())
}

/// The membership version: it moves whenever anyone joins or leaves a household.
pub fn membership_version(conn: &mut DbConn) -> ApiResult<i64> {
    Ok(ms::table.find(1).select(ms::version).first(conn)?)
}
