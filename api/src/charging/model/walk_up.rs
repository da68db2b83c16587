//! Walk-up charging: a resident starts charging without a booking on a socket that is free
//! now and not booked in the next slot. The session holds what a booking would (checked by
//! the database, not in Rust):
//!
//! - one unit of the household's quota (`household_quotas`, the bookings' conditional
//!   update), so a flat with a booking and a walk-up session holds two units;
//! - the socket's current and next slot cells in `booking_slots` (with `session_id`), so a
//!   booking for that time and a second walk-up fail on the cells' UNIQUE key.
//!
//! Both are given back once, when the session ends ([`release`], called by the session's
//! conditional close).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::bookings::create::{hold_socket, may_book_in, take_quota, usable_now};
use super::bookings::lifecycle::release_quota;
use super::sockets::{settings_for, socket_in_context, SocketInfo};
use super::stamp::touch_sockets;
use super::waitlist::offer_freed;
use crate::charging::dto::{PileStatus, SocketState};
use crate::charging::rules;
use crate::db::schema::{booking_slots as bs, users};
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// The socket a walk-up may start on and the household it charges for: the resident's
/// household (`household_required`), a socket in a compound it may book in, the code printed
/// on it scanned (`wrong_socket_code`), in service (`socket_unavailable`) and not reported
/// faulted (`socket_faulted`).
pub fn walk_up_socket(
    conn: &mut DbConn,
    user_id: i64,
    socket_id: i64,
    code: &str,
) -> ApiResult<(SocketInfo, i64)> {
    let household: Option<Option<i64>> = users::table
        .find(user_id)
        .select(users::household_id)
        .first(conn)
        .optional()?;
    let household = household
        .flatten()
        .ok_or_else(|| ApiError::new(ErrorCode::HouseholdRequired))?;
    let (socket, _, _) = socket_in_context(conn, socket_id)?.ok_or_else(ApiError::not_found)?;
    may_book_in(conn, household, socket.compound_id)?;
    if !socket.code.eq_ignore_ascii_case(code.trim()) {
        return Err(ApiError::new(ErrorCode::WrongSocketCode).with_field("socket_code"));
    }
    if socket.state != SocketState::Available || socket.pile_status != PileStatus::Active {
        return Err(ApiError::new(ErrorCode::SocketUnavailable).with_field("socket_id"));
    }
    match usable_now(conn, socket.id) {
        Err(e) if e.code == ErrorCode::PileOfflineNow => {
            return Err(ApiError::new(ErrorCode::PileOffline))
        }
        other => other?,
    }
    Ok((socket, household))
}

/// Hold the socket's current and next slot cells and a unit of the household's quota for
/// walk-up session `session_id`, in the caller's transaction. Returns when the hold ends (the
/// end of the next slot: the pile charges until then). Refusals: `household_quota_reached`,
/// `socket_booked_soon` (a booking or offer holds one of the cells; `details.booked_from`),
/// `charging_in_progress` (another walk-up holds them), `socket_unavailable` (maintenance, or
/// the socket's state changed meanwhile).
pub fn hold(
    conn: &mut DbConn,
    socket: &SocketInfo,
    household_id: i64,
    session_id: i64,
    now: NaiveDateTime,
) -> ApiResult<NaiveDateTime> {
    let settings = settings_for(conn, socket.compound_id)?;
    let slot = settings.slot();
    let current = rules::slot_floor(now, slot);
    let until = current + slot + slot;
    take_quota(conn, household_id, settings.max_active_per_household)?;
    let cells: Vec<_> = [current, current + slot]
        .into_iter()
        .map(|t| {
            (
                bs::socket_id.eq(socket.id),
                bs::compound_id.eq(socket.compound_id),
                bs::slot_start.eq(t),
                bs::household_id.eq(Some(household_id)),
                bs::session_id.eq(Some(session_id)),
            )
        })
        .collect();
    let inserted = crate::on_backend!(&mut *conn, |c| diesel::insert_into(bs::table)
        .values(&cells)
        .execute(c));
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(why_taken(conn, socket.id, current, until)?)
        }
        Err(e) => return Err(e.into()),
    }
    // As a booking does: the socket is still in service, under its row lock until commit,
    // and the grid's stamp moves.
    hold_socket(conn, socket.id)?;
    Ok(until)
}

/// Why a walk-up's cells are taken: maintenance, another walk-up, or a booking (or an offer
/// held for the waitlist) from the earliest taken cell.
fn why_taken(
    conn: &mut DbConn,
    socket_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> ApiResult<ApiError> {
    let taken: Vec<(NaiveDateTime, Option<i64>, Option<i64>)> = bs::table
        .filter(bs::socket_id.eq(socket_id))
        .filter(bs::slot_start.ge(from).and(bs::slot_start.lt(to)))
        .order(bs::slot_start)
        .select((bs::slot_start, bs::maintenance_id, bs::session_id))
        .load(conn)?;
    Ok(match taken.first() {
        Some((_, Some(_), _)) => ApiError::new(ErrorCode::SocketUnavailable)
            .with_field("socket_id")
            .with_details(json!({"reason": "maintenance"})),
        Some((_, _, Some(_))) => ApiError::new(ErrorCode::ChargingInProgress),
        Some((t, _, _)) => ApiError::new(ErrorCode::SocketBookedSoon)
            .with_details(json!({"booked_from": rules::utc(*t)})),
        // Freed meanwhile: the other writer's transaction decided; say it is taken.
        None => ApiError::new(ErrorCode::SocketBookedSoon),
    })
}

/// A walk-up session ended: give back its household's quota unit and free its cells (the
/// waitlist is offered the time). The caller calls this once per session (it cleared the
/// session's `holds_quota` with a conditional update).
pub fn release(
    conn: &mut DbConn,
    session_id: i64,
    household_id: i64,
    socket: (i64, i64),
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (socket_id, compound_id) = socket;
    release_quota(conn, household_id)?;
    let freed = diesel::delete(bs::table.filter(bs::session_id.eq(session_id))).execute(conn)?;
    if freed > 0 {
        touch_sockets(conn, &[socket_id])?;
        offer_freed(conn, compound_id, socket_id, now)?;
    }
    Ok(())
}
