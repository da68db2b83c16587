//! Bookings: the stored row, the views residents see, and reads. Making a booking is
//! [`create`]; cancelling, checking in, finishing and releasing it is [`lifecycle`].

pub mod create;
pub mod lifecycle;

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::sockets::{compound_name, settings_for, socket, socket_in_context, SocketInfo};
use crate::charging::dto::{BookingStatus, BookingView};
use crate::charging::rules::{self, Settings};
use crate::clock::LOCAL_TZ;
use crate::db::paging::PageRequest;
use crate::db::schema::{bookings as b, users};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::events::BookingEventData;

#[derive(Clone, Debug, Queryable)]
pub struct BookingRow {
    pub id: i64,
    pub socket_id: i64,
    pub compound_id: i64,
    pub user_id: i64,
    pub household_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: BookingStatus,
    pub created_at: NaiveDateTime,
    pub checked_in_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
}

type BookingColumns = (
    b::id,
    b::socket_id,
    b::compound_id,
    b::user_id,
    b::household_id,
    b::starts_at,
    b::ends_at,
    b::status,
    b::created_at,
    b::checked_in_at,
    b::finished_at,
    b::cancelled_at,
    b::cancel_reason,
);

pub(super) const BOOKING_COLUMNS: BookingColumns = (
    b::id,
    b::socket_id,
    b::compound_id,
    b::user_id,
    b::household_id,
    b::starts_at,
    b::ends_at,
    b::status,
    b::created_at,
    b::checked_in_at,
    b::finished_at,
    b::cancelled_at,
    b::cancel_reason,
);

pub fn booking_row(conn: &mut DbConn, id: i64) -> ApiResult<Option<BookingRow>> {
    Ok(b::table
        .find(id)
        .select(BOOKING_COLUMNS)
        .first(conn)
        .optional()?)
}

/// A booking as the user's calendar shows it.
#[derive(Clone, Debug)]
pub struct BookingOnCalendar {
    pub id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// The socket's label, e.g. `3号桩-1口`.
    pub socket_label: String,
    pub compound_name: String,
    /// Minutes after the start during which check-in is accepted (the compound's setting).
    pub grace_minutes: i64,
    /// Cancelled, or released as a no-show: it will not take place.
    pub cancelled: bool,
    /// When it last changed: cancelled or released, checked in, else made.
    pub changed_at: NaiveDateTime,
}

/// The user's own bookings that end at `since` or later, soonest first (at most 500),
/// whatever their status: cancelled and released ones too, so a calendar can remove them.
pub fn bookings_on_calendar(
    conn: &mut DbConn,
    user_id: i64,
    since: NaiveDateTime,
) -> ApiResult<Vec<BookingOnCalendar>> {
    let rows: Vec<BookingRow> = b::table
        .filter(b::user_id.eq(user_id).and(b::ends_at.ge(since)))
        .order((b::starts_at, b::id))
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    let mut places: HashMap<i64, (String, String, i64)> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let Entry::Vacant(slot) = places.entry(r.socket_id) {
            let (label, compound, settings) = socket_in_context(conn, r.socket_id)?
                .map(|(s, name, settings)| (s.label, name, settings))
                .unwrap_or_default();
            slot.insert((label, compound, settings.grace_minutes));
        }
        let (socket_label, compound_name, grace_minutes) =
            places.get(&r.socket_id).cloned().unwrap_or_default();
        out.push(BookingOnCalendar {
            id: r.id,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            socket_label,
            compound_name,
            grace_minutes,
            cancelled: matches!(r.status, BookingStatus::Cancelled | BookingStatus::NoShow),
            changed_at: r.cancelled_at.or(r.checked_in_at).unwrap_or(r.created_at),
        });
    }
    Ok(out)
}

/// Shape bookings for the wire, with socket labels, compound names and check-in windows.
pub fn booking_views(conn: &mut DbConn, rows: Vec<BookingRow>) -> ApiResult<Vec<BookingView>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut cache: HashMap<i64, (SocketInfo, String, Settings)> = HashMap::new();
    for r in rows {
        if let Entry::Vacant(slot) = cache.entry(r.socket_id) {
            let s = socket(conn, r.socket_id)?
                .ok_or_else(|| ApiError::internal("booking without socket"))?;
            let name = compound_name(conn, s.compound_id)?.unwrap_or_default();
            let settings = settings_for(conn, s.compound_id)?;
            slot.insert((s, name, settings));
        }
        let Some((s, name, settings)) = cache.get(&r.socket_id) else {
            continue;
        };
        out.push(view_of(r, s, name, settings));
    }
    Ok(out)
}

/// The view of a booking, given its socket, compound name and settings.
fn view_of(r: BookingRow, s: &SocketInfo, name: &str, settings: &Settings) -> BookingView {
    let (opens, closes) = rules::check_in_window(settings, r.starts_at);
    BookingView {
        id: r.id,
        socket_id: r.socket_id,
        socket_label: s.label.clone(),
        compound_id: r.compound_id,
        compound_name: name.to_owned(),
        user_id: r.user_id,
        household_id: r.household_id,
        starts_at: rules::utc(r.starts_at),
        ends_at: rules::utc(r.ends_at),
        status: r.status,
        check_in_opens_at: rules::utc(opens),
        check_in_closes_at: rules::utc(closes),
        created_at: rules::utc(r.created_at),
        checked_in_at: r.checked_in_at.map(rules::utc),
        finished_at: r.finished_at.map(rules::utc),
        cancelled_at: r.cancelled_at.map(rules::utc),
        cancel_reason: r.cancel_reason,
    }
}

pub fn booking_view(conn: &mut DbConn, row: BookingRow) -> ApiResult<BookingView> {
    booking_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::internal("booking view"))
}

/// `12月01日 19:00–21:00` in local time, for messages.
pub(in crate::charging::model) fn local_range(
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
) -> String {
    let s = rules::utc(starts_at).with_timezone(&LOCAL_TZ);
    let e = rules::utc(ends_at).with_timezone(&LOCAL_TZ);
    format!("{}–{}", s.format("%m月%d日 %H:%M"), e.format("%H:%M"))
}

/// A booking the user may act on: their own or their household's. Others are not found.
pub fn booking_for_user(conn: &mut DbConn, id: i64, user_id: i64) -> ApiResult<BookingRow> {
    let row = booking_row(conn, id)?.ok_or_else(ApiError::not_found)?;
    if row.user_id == user_id {
        return Ok(row);
    }
    let household: Option<i64> = users::table
        .find(user_id)
        .select(users::household_id)
        .first(conn)?;
    if household == Some(row.household_id) {
        Ok(row)
    } else {
        Err(ApiError::not_found())
    }
}

/// My household's bookings (and my own from an earlier household), newest first.
pub fn list_for_user(
    conn: &mut DbConn,
    user_id: i64,
    status: Option<BookingStatus>,
    page: PageRequest,
) -> ApiResult<(Vec<BookingRow>, i64)> {
    let household: Option<i64> = users::table
        .find(user_id)
        .select(users::household_id)
        .first(conn)?;
    let query = || {
        let mut q = b::table.into_boxed();
        q = match household {
            Some(h) => q.filter(b::user_id.eq(user_id).or(b::household_id.eq(h))),
            None => q.filter(b::user_id.eq(user_id)),
        };
        if let Some(s) = status {
            q = q.filter(b::status.eq(s));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((b::starts_at.desc(), b::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    Ok((rows, total))
}

/// What a booking event says of `row`, now `status` (`reason`: why it was cancelled or
/// released).
pub(crate) fn event_data(
    conn: &mut DbConn,
    row: &BookingRow,
    status: BookingStatus,
    reason: Option<&str>,
) -> ApiResult<BookingEventData> {
    let pile_id: i64 = crate::db::schema::sockets::table
        .find(row.socket_id)
        .select(crate::db::schema::sockets::pile_id)
        .first(conn)?;
    Ok(BookingEventData {
        booking_id: row.id,
        compound_id: row.compound_id,
        pile_id,
        socket_id: row.socket_id,
        starts_at: rules::utc(row.starts_at),
        ends_at: rules::utc(row.ends_at),
        status,
        reason: reason.map(str::to_owned),
        sequence: 0,
    })
}
