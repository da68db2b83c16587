//! Starting a session: on the socket of a resident's booking, or walk-up by the socket's code.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::super::commands::{self, CommandKind};
use super::super::{devices, order_hex};
use super::{view, SessionState, SessionView};
use crate::charging::dto::BookingStatus;
use crate::db::schema::{charging_sessions as cs, devices as d};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Start charging on the socket of the resident's booking: checks the booking in when it is
/// still `confirmed` (the check-in rules apply), refuses when the pile is not driven by a
/// gateway (`pile_not_connected`) or offline (`pile_offline`), or when the socket already has
/// an open session (`charging_in_progress`; a unique key on the open socket, so two starts
/// racing get one session), then writes the session and its start command in one
/// transaction. The pile charges until the booking ends.
pub fn start_for_booking(
    conn: &mut DbConn,
    booking_id: i64,
    user_id: i64,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<SessionView> {
    let id = crate::db::transaction(conn, |c| {
        let booking = crate::charging::model::booking_for_user(c, booking_id, user_id)?;
        let socket = crate::charging::model::socket(c, booking.socket_id)?
            .ok_or_else(ApiError::not_found)?;
        let device_id = bound_device(c, socket.pile_id)?;
        match booking.status {
            BookingStatus::Confirmed => {
                crate::charging::model::check_in(c, booking_id, user_id, &socket.code, now)?;
            }
            BookingStatus::CheckedIn => {}
            other => {
                return Err(ApiError::new(ErrorCode::BookingStateInvalid)
                    .with_details(json!({"status": other})))
            }
        }
        if booking.ends_at <= now {
            return Err(ApiError::new(ErrorCode::BookingStateInvalid));
        }
        if !devices::is_online(c, device_id, now, offline_after)? {
            return Err(ApiError::new(ErrorCode::PileOffline));
        }
        let new = NewSession {
            socket_id: socket.id,
            port: socket.number - 1,
            device_id,
            user_id,
            household_id: booking.household_id,
            booking_id: Some(booking_id),
        };
        let (id, order) = insert_session(c, &new, now)?;
        send_start(c, &new, id, &order, booking.ends_at, now)?;
        Ok(id)
    })?;
    view(conn, id)?.ok_or_else(ApiError::not_found)
}

/// Walk-up charging: start on a socket without a booking, by the code printed on it. The
/// socket must be free now and not booked in the next slot; the session holds those two
/// cells and a unit of the household's quota (like a booking, see
/// `charging::model::walk_up`) until it ends, and the pile charges until the end of the next
/// slot. Refusals: `household_required`, `wrong_socket_code`, `socket_unavailable`,
/// `pile_not_connected`, `pile_offline`, `socket_faulted`, `charging_in_progress`,
/// `socket_booked_soon`, `household_quota_reached`. Two residents racing for one socket get
/// one session (the open-socket key and the cells' key decide).
pub fn start_walk_up(
    conn: &mut DbConn,
    socket_id: i64,
    code: &str,
    user_id: i64,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<SessionView> {
    use crate::charging::model::walk_up;
    let id = crate::db::transaction(conn, |c| {
        let (socket, household_id) = walk_up::walk_up_socket(c, user_id, socket_id, code)?;
        let device_id = bound_device(c, socket.pile_id)?;
        if !devices::is_online(c, device_id, now, offline_after)? {
            return Err(ApiError::new(ErrorCode::PileOffline));
        }
        let new = NewSession {
            socket_id: socket.id,
            port: socket.number - 1,
            device_id,
            user_id,
            household_id,
            booking_id: None,
        };
        let (id, order) = insert_session(c, &new, now)?;
        let until = walk_up::hold(c, &socket, household_id, id, now)?;
        diesel::update(cs::table.find(id))
            .set(cs::holds_quota.eq(true))
            .execute(c)?;
        send_start(c, &new, id, &order, until, now)?;
        Ok(id)
    })?;
    view(conn, id)?.ok_or_else(ApiError::not_found)
}

/// The device bound to a pile (`pile_not_connected` when none drives it).
fn bound_device(conn: &mut DbConn, pile_id: i64) -> ApiResult<i64> {
    d::table
        .filter(d::bound_pile_id.eq(pile_id))
        .select(d::id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::new(ErrorCode::PileNotConnected))
}

/// What a new session is for.
struct NewSession {
    socket_id: i64,
    port: i32,
    device_id: i64,
    user_id: i64,
    household_id: i64,
    booking_id: Option<i64>,
}

/// Write a `requested` session with a fresh order number: `charging_in_progress` when the
/// socket already has an open one (its unique key). Returns its id and order number.
fn insert_session(
    c: &mut DbConn,
    new: &NewSession,
    now: NaiveDateTime,
) -> ApiResult<(i64, String)> {
    let order = order_hex(&rand::random::<[u8; 16]>());
    let inserted = diesel::insert_into(cs::table)
        .values((
            cs::order_no.eq(&order),
            cs::socket_id.eq(new.socket_id),
            cs::open_socket_id.eq(Some(new.socket_id)),
            cs::device_id.eq(new.device_id),
            cs::port.eq(new.port),
            cs::user_id.eq(new.user_id),
            cs::household_id.eq(new.household_id),
            cs::booking_id.eq(new.booking_id),
            cs::state.eq(SessionState::Requested),
            cs::requested_at.eq(now),
            cs::energy_wh.eq(0),
            cs::duration_s.eq(0),
        ))
        .execute(c);
    match inserted {
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(ApiError::new(ErrorCode::ChargingInProgress))
        }
        other => {
            other?;
        }
    }
    if !devices::hold_bound(c, new.device_id)? {
        return Err(ApiError::new(ErrorCode::PileNotConnected));
    }
    let id: i64 = cs::table
        .filter(cs::order_no.eq(&order))
        .select(cs::id)
        .first(c)?;
    Ok((id, order))
}

/// Queue the start command: the pile charges until `until`.
fn send_start(
    c: &mut DbConn,
    new: &NewSession,
    id: i64,
    order: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let seconds = (until - now).num_seconds().clamp(60, i64::from(u16::MAX));
    let seconds = i32::try_from(seconds).unwrap_or(i32::from(u16::MAX));
    commands::enqueue(
        c,
        new.device_id,
        Some(id),
        CommandKind::Start,
        new.port,
        order,
        seconds,
        now,
    )?;
    Ok(())
}
