//! Scoping: every lookup by id answers "not found" outside the partner's compounds, so a
//! firm cannot tell another firm's objects from objects that do not exist.

use diesel::prelude::*;

use crate::db::schema::{
    bookings as b, maintenance_windows as mw, partner_compounds as pcmp, piles, sockets,
};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

pub fn owns_compound(conn: &mut DbConn, partner_id: i64, compound_id: i64) -> ApiResult<()> {
    let n: i64 = pcmp::table
        .filter(
            pcmp::partner_id
                .eq(partner_id)
                .and(pcmp::compound_id.eq(compound_id)),
        )
        .count()
        .get_result(conn)?;
    if n == 0 {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

pub fn owned_pile(conn: &mut DbConn, partner_id: i64, pile_id: i64) -> ApiResult<i64> {
    let compound: i64 = piles::table
        .find(pile_id)
        .select(piles::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn owned_socket(conn: &mut DbConn, partner_id: i64, socket_id: i64) -> ApiResult<i64> {
    let compound: i64 = sockets::table
        .find(socket_id)
        .select(sockets::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn owned_booking(conn: &mut DbConn, partner_id: i64, booking_id: i64) -> ApiResult<i64> {
    let compound: i64 = b::table
        .find(booking_id)
        .select(b::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn owned_window(conn: &mut DbConn, partner_id: i64, window_id: i64) -> ApiResult<i64> {
    let compound: i64 = mw::table
        .find(window_id)
        .select(mw::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}
