//! A booking after it is made: cancelled (free until the start), checked in by the socket's
//! code, finished early, completed or released as a no-show. Every change is conditional on
//! the status it expects, so two requests or processes never end one booking twice.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::{booking_for_user, booking_row, event_data, BookingRow};
use crate::charging::dto::BookingStatus;
use crate::charging::model::sockets::{settings_for, socket};
use crate::charging::model::stamp::touch_sockets;
use crate::charging::model::waitlist::offer_freed;
use crate::charging::rules;
use crate::clock::LOCAL_TZ;
use crate::db::schema::{
    booking_slots as bs, booking_suspensions as susp, bookings as b, household_quotas as hq,
};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::events::{self, DomainEvent};
use crate::notifications::{notify, Notice, NotificationKind};

pub(in crate::charging::model) fn release_quota(
    conn: &mut DbConn,
    household_id: i64,
) -> ApiResult<()> {
    diesel::update(
        hq::table.filter(
            hq::household_id
                .eq(household_id)
                .and(hq::active_count.gt(0)),
        ),
    )
    .set(hq::active_count.eq(hq::active_count - 1))
    .execute(conn)?;
    Ok(())
}

/// Free a booking's cells from `from` on (all of them when `None`), return whether any freed.
pub(in crate::charging::model) fn free_cells(
    conn: &mut DbConn,
    booking_id: i64,
    from: Option<NaiveDateTime>,
) -> ApiResult<usize> {
    let mut q = diesel::delete(bs::table)
        .filter(bs::booking_id.eq(booking_id))
        .into_boxed();
    if let Some(t) = from {
        q = q.filter(bs::slot_start.ge(t));
    }
    let freed = q.execute(conn)?;
    if freed > 0 {
        let socket: Vec<i64> = b::table
            .filter(b::id.eq(booking_id))
            .select(b::socket_id)
            .load(conn)?;
        touch_sockets(conn, &socket)?;
    }
    Ok(freed)
}

/// Record a no-show for the household; the third within 30 days suspends booking for 7 days.
fn record_no_show(
    conn: &mut DbConn,
    household_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let recent: i64 = b::table
        .filter(b::household_id.eq(household_id))
        .filter(b::status.eq(BookingStatus::NoShow))
        .filter(b::cancelled_at.gt(now - Duration::days(rules::NO_SHOW_WINDOW_DAYS)))
        .count()
        .get_result(conn)?;
    if recent < rules::NO_SHOW_LIMIT {
        return Ok(());
    }
    let until = now + Duration::days(rules::SUSPENSION_DAYS);
    let updated = diesel::update(susp::table.filter(susp::household_id.eq(household_id)))
        .set(susp::suspended_until.eq(until))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(susp::table)
            .values((
                susp::household_id.eq(household_id),
                susp::suspended_until.eq(until),
                susp::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    notify(
        conn,
        user_id,
        &Notice {
            kind: NotificationKind::BookingSuspended,
            title: "充电预约已暂停".into(),
            body: format!(
                "30天内{}次预约未到，{}前暂停预约",
                recent,
                rules::utc(until)
                    .with_timezone(&LOCAL_TZ)
                    .format("%m月%d日 %H:%M")
            ),
            data: json!({"until": rules::utc(until)}),
            dedupe_key: Some(format!(
                "suspended:{household_id}:{}",
                until.and_utc().timestamp()
            )),
        },
        now,
    )
}

/// How a live booking ends: from which status to which, why, and what the resident is told.
pub(in crate::charging::model) struct Ending<'a> {
    /// The status it must still have (another request or process may have ended it).
    pub expect: BookingStatus,
    pub to: BookingStatus,
    /// Why it was cancelled or released, kept on the booking and sent with its event.
    pub reason: Option<&'a str>,
    /// Free its cells from this time on (all of them when `None`).
    pub free_from: Option<NaiveDateTime>,
    pub notice: Option<Notice>,
}

/// End a live booking: conditional on its current status, frees its cells (from `free_from`),
/// gives back the quota, tells the resident, and offers the freed time to the waitlist.
/// Returns false when another request or process ended it first.
pub(in crate::charging::model) fn end_booking(
    conn: &mut DbConn,
    row: &BookingRow,
    ending: Ending<'_>,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let Ending {
        expect,
        to,
        reason,
        free_from,
        notice,
    } = ending;
    let q = b::table.filter(b::id.eq(row.id).and(b::status.eq(expect)));
    let changed = match to {
        BookingStatus::Completed => diesel::update(q)
            .set((b::status.eq(to), b::finished_at.eq(now.min(row.ends_at))))
            .execute(conn)?,
        _ => diesel::update(q)
            .set((
                b::status.eq(to),
                b::cancelled_at.eq(now),
                b::cancel_reason.eq(reason),
            ))
            .execute(conn)?,
    };
    if changed == 0 {
        return Ok(false);
    }
    let freed = free_cells(conn, row.id, free_from)?;
    release_quota(conn, row.household_id)?;
    if to == BookingStatus::NoShow {
        record_no_show(conn, row.household_id, row.user_id, now)?;
    }
    let event = match to {
        BookingStatus::NoShow => Some(DomainEvent::BookingNoShow(event_data(
            conn, row, to, reason,
        )?)),
        BookingStatus::Cancelled => Some(DomainEvent::BookingCancelled(event_data(
            conn, row, to, reason,
        )?)),
        _ => None,
    };
    if let Some(event) = event {
        events::record(conn, &event, now)?;
    }
    if let Some(n) = notice {
        notify(conn, row.user_id, &n, now)?;
    }
    if freed > 0 {
        offer_freed(conn, row.compound_id, row.socket_id, now)?;
    }
    Ok(true)
}

/// Cancel my booking. Free until the start; after the start (not checked in) it counts as a
/// no-show.
pub fn cancel(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    reason: Option<String>,
    now: NaiveDateTime,
) -> ApiResult<BookingRow> {
    db::transaction(conn, |c| {
        let row = booking_for_user(c, id, user_id)?;
        if row.status != BookingStatus::Confirmed {
            return Err(ApiError::new(ErrorCode::BookingNotCancellable)
                .with_details(json!({"status": row.status})));
        }
        let late = now >= row.starts_at;
        let to = if late {
            BookingStatus::NoShow
        } else {
            BookingStatus::Cancelled
        };
        let reason = reason.clone().unwrap_or_else(|| "用户取消".to_owned());
        let notice = Notice {
            kind: NotificationKind::BookingCancelled,
            title: "充电预约已取消".into(),
            body: if late {
                "开始后取消，计为一次未到".into()
            } else {
                "预约已取消".into()
            },
            data: json!({"booking_id": row.id}),
            dedupe_key: Some(format!("booking-cancelled:{}", row.id)),
        };
        let ending = Ending {
            expect: BookingStatus::Confirmed,
            to,
            reason: Some(&reason),
            free_from: None,
            notice: Some(notice),
        };
        if !end_booking(c, &row, ending, now)? {
            return Err(ApiError::new(ErrorCode::BookingNotCancellable));
        }
        Ok(())
    })?;
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
}

/// `confirmed` → `checked_in`, conditionally: whether this call made the change.
fn mark_checked_in(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<bool> {
    let changed =
        diesel::update(b::table.filter(b::id.eq(id).and(b::status.eq(BookingStatus::Confirmed))))
            .set((
                b::status.eq(BookingStatus::CheckedIn),
                b::checked_in_at.eq(now),
            ))
            .execute(conn)?;
    Ok(changed == 1)
}

/// Check in by the socket's printed code, within the check-in window.
pub fn check_in(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    code: &str,
    now: NaiveDateTime,
) -> ApiResult<BookingRow> {
    let row = booking_for_user(conn, id, user_id)?;
    if row.status != BookingStatus::Confirmed {
        return Err(ApiError::new(ErrorCode::BookingStateInvalid)
            .with_details(json!({"status": row.status})));
    }
    let socket = socket(conn, row.socket_id)?.ok_or_else(ApiError::not_found)?;
    let settings = settings_for(conn, row.compound_id)?;
    rules::check_in_timing(&settings, row.starts_at, now)?;
    if !socket.code.eq_ignore_ascii_case(code.trim()) {
        return Err(ApiError::new(ErrorCode::WrongSocketCode).with_field("socket_code"));
    }
    if !mark_checked_in(conn, id, now)? {
        return Err(ApiError::new(ErrorCode::BookingStateInvalid));
    }
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
}

/// The pile reported power on `socket_id` (a 0x06 power report): the confirmed booking under
/// way on it (`starts_at <= now < ends_at`) counts as checked in, even if nobody scanned. Not
/// when the report belongs to another booking's session or a walk-up (`session_booking`:
/// `Some(b)` the reporting session's booking, `None` a report no session of Linli claims or
/// one of this booking). A conditional update, so it happens once. Returns the booking
/// checked in.
pub fn check_in_by_pile(
    conn: &mut DbConn,
    socket_id: i64,
    session_booking: Option<Option<i64>>,
    now: NaiveDateTime,
) -> ApiResult<Option<i64>> {
    let booking: Option<i64> = b::table
        .filter(b::socket_id.eq(socket_id))
        .filter(b::status.eq(BookingStatus::Confirmed))
        .filter(b::starts_at.le(now).and(b::ends_at.gt(now)))
        .select(b::id)
        .first(conn)
        .optional()?;
    let Some(id) = booking else {
        return Ok(None);
    };
    if matches!(session_booking, Some(other) if other != Some(id)) {
        return Ok(None);
    }
    Ok(mark_checked_in(conn, id, now)?.then_some(id))
}

/// Finish charging: the rest of the booking (from the current slot on) is freed.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<BookingRow> {
    db::transaction(conn, |c| {
        let row = booking_for_user(c, id, user_id)?;
        if row.status != BookingStatus::CheckedIn {
            return Err(ApiError::new(ErrorCode::BookingStateInvalid)
                .with_details(json!({"status": row.status})));
        }
        let settings = settings_for(c, row.compound_id)?;
        let from = rules::slot_floor(now, settings.slot()).max(row.starts_at);
        let ending = Ending {
            expect: BookingStatus::CheckedIn,
            to: BookingStatus::Completed,
            reason: None,
            free_from: Some(from),
            notice: None,
        };
        if !end_booking(c, &row, ending, now)? {
            return Err(ApiError::new(ErrorCode::BookingStateInvalid));
        }
        Ok(())
    })?;
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
}

/// A member left `household_id` (revoked, expired or gone): cancel their bookings for it that
/// have not started (freeing the cells, giving back the household's quota, telling them and
/// offering the time to the waitlist, as a resident's own cancel does) and close their
/// waitlist entries. Each booking ends conditionally, so a second run cancels nothing more.
/// Returns how many bookings were cancelled.
pub fn end_member_bookings(
    conn: &mut DbConn,
    user_id: i64,
    household_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let rows: Vec<BookingRow> = b::table
        .filter(b::user_id.eq(user_id).and(b::household_id.eq(household_id)))
        .filter(b::status.eq(BookingStatus::Confirmed))
        .filter(b::starts_at.gt(now))
        .select(super::BOOKING_COLUMNS)
        .load(conn)?;
    let mut cancelled = 0;
    for row in rows {
        let notice = Notice {
            kind: NotificationKind::BookingCancelled,
            title: "充电预约已取消".into(),
            body: format!(
                "{}的预约已取消：{}",
                super::local_range(row.starts_at, row.ends_at),
                reason
            ),
            data: json!({"booking_id": row.id, "reason": reason}),
            dedupe_key: Some(format!("booking-cancelled:{}", row.id)),
        };
        let ending = Ending {
            expect: BookingStatus::Confirmed,
            to: BookingStatus::Cancelled,
            reason: Some(reason),
            free_from: None,
            notice: Some(notice),
        };
        if end_booking(conn, &row, ending, now)? {
            cancelled += 1;
        }
    }
    crate::charging::model::waitlist::close_entries_of_member(conn, user_id, household_id, now)?;
    Ok(cancelled)
}
