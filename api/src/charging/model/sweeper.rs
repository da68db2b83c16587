//! The charging sweeper: the background pass that releases no-shows, completes finished
//! bookings, sends reminders and expires waitlist offers. A booking whose pile was offline
//! during its grace period (an outage the device gateway recorded overlaps it) is released
//! as `cancelled` instead of `no_show`: nobody could have charged there.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::bookings::lifecycle::{end_booking, Ending};
use super::bookings::{local_range, BookingRow, BOOKING_COLUMNS};
use super::sockets::{settings_for, socket};
use super::waitlist::{close_offer, WaitRow, WAIT_COLUMNS};
use crate::charging::dto::{BookingStatus, WaitlistStatus};
use crate::charging::rules;
use crate::db::schema::{bookings as b, waitlist_entries as wl};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::notifications::{notify, Notice, NotificationKind};

/// Why a booking whose pile was offline during its grace period was released (it is
/// `cancelled`, not `no_show`, so it does not count against the household).
pub const PILE_OFFLINE_REASON: &str = "签到期间充电桩离线，不计为未到";

/// One pass of the charging sweeper: releases no-shows, completes finished bookings, sends
/// reminders and expires offers. Safe in several processes: every step claims its row with a
/// conditional update. Returns how many rows it changed.
pub fn sweep(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let mut done = 0;
    // No-shows: confirmed bookings whose grace period is over.
    let candidates: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::Confirmed)
                .and(b::starts_at.le(now)),
        )
        .order(b::starts_at)
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    for row in candidates {
        let settings = settings_for(conn, row.compound_id)?;
        let grace_end = rules::check_in_window(&settings, row.starts_at).1;
        if now < grace_end {
            continue;
        }
        // A pile that was offline during the grace period could not be used: the booking is
        // released without counting against the household.
        let pile = socket(conn, row.socket_id)?.map(|s| s.pile_id);
        let excused = match pile {
            Some(p) => crate::devices::model::devices::pile_offline_during(
                conn,
                p,
                row.starts_at,
                grace_end,
            )?,
            None => false,
        };
        if excused {
            let released = db::transaction(conn, |c| {
                let notice = Notice {
                    kind: NotificationKind::BookingCancelled,
                    title: "充电预约已释放".into(),
                    body: format!(
                        "{}的预约签到期间充电桩离线，预约已释放，不计为未到",
                        local_range(row.starts_at, row.ends_at)
                    ),
                    data: json!({"booking_id": row.id}),
                    dedupe_key: Some(format!("booking-cancelled:{}", row.id)),
                };
                let ending = Ending {
                    expect: BookingStatus::Confirmed,
                    to: BookingStatus::Cancelled,
                    reason: Some(PILE_OFFLINE_REASON),
                    free_from: None,
                    notice: Some(notice),
                };
                end_booking(c, &row, ending, now)
            })?;
            done += usize::from(released);
            continue;
        }
        let released = db::transaction(conn, |c| {
            let notice = Notice {
                kind: NotificationKind::BookingNoShow,
                title: "充电预约已释放".into(),
                body: format!(
                    "{}的预约未在{}分钟内签到，已释放并记为一次未到",
                    local_range(row.starts_at, row.ends_at),
                    settings.grace_minutes
                ),
                data: json!({"booking_id": row.id}),
                dedupe_key: Some(format!("booking-no-show:{}", row.id)),
            };
            let ending = Ending {
                expect: BookingStatus::Confirmed,
                to: BookingStatus::NoShow,
                reason: Some("未按时签到"),
                free_from: None,
                notice: Some(notice),
            };
            end_booking(c, &row, ending, now)
        })?;
        done += usize::from(released);
    }
    // Completions: checked-in bookings past their end.
    let ended: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::CheckedIn)
                .and(b::ends_at.le(now)),
        )
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    for row in ended {
        let completed = db::transaction(conn, |c| {
            let ending = Ending {
                expect: BookingStatus::CheckedIn,
                to: BookingStatus::Completed,
                reason: None,
                free_from: Some(row.ends_at),
                notice: None,
            };
            end_booking(c, &row, ending, now)
        })?;
        done += usize::from(completed);
    }
    // Reminders shortly before the start.
    let soon: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::Confirmed)
                .and(b::reminded_at.is_null()),
        )
        .filter(
            b::starts_at
                .gt(now)
                .and(b::starts_at.le(now + Duration::minutes(rules::REMINDER_MINUTES))),
        )
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    for row in soon {
        let reminded = db::transaction(conn, |c| {
            let claimed =
                diesel::update(b::table.filter(b::id.eq(row.id).and(b::reminded_at.is_null())))
                    .set(b::reminded_at.eq(Some(now)))
                    .execute(c)?;
            if claimed == 1 {
                let label = socket(c, row.socket_id)?
                    .map(|s| s.label)
                    .unwrap_or_default();
                notify(
                    c,
                    row.user_id,
                    &Notice {
                        kind: NotificationKind::BookingReminder,
                        title: "充电预约即将开始".into(),
                        body: format!(
                            "{} {}，请按时到场扫码签到",
                            label,
                            local_range(row.starts_at, row.ends_at)
                        ),
                        // `starts_at`: a WeChat reminder still unsent then is dropped.
                        data: json!({
                            "booking_id": row.id,
                            "starts_at": row.starts_at.and_utc().to_rfc3339(),
                        }),
                        dedupe_key: Some(format!("booking-reminder:{}", row.id)),
                    },
                    now,
                )?;
            }
            Ok::<_, ApiError>(claimed == 1)
        })?;
        done += usize::from(reminded);
    }
    // Offers nobody answered in time.
    let expired: Vec<WaitRow> = wl::table
        .filter(
            wl::status
                .eq(WaitlistStatus::Offered)
                .and(wl::offer_expires_at.le(now)),
        )
        .limit(500)
        .select(WAIT_COLUMNS)
        .load(conn)?;
    for w in expired {
        let closed = db::transaction(conn, |c| close_offer(c, &w, WaitlistStatus::Expired, now))?;
        done += usize::from(closed);
    }
    Ok(done)
}
