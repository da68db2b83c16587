//! The waitlist of a taken time: queueing (one live entry per resident and range), the place
//! in line, and offers. A freed time is offered to the first waiting entry whose whole range
//! is free, its cells held for the offer (so nobody else books them) until it is accepted,
//! declined or expires.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::bookings::create::{book_in_tx, bookable_household, may_book_in, BookingRequest};
use super::bookings::local_range;
use super::sockets::{compound_name, compound_sockets, settings_for, socket, SocketInfo};
use super::stamp::touch_sockets;
use crate::charging::dto::{SocketState, WaitlistStatus, WaitlistView};
use crate::charging::rules::{self, TimeRange};
use crate::db::schema::{booking_slots as bs, waitlist_entries as wl};
use crate::db::{self, is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::notifications::{notify, Notice, NotificationKind};

/// Whether every cell of the range on this socket is free right now.
fn range_free(
    conn: &mut DbConn,
    socket_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
) -> ApiResult<bool> {
    let taken: i64 = bs::table
        .filter(bs::socket_id.eq(socket_id))
        .filter(bs::slot_start.ge(starts_at).and(bs::slot_start.lt(ends_at)))
        .count()
        .get_result(conn)?;
    Ok(taken == 0)
}

/// Queue for a taken time on one socket (`socket_id`) or any socket of the compound.
pub fn join_waitlist(
    conn: &mut DbConn,
    compound_id: i64,
    user_id: i64,
    socket_id: Option<i64>,
    range: TimeRange,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let TimeRange { starts_at, ends_at } = range;
    let household_id = bookable_household(conn, user_id, now)?;
    if compound_name(conn, compound_id)?.is_none() {
        return Err(ApiError::not_found());
    }
    may_book_in(conn, household_id, compound_id)?;
    let settings = settings_for(conn, compound_id)?;
    rules::check_range(&settings, starts_at, ends_at, now)?;
    let candidates: Vec<SocketInfo> = compound_sockets(conn, compound_id)?
        .into_iter()
        .filter(|s| socket_id.is_none_or(|id| id == s.id))
        .collect();
    if socket_id.is_some() && candidates.is_empty() {
        return Err(ApiError::validation(
            "socket_id",
            "no such socket in this compound",
        ));
    }
    for s in candidates
        .iter()
        .filter(|s| s.state == SocketState::Available)
    {
        if range_free(conn, s.id, starts_at, ends_at)? {
            return Err(
                ApiError::new(ErrorCode::SlotAvailable).with_details(json!({"socket_id": s.id}))
            );
        }
    }
    let live_key = format!(
        "{user_id}:{compound_id}:{}:{}:{}",
        socket_id.map_or_else(|| "*".to_owned(), |s| s.to_string()),
        starts_at.and_utc().timestamp(),
        ends_at.and_utc().timestamp()
    );
    let inserted = diesel::insert_into(wl::table)
        .values((
            wl::compound_id.eq(compound_id),
            wl::socket_id.eq(socket_id),
            wl::user_id.eq(user_id),
            wl::household_id.eq(household_id),
            wl::starts_at.eq(starts_at),
            wl::ends_at.eq(ends_at),
            wl::status.eq(WaitlistStatus::Waiting),
            wl::queued_at.eq(now),
            wl::live_key.eq(Some(&live_key)),
            wl::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(last_insert_id(conn)?),
        Err(e) if is_unique_violation(&e) => Err(ApiError::new(ErrorCode::AlreadyWaitlisted)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Clone, Debug, Queryable)]
pub struct WaitRow {
    pub id: i64,
    pub compound_id: i64,
    pub socket_id: Option<i64>,
    pub user_id: i64,
    pub household_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: WaitlistStatus,
    pub queued_at: NaiveDateTime,
    pub offered_socket_id: Option<i64>,
    pub offer_expires_at: Option<NaiveDateTime>,
    pub booking_id: Option<i64>,
}

type WaitColumns = (
    wl::id,
    wl::compound_id,
    wl::socket_id,
    wl::user_id,
    wl::household_id,
    wl::starts_at,
    wl::ends_at,
    wl::status,
    wl::queued_at,
    wl::offered_socket_id,
    wl::offer_expires_at,
    wl::booking_id,
);

pub(super) const WAIT_COLUMNS: WaitColumns = (
    wl::id,
    wl::compound_id,
    wl::socket_id,
    wl::user_id,
    wl::household_id,
    wl::starts_at,
    wl::ends_at,
    wl::status,
    wl::queued_at,
    wl::offered_socket_id,
    wl::offer_expires_at,
    wl::booking_id,
);

pub fn wait_row(conn: &mut DbConn, id: i64) -> ApiResult<Option<WaitRow>> {
    Ok(wl::table
        .find(id)
        .select(WAIT_COLUMNS)
        .first(conn)
        .optional()?)
}

/// Place in line: waiting entries of the compound queued no later than this one whose range
/// overlaps it and that could take the same socket.
fn position(conn: &mut DbConn, w: &WaitRow) -> ApiResult<i64> {
    let ahead: Vec<(i64, Option<i64>, NaiveDateTime)> = wl::table
        .filter(
            wl::compound_id
                .eq(w.compound_id)
                .and(wl::status.eq(WaitlistStatus::Waiting)),
        )
        .filter(wl::starts_at.lt(w.ends_at).and(wl::ends_at.gt(w.starts_at)))
        .filter(wl::queued_at.le(w.queued_at))
        .select((wl::id, wl::socket_id, wl::queued_at))
        .load(conn)?;
    Ok(ahead
        .into_iter()
        .filter(|(id, socket, queued)| {
            let compatible = socket.is_none() || w.socket_id.is_none() || *socket == w.socket_id;
            compatible && (*queued < w.queued_at || *id <= w.id)
        })
        .count() as i64)
}

pub fn wait_view(conn: &mut DbConn, w: WaitRow) -> ApiResult<WaitlistView> {
    let position = if w.status == WaitlistStatus::Waiting {
        Some(position(conn, &w)?)
    } else {
        None
    };
    Ok(WaitlistView {
        id: w.id,
        compound_id: w.compound_id,
        socket_id: w.socket_id,
        starts_at: rules::utc(w.starts_at),
        ends_at: rules::utc(w.ends_at),
        status: w.status,
        position,
        offered_socket_id: w.offered_socket_id,
        offer_expires_at: w.offer_expires_at.map(rules::utc),
        booking_id: w.booking_id,
    })
}

pub fn my_waitlist(conn: &mut DbConn, user_id: i64) -> ApiResult<Vec<WaitlistView>> {
    let rows: Vec<WaitRow> = wl::table
        .filter(wl::user_id.eq(user_id))
        .order(wl::queued_at.desc())
        .limit(100)
        .select(WAIT_COLUMNS)
        .load(conn)?;
    rows.into_iter().map(|w| wait_view(conn, w)).collect()
}

/// After cells of `socket_id` were freed: offer them to the first waiting entries whose whole
/// range is now free on that socket, holding the cells for the offer.
pub(in crate::charging::model) fn offer_freed(
    conn: &mut DbConn,
    compound_id: i64,
    socket_id: i64,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let Some(socket) = socket(conn, socket_id)? else {
        return Ok(0);
    };
    if socket.state != SocketState::Available {
        return Ok(0);
    }
    let waiting: Vec<WaitRow> = wl::table
        .filter(
            wl::compound_id
                .eq(compound_id)
                .and(wl::status.eq(WaitlistStatus::Waiting)),
        )
        .filter(wl::socket_id.is_null().or(wl::socket_id.eq(socket_id)))
        .filter(wl::starts_at.gt(now))
        .order((wl::queued_at, wl::id))
        .limit(50)
        .select(WAIT_COLUMNS)
        .load(conn)?;
    let settings = settings_for(conn, compound_id)?;
    let mut offered = 0;
    for w in waiting {
        if !range_free(conn, socket_id, w.starts_at, w.ends_at)? {
            continue;
        }
        let claimed = diesel::update(
            wl::table.filter(wl::id.eq(w.id).and(wl::status.eq(WaitlistStatus::Waiting))),
        )
        .set((
            wl::status.eq(WaitlistStatus::Offered),
            wl::offered_socket_id.eq(Some(socket_id)),
            wl::offer_expires_at.eq(Some(now + Duration::minutes(rules::OFFER_MINUTES))),
            wl::updated_at.eq(now),
        ))
        .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        let holds: Vec<_> = rules::cells(w.starts_at, w.ends_at, settings.slot())
            .into_iter()
            .map(|t| {
                (
                    bs::socket_id.eq(socket_id),
                    bs::compound_id.eq(compound_id),
                    bs::slot_start.eq(t),
                    bs::offer_id.eq(Some(w.id)),
                )
            })
            .collect();
        crate::on_backend!(&mut *conn, |c| diesel::insert_into(bs::table)
            .values(&holds)
            .execute(c))?;
        touch_sockets(conn, &[socket_id])?;
        notify(
            conn,
            w.user_id,
            &Notice {
                kind: NotificationKind::WaitlistOffer,
                title: "候补到了：充电时段空出".into(),
                body: format!(
                    "{} {}，请在{}分钟内确认",
                    socket.label,
                    local_range(w.starts_at, w.ends_at),
                    rules::OFFER_MINUTES
                ),
                data: json!({"waitlist_id": w.id, "socket_id": socket_id}),
                dedupe_key: Some(format!(
                    "offer:{}:{}",
                    w.id,
                    now.and_utc().timestamp_millis()
                )),
            },
            now,
        )?;
        offered += 1;
    }
    Ok(offered)
}

/// Close a waiting entry or an open offer (declined, expired, cancelled): an offer's held
/// cells are dropped and offered on.
pub(super) fn close_offer(
    conn: &mut DbConn,
    w: &WaitRow,
    to: WaitlistStatus,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let changed = diesel::update(wl::table.filter(wl::id.eq(w.id).and(wl::status.eq(w.status))))
        .set((
            wl::status.eq(to),
            wl::live_key.eq(None::<String>),
            wl::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    if w.status == WaitlistStatus::Offered {
        diesel::delete(bs::table.filter(bs::offer_id.eq(w.id))).execute(conn)?;
        touch_sockets(conn, &w.offered_socket_id.into_iter().collect::<Vec<_>>())?;
        if let Some(s) = w.offered_socket_id {
            offer_freed(conn, w.compound_id, s, now)?;
        }
    }
    Ok(true)
}

fn my_entry(conn: &mut DbConn, id: i64, user_id: i64) -> ApiResult<WaitRow> {
    wait_row(conn, id)?
        .filter(|w| w.user_id == user_id)
        .ok_or_else(ApiError::not_found)
}

/// Accept the offer: a normal booking under every rule, taking over the held cells.
pub fn accept_offer(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let household_id = bookable_household(conn, user_id, now)?;
    db::transaction(conn, |c| {
        let w = my_entry(c, id, user_id)?;
        let socket_id = match (w.status, w.offered_socket_id, w.offer_expires_at) {
            (WaitlistStatus::Offered, Some(s), Some(exp)) if exp > now => s,
            _ => {
                return Err(ApiError::new(ErrorCode::OfferNotPending)
                    .with_details(json!({"status": w.status})))
            }
        };
        let req = BookingRequest {
            user_id,
            household_id,
            socket_id,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
        };
        let booking = book_in_tx(c, req, Some(w.id), now)?.id;
        diesel::update(wl::table.filter(wl::id.eq(w.id)))
            .set((
                wl::status.eq(WaitlistStatus::Accepted),
                wl::booking_id.eq(Some(booking)),
                wl::live_key.eq(None::<String>),
                wl::updated_at.eq(now),
            ))
            .execute(c)?;
        Ok(booking)
    })
}

/// Decline an open offer, or leave the queue.
pub fn leave_waitlist(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    db::transaction(conn, |c| {
        let w = my_entry(c, id, user_id)?;
        let to = match w.status {
            WaitlistStatus::Offered => WaitlistStatus::Declined,
            WaitlistStatus::Waiting => WaitlistStatus::Cancelled,
            _ => {
                return Err(ApiError::new(ErrorCode::OfferNotPending)
                    .with_details(json!({"status": w.status})))
            }
        };
        if !close_offer(c, &w, to, now)? {
            return Err(ApiError::new(ErrorCode::OfferNotPending));
        }
        Ok(())
    })
}

/// Close every live waitlist entry `user_id` holds for `household_id` (they left it): waiting
/// ones are cancelled, open offers declined (their held cells go to the next in line).
/// Returns how many closed.
pub(in crate::charging::model) fn close_entries_of_member(
    conn: &mut DbConn,
    user_id: i64,
    household_id: i64,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let rows: Vec<WaitRow> = wl::table
        .filter(
            wl::user_id
                .eq(user_id)
                .and(wl::household_id.eq(household_id)),
        )
        .filter(wl::status.eq_any([WaitlistStatus::Waiting, WaitlistStatus::Offered]))
        .select(WAIT_COLUMNS)
        .load(conn)?;
    let mut closed = 0;
    for w in rows {
        let to = if w.status == WaitlistStatus::Offered {
            WaitlistStatus::Declined
        } else {
            WaitlistStatus::Cancelled
        };
        if close_offer(conn, &w, to, now)? {
            closed += 1;
        }
    }
    Ok(closed)
}
