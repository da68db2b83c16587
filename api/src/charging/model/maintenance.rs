//! Taking sockets out of use: maintenance windows (their cells taken, overlapping bookings
//! cancelled and residents told, held offers withdrawn) and socket state changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::bookings::lifecycle::{free_cells, release_quota};
use super::bookings::{event_data, local_range, BookingRow, BOOKING_COLUMNS};
use super::sockets::{compound_sockets, settings_for, socket, SocketInfo};
use super::stamp::touch_sockets;
use super::waitlist::offer_freed;
use crate::charging::dto::{BookingStatus, MaintenanceView, SocketState, WaitlistStatus};
use crate::charging::rules::{self, TimeRange};
use crate::db::schema::{
    booking_slots as bs, bookings as b, maintenance_cancellations as mc, maintenance_windows as mw,
    piles, sockets, waitlist_entries as wl,
};
use crate::db::{self, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::events::{self, DomainEvent, MaintenanceScheduledData, SocketStateChangedData};
use crate::notifications::{notify, Notice, NotificationKind};

/// Cancel a live booking because its socket is taken out of use; tells the resident.
pub(super) fn cancel_for_service(
    conn: &mut DbConn,
    row: &BookingRow,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let status = row.status;
    let notice = Notice {
        kind: NotificationKind::BookingCancelled,
        title: "充电预约因维护取消".into(),
        body: format!(
            "{}的预约已取消：{}",
            local_range(row.starts_at, row.ends_at),
            reason
        ),
        data: json!({"booking_id": row.id, "reason": reason}),
        dedupe_key: Some(format!("booking-cancelled:{}", row.id)),
    };
    // Cells are freed but the maintenance rows that follow take them; no waitlist offer.
    let changed = diesel::update(b::table.filter(b::id.eq(row.id).and(b::status.eq(status))))
        .set((
            b::status.eq(BookingStatus::Cancelled),
            b::cancelled_at.eq(now),
            b::cancel_reason.eq(Some(format!("维护：{reason}"))),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    free_cells(conn, row.id, None)?;
    release_quota(conn, row.household_id)?;
    notify(conn, row.user_id, &notice, now)?;
    let data = event_data(conn, row, BookingStatus::Cancelled, Some(reason))?;
    events::record(conn, &DomainEvent::BookingCancelled(data), now)?;
    Ok(true)
}

/// Live bookings on a socket overlapping `[from, to)`.
fn live_overlapping(
    conn: &mut DbConn,
    socket_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> ApiResult<Vec<BookingRow>> {
    Ok(b::table
        .filter(b::socket_id.eq(socket_id))
        .filter(b::status.eq_any([BookingStatus::Confirmed, BookingStatus::CheckedIn]))
        .filter(b::starts_at.lt(to).and(b::ends_at.gt(from)))
        .select(BOOKING_COLUMNS)
        .load(conn)?)
}

/// What a maintenance window applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pile(i64),
    Socket(i64),
}

/// A maintenance window as staff or a property firm asks for it.
#[derive(Clone, Copy, Debug)]
pub struct NewWindow<'a> {
    pub target: Target,
    /// Rounded outwards to the compound's slot grid.
    pub range: TimeRange,
    /// Told to residents whose bookings are cancelled.
    pub reason: &'a str,
    /// Who set it, e.g. `user:12` or a partner client (kept with the window).
    pub created_by: &'a str,
}

/// The compound a window's target stands in and the sockets it covers (a pile's sockets as
/// they are now, or the one socket).
pub(super) fn covered_sockets(c: &mut DbConn, target: Target) -> ApiResult<(i64, Vec<SocketInfo>)> {
    let list = match target {
        Target::Pile(p) => {
            let compound: Option<i64> = piles::table
                .find(p)
                .select(piles::compound_id)
                .first(c)
                .optional()?;
            let compound =
                compound.ok_or_else(|| ApiError::validation("pile_id", "no such pile"))?;
            compound_sockets(c, compound)?
                .into_iter()
                .filter(|s| s.pile_id == p)
                .collect()
        }
        Target::Socket(s) => {
            vec![socket(c, s)?.ok_or_else(|| ApiError::validation("socket_id", "no such socket"))?]
        }
    };
    let compound_id = list
        .first()
        .map(|s: &SocketInfo| s.compound_id)
        .ok_or_else(|| ApiError::validation("pile_id", "the pile has no sockets"))?;
    Ok((compound_id, list))
}

/// `[starts_at, ends_at)` widened to the compound's slot grid (start down, end up).
pub(super) fn on_slot_grid(
    c: &mut DbConn,
    compound_id: i64,
    range: TimeRange,
) -> ApiResult<(NaiveDateTime, NaiveDateTime)> {
    let slot = settings_for(c, compound_id)?.slot();
    let from = rules::slot_floor(range.starts_at, slot);
    let f = rules::slot_floor(range.ends_at, slot);
    let to = if f < range.ends_at { f + slot } else { f };
    Ok((from, to))
}

/// Insert the free cells of `[from, to)` on one socket for window `id`.
pub(super) fn fill_cells(
    c: &mut DbConn,
    id: i64,
    compound_id: i64,
    socket_id: i64,
    (from, to): (NaiveDateTime, NaiveDateTime),
) -> ApiResult<()> {
    let slot = settings_for(c, compound_id)?.slot();
    let taken: Vec<NaiveDateTime> = bs::table
        .filter(bs::socket_id.eq(socket_id))
        .filter(bs::slot_start.ge(from).and(bs::slot_start.lt(to)))
        .select(bs::slot_start)
        .load(c)?;
    let cells: Vec<_> = rules::cells(from, to, slot)
        .into_iter()
        .filter(|t| !taken.contains(t))
        .map(|t| {
            (
                bs::socket_id.eq(socket_id),
                bs::compound_id.eq(compound_id),
                bs::slot_start.eq(t),
                bs::maintenance_id.eq(Some(id)),
            )
        })
        .collect();
    for chunk in cells.chunks(500) {
        crate::on_backend!(&mut *c, |conn| diesel::insert_into(bs::table)
            .values(chunk)
            .execute(conn))?;
    }
    Ok(())
}

/// Take window `id`'s time `[from, to)` on `targets`: live bookings in it are cancelled
/// (residents told; each remembered as the window's, see `maintenance_cancellations`), offers
/// held in it withdrawn, and its free cells taken. The bookings cancelled.
pub(super) fn take_window(
    c: &mut DbConn,
    id: i64,
    compound_id: i64,
    targets: &[SocketInfo],
    (from, to): (NaiveDateTime, NaiveDateTime),
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<i64>> {
    let mut cancelled = Vec::new();
    for s in targets {
        for row in live_overlapping(c, s.id, from, to)? {
            if cancel_for_service(c, &row, reason, now)? {
                diesel::insert_into(mc::table)
                    .values((mc::maintenance_id.eq(id), mc::booking_id.eq(row.id)))
                    .execute(c)?;
                cancelled.push(row.id);
            }
        }
        // Offers held in the window are withdrawn; the entries go back to waiting.
        let held: Vec<Option<i64>> = bs::table
            .filter(bs::socket_id.eq(s.id).and(bs::offer_id.is_not_null()))
            .filter(bs::slot_start.ge(from).and(bs::slot_start.lt(to)))
            .select(bs::offer_id)
            .distinct()
            .load(c)?;
        for offer in held.into_iter().flatten() {
            diesel::delete(bs::table.filter(bs::offer_id.eq(offer))).execute(c)?;
            diesel::update(
                wl::table.filter(wl::id.eq(offer).and(wl::status.eq(WaitlistStatus::Offered))),
            )
            .set((
                wl::status.eq(WaitlistStatus::Waiting),
                wl::offered_socket_id.eq(None::<i64>),
                wl::offer_expires_at.eq(None::<NaiveDateTime>),
            ))
            .execute(c)?;
        }
        fill_cells(c, id, compound_id, s.id, (from, to))?;
        touch_sockets(c, &[s.id])?;
    }
    Ok(cancelled)
}

/// Set a maintenance window: overlapping bookings are cancelled (residents told), and its
/// cells are taken so nothing can be booked in it.
pub fn schedule_maintenance(
    conn: &mut DbConn,
    window: &NewWindow<'_>,
    now: NaiveDateTime,
) -> ApiResult<MaintenanceView> {
    let NewWindow {
        target,
        range,
        reason,
        created_by,
    } = *window;
    db::transaction(conn, |c| {
        let (compound_id, targets) = covered_sockets(c, target)?;
        let (pile_id, socket_id) = match target {
            Target::Pile(p) => (Some(p), None),
            Target::Socket(s) => (None, Some(s)),
        };
        let (from, to) = on_slot_grid(c, compound_id, range)?;
        diesel::insert_into(mw::table)
            .values((
                mw::compound_id.eq(compound_id),
                mw::pile_id.eq(pile_id),
                mw::socket_id.eq(socket_id),
                mw::starts_at.eq(from),
                mw::ends_at.eq(to),
                mw::reason.eq(reason),
                mw::created_by.eq(created_by),
                mw::created_at.eq(now),
            ))
            .execute(c)?;
        let id = last_insert_id(c)?;
        let cancelled = take_window(c, id, compound_id, &targets, (from, to), reason, now)?;
        let scheduled = MaintenanceScheduledData {
            maintenance_id: id,
            compound_id,
            pile_id,
            socket_id,
            starts_at: rules::utc(from),
            ends_at: rules::utc(to),
            reason: reason.to_owned(),
            cancelled_bookings: cancelled.clone(),
            sequence: 0,
        };
        events::record(c, &DomainEvent::MaintenanceScheduled(scheduled), now)?;
        Ok(MaintenanceView {
            id,
            compound_id,
            pile_id,
            socket_id,
            starts_at: rules::utc(from),
            ends_at: rules::utc(to),
            reason: reason.to_owned(),
            cancelled_bookings: cancelled,
            state: rules::maintenance_state(from, to, None, now),
            cancelled_at: None,
        })
    })
}

/// Change a socket's state. Taking it out of use cancels its live bookings that have not
/// started charging (residents told); bringing it back offers its free time to the waitlist.
/// What a refused move answers: 409 naming the state that refuses it.
pub fn refused(r: rules::MoveRefused) -> ApiError {
    match r {
        rules::MoveRefused::PileRetired => ApiError::new(ErrorCode::PileRetired),
        rules::MoveRefused::SocketRetired => ApiError::new(ErrorCode::SocketRetired),
    }
}

pub fn set_socket_state(
    conn: &mut DbConn,
    socket_id: i64,
    state: SocketState,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<(SocketInfo, Vec<i64>)> {
    db::transaction(conn, |c| {
        let info = socket(c, socket_id)?.ok_or_else(ApiError::not_found)?;
        rules::socket_move(info.pile_status, info.state, state).map_err(refused)?;
        // Conditional on the state read above: a concurrent change (retiring the pile, say)
        // makes this one fail rather than undo it.
        let changed = diesel::update(
            sockets::table.filter(sockets::id.eq(socket_id).and(sockets::state.eq(info.state))),
        )
        .set((
            sockets::state.eq(state),
            sockets::state_changed_at.eq(now),
            sockets::write_seq.eq(sockets::write_seq + 1),
        ))
        .execute(c)?;
        if changed == 0 {
            return Err(ApiError::new(ErrorCode::SocketStateChanged));
        }
        let changed = SocketStateChangedData {
            socket_id: info.id,
            pile_id: info.pile_id,
            compound_id: info.compound_id,
            previous_state: info.state,
            state,
            reason: reason.to_owned(),
            previous_live_state: None,
            live_state: None,
            sequence: 0,
        };
        events::record(c, &DomainEvent::SocketStateChanged(changed), now)?;
        let mut cancelled = Vec::new();
        if state == SocketState::Available {
            offer_freed(c, info.compound_id, info.id, now)?;
        } else {
            let rows: Vec<BookingRow> = b::table
                .filter(
                    b::socket_id
                        .eq(socket_id)
                        .and(b::status.eq(BookingStatus::Confirmed)),
                )
                .select(BOOKING_COLUMNS)
                .load(c)?;
            for row in rows {
                if cancel_for_service(c, &row, reason, now)? {
                    cancelled.push(row.id);
                }
            }
        }
        Ok((SocketInfo { state, ..info }, cancelled))
    })
}
