//! Maintenance windows as they are corrected: listed, moved or reworded before they start,
//! withdrawn before they end.
//!
//! A change or a withdrawal begins with a conditional update of the window's row (`WHERE
//! cancelled_at IS NULL AND starts_at > now`, or `ends_at > now`): it checks the window's
//! state and, holding the row, serialises every correction of one window; what follows reads
//! the window as that update left it (READ COMMITTED). The window's cells are freed and, for a
//! move, taken again at the new time (bookings there cancelled as at scheduling); cells another
//! live window also covers are handed to it. Residents whose bookings the window had cancelled
//! are told, once, when it no longer covers their time: the bookings stay cancelled, the time
//! may be booked again. Freed time is offered to the waitlist.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::bookings::{local_range, BookingRow, BOOKING_COLUMNS};
use super::maintenance::{covered_sockets, fill_cells, on_slot_grid, take_window, Target};
use super::sockets::SocketInfo;
use super::stamp::touch_sockets;
use super::waitlist::offer_freed;
use crate::charging::dto::{MaintenanceState, MaintenanceView};
use crate::charging::rules::{self, TimeRange};
use crate::db::paging::PageRequest;
use crate::db::schema::{
    booking_slots as bs, bookings as b, maintenance_cancellations as mc, maintenance_windows as mw,
    sockets,
};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::events::{self, DomainEvent, MaintenanceCancelledData, MaintenanceChangedData};
use crate::notifications::{notify, Notice, NotificationKind};

/// A maintenance window as stored.
#[derive(Clone, Debug, Queryable)]
pub struct WindowRow {
    pub id: i64,
    pub compound_id: i64,
    pub pile_id: Option<i64>,
    pub socket_id: Option<i64>,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub reason: String,
    pub cancelled_at: Option<NaiveDateTime>,
}

type WindowColumns = (
    mw::id,
    mw::compound_id,
    mw::pile_id,
    mw::socket_id,
    mw::starts_at,
    mw::ends_at,
    mw::reason,
    mw::cancelled_at,
);

const WINDOW_COLUMNS: WindowColumns = (
    mw::id,
    mw::compound_id,
    mw::pile_id,
    mw::socket_id,
    mw::starts_at,
    mw::ends_at,
    mw::reason,
    mw::cancelled_at,
);

impl WindowRow {
    fn target(&self) -> Target {
        match (self.pile_id, self.socket_id) {
            (Some(p), _) => Target::Pile(p),
            (None, s) => Target::Socket(s.unwrap_or_default()),
        }
    }
}

/// The window, if it exists.
pub fn window(conn: &mut DbConn, id: i64) -> ApiResult<Option<WindowRow>> {
    Ok(mw::table
        .find(id)
        .select(WINDOW_COLUMNS)
        .first(conn)
        .optional()?)
}

/// Windows as answers, with the bookings each cancelled (one query for all).
pub fn window_views(
    conn: &mut DbConn,
    rows: Vec<WindowRow>,
    now: NaiveDateTime,
) -> ApiResult<Vec<MaintenanceView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let cancelled: Vec<(i64, i64)> = mc::table
        .filter(mc::maintenance_id.eq_any(&ids))
        .order((mc::maintenance_id, mc::booking_id))
        .select((mc::maintenance_id, mc::booking_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| MaintenanceView {
            id: r.id,
            compound_id: r.compound_id,
            pile_id: r.pile_id,
            socket_id: r.socket_id,
            starts_at: rules::utc(r.starts_at),
            ends_at: rules::utc(r.ends_at),
            cancelled_bookings: cancelled
                .iter()
                .filter(|(w, _)| *w == r.id)
                .map(|(_, booking)| *booking)
                .collect(),
            state: rules::maintenance_state(r.starts_at, r.ends_at, r.cancelled_at, now),
            cancelled_at: r.cancelled_at.map(rules::utc),
            reason: r.reason,
        })
        .collect())
}

/// One window as an answer (not found when there is none).
pub fn window_view(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<MaintenanceView> {
    let row = window(conn, id)?.ok_or_else(ApiError::not_found)?;
    view_of(conn, row, now)
}

fn view_of(conn: &mut DbConn, row: WindowRow, now: NaiveDateTime) -> ApiResult<MaintenanceView> {
    window_views(conn, vec![row], now)?
        .pop()
        .ok_or_else(|| ApiError::internal("a window without its view"))
}

/// Which windows a list shows.
#[derive(Clone, Debug, Default)]
pub struct WindowFilter {
    /// Only windows in these compounds.
    pub compounds: Vec<i64>,
    /// Only windows on this pile: on the whole pile or on one of its sockets.
    pub pile_id: Option<i64>,
    /// Only windows on this socket: on it alone or on its whole pile.
    pub socket_id: Option<i64>,
    /// Only windows in this state now.
    pub state: Option<MaintenanceState>,
}

/// One page of windows, the latest start first, and how many match.
pub fn list_windows(
    conn: &mut DbConn,
    filter: &WindowFilter,
    page: PageRequest,
    now: NaiveDateTime,
) -> ApiResult<(Vec<MaintenanceView>, i64)> {
    let socket_pile: Option<i64> = match filter.socket_id {
        Some(s) => sockets::table
            .find(s)
            .select(sockets::pile_id)
            .first(conn)
            .optional()?,
        None => None,
    };
    let query = || {
        let mut q = mw::table
            .filter(mw::compound_id.eq_any(filter.compounds.clone()))
            .into_boxed();
        if let Some(p) = filter.pile_id {
            let of_pile = sockets::table
                .filter(sockets::pile_id.eq(p))
                .select(sockets::id.nullable());
            q = q.filter(mw::pile_id.eq(p).or(mw::socket_id.eq_any(of_pile)));
        }
        if let Some(s) = filter.socket_id {
            q = q.filter(
                mw::socket_id
                    .eq(s)
                    .or(mw::pile_id.eq(socket_pile.unwrap_or(-1))),
            );
        }
        q = match filter.state {
            None => q,
            Some(MaintenanceState::Cancelled) => q.filter(mw::cancelled_at.is_not_null()),
            Some(MaintenanceState::Upcoming) => q
                .filter(mw::cancelled_at.is_null())
                .filter(mw::starts_at.gt(now)),
            Some(MaintenanceState::Active) => q
                .filter(mw::cancelled_at.is_null())
                .filter(mw::starts_at.le(now).and(mw::ends_at.gt(now))),
            Some(MaintenanceState::Ended) => q
                .filter(mw::cancelled_at.is_null())
                .filter(mw::ends_at.le(now)),
        };
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<WindowRow> = query()
        .order((mw::starts_at.desc(), mw::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(WINDOW_COLUMNS)
        .load(conn)?;
    Ok((window_views(conn, rows, now)?, total))
}

/// A correction's result: the window before and after, and whether anything changed (a
/// repeated change or cancellation changes nothing and answers the same).
#[derive(Debug)]
pub struct Corrected {
    pub before: MaintenanceView,
    pub after: MaintenanceView,
    pub changed: bool,
}

/// Free window `id`'s cells on `targets` between `from` and `to`, handing each to another live
/// window of the compound that covers it (overlapping windows take a cell only once).
fn free_window(
    c: &mut DbConn,
    row: &WindowRow,
    targets: &[SocketInfo],
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::delete(bs::table.filter(bs::maintenance_id.eq(row.id))).execute(c)?;
    let others: Vec<WindowRow> = mw::table
        .filter(mw::compound_id.eq(row.compound_id))
        .filter(mw::id.ne(row.id).and(mw::cancelled_at.is_null()))
        .filter(mw::ends_at.gt(now.max(row.starts_at)))
        .filter(mw::starts_at.lt(row.ends_at))
        .select(WINDOW_COLUMNS)
        .load(c)?;
    for other in others {
        let (_, covered) = covered_sockets(c, other.target())?;
        let range = (
            other.starts_at.max(row.starts_at),
            other.ends_at.min(row.ends_at),
        );
        for s in targets
            .iter()
            .filter(|s| covered.iter().any(|o| o.id == s.id))
        {
            fill_cells(c, other.id, row.compound_id, s.id, range)?;
        }
    }
    Ok(())
}

/// Tell the residents whose bookings window `row` cancelled, not yet told and not yet over,
/// that their time is free again, unless `still` (the window's new time) covers it. The
/// bookings told.
fn release_bookings(
    c: &mut DbConn,
    row: &WindowRow,
    still: Option<(NaiveDateTime, NaiveDateTime)>,
    what: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<i64>> {
    let candidates: Vec<BookingRow> = b::table
        .inner_join(mc::table.on(mc::booking_id.eq(b::id)))
        .filter(mc::maintenance_id.eq(row.id).and(mc::released_at.is_null()))
        .filter(b::ends_at.gt(now))
        .order(b::id)
        .select(BOOKING_COLUMNS)
        .load(c)?;
    let mut released = Vec::new();
    for booking in candidates {
        if still.is_some_and(|(from, to)| booking.starts_at < to && booking.ends_at > from) {
            continue;
        }
        let claimed = diesel::update(
            mc::table.filter(
                mc::maintenance_id
                    .eq(row.id)
                    .and(mc::booking_id.eq(booking.id))
                    .and(mc::released_at.is_null()),
            ),
        )
        .set(mc::released_at.eq(now))
        .execute(c)?;
        if claimed == 0 {
            continue;
        }
        let time = local_range(booking.starts_at, booking.ends_at);
        let notice = Notice {
            kind: NotificationKind::BookingMaintenanceWithdrawn,
            title: "充电口维护已调整".into(),
            body: format!("{what}，您原定{time}的时段现在可以重新预约（原预约仍是已取消状态）"),
            data: json!({"booking_id": booking.id, "maintenance_id": row.id}),
            dedupe_key: Some(format!("maintenance-released:{}:{}", row.id, booking.id)),
        };
        notify(c, booking.user_id, &notice, now)?;
        released.push(booking.id);
    }
    Ok(released)
}

/// Offer the freed time of `targets` to the waitlist and mark them changed for the grid.
fn after_freeing(
    c: &mut DbConn,
    compound_id: i64,
    targets: &[SocketInfo],
    now: NaiveDateTime,
) -> ApiResult<()> {
    for s in targets {
        offer_freed(c, compound_id, s.id, now)?;
    }
    let ids: Vec<i64> = targets.iter().map(|s| s.id).collect();
    touch_sockets(c, &ids)
}

/// What a change asks for; what it leaves out stays as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct WindowChange<'a> {
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub reason: Option<&'a str>,
}

/// Move window `id` (its new time widened to the slot grid) or give it a new reason, before
/// it starts: 409 `maintenance_started` after, `maintenance_cancelled` once withdrawn. The
/// same change again changes nothing. Run it inside the caller's transaction.
pub fn change_window(
    c: &mut DbConn,
    id: i64,
    change: WindowChange<'_>,
    now: NaiveDateTime,
) -> ApiResult<Corrected> {
    let claimed = diesel::update(
        mw::table.filter(
            mw::id
                .eq(id)
                .and(mw::cancelled_at.is_null())
                .and(mw::starts_at.gt(now)),
        ),
    )
    .set(mw::updated_at.eq(now))
    .execute(c)?;
    let row = window(c, id)?.ok_or_else(ApiError::not_found)?;
    if claimed == 0 {
        return Err(ApiError::new(if row.cancelled_at.is_some() {
            ErrorCode::MaintenanceCancelled
        } else {
            ErrorCode::MaintenanceStarted
        }));
    }
    let range = TimeRange {
        starts_at: change.starts_at.unwrap_or(row.starts_at),
        ends_at: change.ends_at.unwrap_or(row.ends_at),
    };
    rules::check_maintenance_range(range)?;
    let before = view_of(c, row.clone(), now)?;
    let (from, to) = on_slot_grid(c, row.compound_id, range)?;
    let reason = change.reason.unwrap_or(&row.reason).to_owned();
    if (from, to) == (row.starts_at, row.ends_at) && reason == row.reason {
        let after = view_of(c, row, now)?;
        return Ok(Corrected {
            before,
            after,
            changed: false,
        });
    }
    let (compound_id, targets) = covered_sockets(c, row.target())?;
    free_window(c, &row, &targets, now)?;
    diesel::update(mw::table.filter(mw::id.eq(id)))
        .set((
            mw::starts_at.eq(from),
            mw::ends_at.eq(to),
            mw::reason.eq(&reason),
        ))
        .execute(c)?;
    let cancelled = take_window(c, id, compound_id, &targets, (from, to), &reason, now)?;
    let what = format!(
        "{}的充电口维护已改到{}",
        local_range(row.starts_at, row.ends_at),
        local_range(from, to)
    );
    let released = release_bookings(c, &row, Some((from, to)), &what, now)?;
    after_freeing(c, compound_id, &targets, now)?;
    let data = MaintenanceChangedData {
        maintenance_id: id,
        compound_id,
        pile_id: row.pile_id,
        socket_id: row.socket_id,
        previous_starts_at: rules::utc(row.starts_at),
        previous_ends_at: rules::utc(row.ends_at),
        starts_at: rules::utc(from),
        ends_at: rules::utc(to),
        reason,
        cancelled_bookings: cancelled,
        released_bookings: released,
        sequence: 0,
    };
    events::record(c, &DomainEvent::MaintenanceChanged(data), now)?;
    let row = window(c, id)?.ok_or_else(ApiError::not_found)?;
    let after = view_of(c, row, now)?;
    Ok(Corrected {
        before,
        after,
        changed: true,
    })
}

/// Withdraw window `id` before it ends (409 `maintenance_ended` after). Withdrawing a
/// withdrawn window changes nothing and answers the same. Run it inside the caller's
/// transaction.
pub fn cancel_window(c: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<Corrected> {
    let claimed = diesel::update(
        mw::table.filter(
            mw::id
                .eq(id)
                .and(mw::cancelled_at.is_null())
                .and(mw::ends_at.gt(now)),
        ),
    )
    .set((mw::cancelled_at.eq(now), mw::updated_at.eq(now)))
    .execute(c)?;
    let row = window(c, id)?.ok_or_else(ApiError::not_found)?;
    if claimed == 0 {
        if row.cancelled_at.is_none() {
            return Err(ApiError::new(ErrorCode::MaintenanceEnded));
        }
        let view = view_of(c, row, now)?;
        return Ok(Corrected {
            before: view.clone(),
            after: view,
            changed: false,
        });
    }
    let before = view_of(
        c,
        WindowRow {
            cancelled_at: None,
            ..row.clone()
        },
        now,
    )?;
    let (compound_id, targets) = covered_sockets(c, row.target())?;
    free_window(c, &row, &targets, now)?;
    let what = format!(
        "{}的充电口维护已取消",
        local_range(row.starts_at, row.ends_at)
    );
    let released = release_bookings(c, &row, None, &what, now)?;
    after_freeing(c, compound_id, &targets, now)?;
    let data = MaintenanceCancelledData {
        maintenance_id: id,
        compound_id,
        pile_id: row.pile_id,
        socket_id: row.socket_id,
        starts_at: rules::utc(row.starts_at),
        ends_at: rules::utc(row.ends_at),
        reason: row.reason.clone(),
        released_bookings: released,
        sequence: 0,
    };
    events::record(c, &DomainEvent::MaintenanceCancelled(data), now)?;
    let after = view_of(c, row, now)?;
    Ok(Corrected {
        before,
        after,
        changed: true,
    })
}
