//! Making a booking under every rule: the household may book (bound, not suspended), its
//! quota has room (a conditional update), the range is on the grid and within the horizon,
//! the cells are free (their UNIQUE key), and the socket is still available (checked last,
//! under its row lock).

use chrono::{NaiveDateTime, SubsecRound as _};
use diesel::prelude::*;
use serde_json::json;

use super::{booking_row, booking_view, event_data, local_range, view_of, BookingRow};
use crate::charging::dto::{BookingStatus, BookingView, PileStatus, SocketState};
use crate::charging::model::sockets::socket_in_context;
use crate::charging::rules::{self, TimeRange};
use crate::clock::LOCAL_TZ;
use crate::db::idempotency::IdempotencyClaim;
use crate::db::schema::{
    booking_slots as bs, booking_suspensions as susp, bookings as b, household_quotas as hq,
    sockets, users,
};
use crate::db::{self, is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::events::{self, DomainEvent};
use crate::notifications::{notify, Notice, NotificationKind};

/// The household a user books for, when it may book at `now`: `household_required` without
/// one, `booking_suspended` (with the end) while suspended. One query.
pub(in crate::charging::model) fn bookable_household(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let row: Option<(Option<i64>, Option<NaiveDateTime>)> = users::table
        .left_join(
            susp::table.on(susp::household_id
                .nullable()
                .eq(users::household_id)
                .and(susp::suspended_until.gt(now))),
        )
        .filter(users::id.eq(user_id))
        .select((users::household_id, susp::suspended_until.nullable()))
        .first(conn)
        .optional()?;
    let (household, until) = row.unwrap_or_default();
    let household = household.ok_or_else(|| ApiError::new(ErrorCode::HouseholdRequired))?;
    match until {
        Some(until) => Err(ApiError::new(ErrorCode::BookingSuspended)
            .with_reason(format!(
                "至 {}",
                rules::utc(until)
                    .with_timezone(&LOCAL_TZ)
                    .format("%Y-%m-%d %H:%M")
            ))
            .with_details(json!({"until": rules::utc(until)}))),
        None => Ok(household),
    }
}

/// Whether the household may book in `compound_id`: its own compound, or one open to the
/// whole community (`compounds.open_to_community`) of the household's community. Otherwise
/// 403 `compound_not_yours`.
pub(in crate::charging::model) fn may_book_in(
    conn: &mut DbConn,
    household_id: i64,
    compound_id: i64,
) -> ApiResult<()> {
    use crate::db::schema::{buildings, compounds, households};
    let home: Option<(i64, i64)> = households::table
        .inner_join(buildings::table.inner_join(compounds::table))
        .filter(households::id.eq(household_id))
        .select((compounds::id, compounds::community_id))
        .first(conn)
        .optional()?;
    let target: Option<(i64, bool)> = compounds::table
        .find(compound_id)
        .select((compounds::community_id, compounds::open_to_community))
        .first(conn)
        .optional()?;
    let allowed = match (home, target) {
        (Some((own, _)), _) if own == compound_id => true,
        (Some((_, community)), Some((target_community, true))) => community == target_community,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::CompoundNotYours)
            .with_field("socket_id")
            .with_details(json!({"compound_id": compound_id})))
    }
}

/// A booking or walk-up for the current slot needs the socket usable now, by the same live
/// state the grid shows (its current cell is unavailable then): `pile_offline_now` while the
/// pile is offline, `socket_faulted` (with the fault's meaning) while the pile reports the
/// socket faulted. Later slots stay bookable.
pub(in crate::charging::model) fn usable_now(conn: &mut DbConn, socket_id: i64) -> ApiResult<()> {
    use crate::devices::dto::LiveState;
    match crate::devices::model::devices::live_state(conn, socket_id)? {
        Some((LiveState::Offline, _)) => {
            Err(ApiError::new(ErrorCode::PileOfflineNow).with_field("starts_at"))
        }
        Some((LiveState::Faulted, code)) => Err(ApiError::new(ErrorCode::SocketFaulted)
            .with_field("socket_id")
            .with_reason(crate::devices::dny::codes::fault_message(
                u8::try_from(code).unwrap_or(u8::MAX),
            ))
            .with_details(json!({"status_code": code}))),
        _ => Ok(()),
    }
}

/// Once a booking's (or walk-up's) cells are in: check the socket is still available and take
/// its row lock until commit (a state change waits for this writer, or this writer sees the
/// change and fails with `socket_unavailable`), and move the grid stamp.
pub(in crate::charging::model) fn hold_socket(conn: &mut DbConn, socket_id: i64) -> ApiResult<()> {
    let usable = diesel::update(
        sockets::table.filter(
            sockets::id
                .eq(socket_id)
                .and(sockets::state.eq(SocketState::Available)),
        ),
    )
    .set(sockets::write_seq.eq(sockets::write_seq + 1))
    .execute(conn)?;
    if usable == 0 {
        return Err(ApiError::new(ErrorCode::SocketUnavailable).with_field("socket_id"));
    }
    Ok(())
}

/// Take one unit of the household's quota, or fail with `household_quota_reached`.
pub(in crate::charging::model) fn take_quota(
    conn: &mut DbConn,
    household_id: i64,
    max: i64,
) -> ApiResult<()> {
    let max = i32::try_from(max).unwrap_or(i32::MAX);
    for _ in 0..2 {
        let taken = diesel::update(
            hq::table.filter(
                hq::household_id
                    .eq(household_id)
                    .and(hq::active_count.lt(max)),
            ),
        )
        .set(hq::active_count.eq(hq::active_count + 1))
        .execute(conn)?;
        if taken == 1 {
            return Ok(());
        }
        let exists: i64 = hq::table
            .filter(hq::household_id.eq(household_id))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            break;
        }
        match diesel::insert_into(hq::table)
            .values((hq::household_id.eq(household_id), hq::active_count.eq(0)))
            .execute(conn)
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(ErrorCode::HouseholdQuotaReached).with_details(json!({"max_active": max})))
}

/// What a new booking needs.
#[derive(Clone, Copy, Debug)]
pub(in crate::charging::model) struct BookingRequest {
    pub user_id: i64,
    pub household_id: i64,
    pub socket_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

/// Make a booking under every rule, inside the caller's transaction. `offer` names a held
/// waitlist offer whose cells this booking takes over.
pub(in crate::charging::model) fn book_in_tx(
    conn: &mut DbConn,
    req: BookingRequest,
    offer: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<BookingView> {
    let (socket, compound_name, settings) =
        socket_in_context(conn, req.socket_id)?.ok_or_else(ApiError::not_found)?;
    may_book_in(conn, req.household_id, socket.compound_id)?;
    rules::check_range(&settings, req.starts_at, req.ends_at, now)?;
    if socket.state != SocketState::Available || socket.pile_status != PileStatus::Active {
        return Err(ApiError::new(ErrorCode::SocketUnavailable).with_field("socket_id"));
    }
    if req.starts_at <= now {
        usable_now(conn, socket.id)?;
    }
    if let Some(offer) = offer {
        diesel::delete(bs::table.filter(bs::offer_id.eq(offer))).execute(conn)?;
    }
    take_quota(conn, req.household_id, settings.max_active_per_household)?;
    diesel::insert_into(b::table)
        .values((
            b::socket_id.eq(socket.id),
            b::compound_id.eq(socket.compound_id),
            b::user_id.eq(req.user_id),
            b::household_id.eq(req.household_id),
            b::starts_at.eq(req.starts_at),
            b::ends_at.eq(req.ends_at),
            b::status.eq(BookingStatus::Confirmed),
            b::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    let cells: Vec<_> = rules::cells(req.starts_at, req.ends_at, settings.slot())
        .into_iter()
        .map(|t| {
            (
                bs::socket_id.eq(socket.id),
                bs::compound_id.eq(socket.compound_id),
                bs::slot_start.eq(t),
                bs::booking_id.eq(Some(id)),
                bs::household_id.eq(Some(req.household_id)),
            )
        })
        .collect();
    let inserted = crate::on_backend!(&mut *conn, |c| diesel::insert_into(bs::table)
        .values(&cells)
        .execute(c));
    match inserted {
        Ok(_) => {
            // Last, once the cells are ours. Taking it last means that bookings colliding on
            // a cell never wait for each other here.
            hold_socket(conn, socket.id)?;
        }
        Err(e) if is_unique_violation(&e) => {
            // Taken: say so, and say whether by maintenance (the socket is then unavailable).
            let maintenance: i64 = bs::table
                .filter(
                    bs::socket_id
                        .eq(socket.id)
                        .and(bs::maintenance_id.is_not_null()),
                )
                .filter(
                    bs::slot_start
                        .ge(req.starts_at)
                        .and(bs::slot_start.lt(req.ends_at)),
                )
                .count()
                .get_result(conn)?;
            return Err(if maintenance > 0 {
                ApiError::new(ErrorCode::SocketUnavailable)
                    .with_field("socket_id")
                    .with_details(json!({"reason": "maintenance"}))
            } else {
                ApiError::new(ErrorCode::BookingConflict)
            });
        }
        Err(e) => return Err(e.into()),
    }
    // The stored row, without reading it back (DATETIME(6) keeps microseconds).
    let row = BookingRow {
        id,
        socket_id: socket.id,
        compound_id: socket.compound_id,
        user_id: req.user_id,
        household_id: req.household_id,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        status: BookingStatus::Confirmed,
        created_at: now.trunc_subsecs(6),
        checked_in_at: None,
        finished_at: None,
        cancelled_at: None,
        cancel_reason: None,
    };
    let data = event_data(conn, &row, BookingStatus::Confirmed, None)?;
    events::record(conn, &DomainEvent::BookingCreated(data), now)?;
    notify(
        conn,
        req.user_id,
        &Notice {
            kind: NotificationKind::BookingConfirmed,
            title: "充电预约成功".into(),
            body: format!(
                "{} {}",
                socket.label,
                local_range(req.starts_at, req.ends_at)
            ),
            data: json!({"booking_id": id, "socket_id": socket.id}),
            dedupe_key: Some(format!("booking-confirmed:{id}")),
        },
        now,
    )?;
    Ok(view_of(row, &socket, &compound_name, &settings))
}

/// Book `socket_id` for `range`: the household quota, suspension and every range rule
/// apply. With an idempotency claim whose earlier attempt committed a booking, that booking
/// is the answer.
pub fn create_booking(
    conn: &mut DbConn,
    user_id: i64,
    socket_id: i64,
    range: TimeRange,
    now: NaiveDateTime,
    claim: IdempotencyClaim,
) -> ApiResult<BookingView> {
    if let Some(id) = claim.done_before(conn, "booking")? {
        return stored_booking_view(conn, id);
    }
    let household_id = bookable_household(conn, user_id, now)?;
    let req = BookingRequest {
        user_id,
        household_id,
        socket_id,
        starts_at: range.starts_at,
        ends_at: range.ends_at,
    };
    db::transaction(conn, |c| {
        if let Some(id) = claim.begin(c, "booking")? {
            return stored_booking_view(c, id);
        }
        let view = book_in_tx(c, req, None, now)?;
        claim.mark_done(c, "booking", view.id)?;
        Ok(view)
    })
}

/// The view of a booking read back from the database.
fn stored_booking_view(conn: &mut DbConn, id: i64) -> ApiResult<BookingView> {
    let row = booking_row(conn, id)?.ok_or_else(|| ApiError::internal("booking vanished"))?;
    booking_view(conn, row)
}

/// Whether `user_id`'s household may book in `compound_id` at all (its own compound, or one
/// open to the whole community; a suspension aside): what lets a resident read a compound's
/// prices. `household_required` without a household, 403 `compound_not_yours` otherwise.
pub fn user_may_book_in(conn: &mut DbConn, user_id: i64, compound_id: i64) -> ApiResult<()> {
    let household: Option<Option<i64>> = users::table
        .find(user_id)
        .select(users::household_id)
        .first(conn)
        .optional()?;
    let household = household
        .flatten()
        .ok_or_else(|| ApiError::new(ErrorCode::HouseholdRequired))?;
    may_book_in(conn, household, compound_id).map_err(|e| e.with_field("id"))
}
