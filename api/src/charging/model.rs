//! Charging in the database. The invariants are the database's to keep:
//!
//! - **No overlap**: every taken slot cell of a socket is a row in `booking_slots` with
//!   `UNIQUE(socket_id, slot_start)`; a booking inserts its cells, and a duplicate key means
//!   the time is taken (409). Maintenance windows and held waitlist offers take cells the
//!   same way, so they exclude bookings by the same key.
//! - **Household quota**: `household_quotas.active_count` only moves by conditional updates
//!   (`... WHERE active_count < max`), checked by affected rows.
//! - **Socket state**: once its cells are inserted, a booking bumps the socket's `write_seq`
//!   with `WHERE state = 'available'` (READ COMMITTED: the latest state), which both checks
//!   the state and serialises against a state change; bookings colliding on a cell fail on
//!   the cell's key before they get there, so they never queue on the socket's row.
//! - **Grid stamp**: every change the availability grid shows bumps `write_seq` of the
//!   sockets concerned in the same transaction ([`touch_sockets`]); the grid cache is keyed
//!   by `(COUNT(*), SUM(write_seq))` over the compound's sockets (see `super::grid`).
//! - **Background work** (no-shows, completions, reminders, offer expiry) claims each row with
//!   a conditional update, so several server processes never do one job twice.

use chrono::{Duration, NaiveDate, NaiveDateTime, SubsecRound as _};
use diesel::prelude::*;
use serde_json::json;

use super::dto::{
    AvailabilityView, BookingStatus, BookingView, ChargingView, MaintenanceView, PileView,
    SettingsView, SocketCells, SocketState, SocketView, WaitlistView,
};
use super::rules::{self, cell, Settings};
use crate::db::schema::{
    booking_slots as bs, booking_suspensions as susp, bookings as b, charging_settings as cs,
    compounds, household_quotas as hq, maintenance_windows as mw, piles, sockets, users,
    waitlist_entries as wl,
};
use crate::db::{self, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::idempotency::IdempotencyClaim;
use crate::notifications::{notify, Notice};

fn unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

// ---------------------------------------------------------------------------------------
// The grid stamp: every change the availability grid shows bumps `sockets.write_seq` of the
// sockets it concerns, inside the transaction that makes the change (see `super::grid`).

/// Mark sockets as changed for the availability grid.
pub fn touch_sockets(conn: &mut DbConn, ids: &[i64]) -> ApiResult<()> {
    if !ids.is_empty() {
        diesel::update(sockets::table.filter(sockets::id.eq_any(ids)))
            .set(sockets::write_seq.eq(sockets::write_seq + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Mark every socket of a compound as changed (its settings changed).
pub fn touch_compound(conn: &mut DbConn, compound_id: i64) -> ApiResult<()> {
    diesel::update(sockets::table.filter(sockets::compound_id.eq(compound_id)))
        .set(sockets::write_seq.eq(sockets::write_seq + 1))
        .execute(conn)?;
    Ok(())
}

/// Mark every socket of a pile as changed (its name, which labels its sockets, changed).
pub fn touch_pile(conn: &mut DbConn, pile_id: i64) -> ApiResult<()> {
    diesel::update(sockets::table.filter(sockets::pile_id.eq(pile_id)))
        .set(sockets::write_seq.eq(sockets::write_seq + 1))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Settings, piles, sockets

pub fn settings_for(conn: &mut DbConn, compound_id: i64) -> ApiResult<Settings> {
    let row: Option<(i32, i32, i32, i32, i32, i32)> = cs::table
        .filter(cs::compound_id.eq(compound_id))
        .select((
            cs::slot_minutes,
            cs::days_ahead,
            cs::min_notice_minutes,
            cs::max_booking_minutes,
            cs::grace_minutes,
            cs::max_active_per_household,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map_or_else(Settings::default, settings_from_row))
}

fn settings_from_row((a, b, c, d, e, f): (i32, i32, i32, i32, i32, i32)) -> Settings {
    Settings {
        slot_minutes: a.into(),
        days_ahead: b.into(),
        min_notice_minutes: c.into(),
        max_booking_minutes: d.into(),
        grace_minutes: e.into(),
        max_active_per_household: f.into(),
    }
}

pub fn settings_view(s: &Settings) -> SettingsView {
    SettingsView {
        slot_minutes: s.slot_minutes,
        days_ahead: s.days_ahead,
        min_notice_minutes: s.min_notice_minutes,
        max_booking_minutes: s.max_booking_minutes,
        grace_minutes: s.grace_minutes,
        max_active_per_household: s.max_active_per_household,
    }
}

/// Store a compound's settings (staff).
pub fn save_settings(
    conn: &mut DbConn,
    compound_id: i64,
    s: &Settings,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let to_i32 = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    let values = (
        cs::slot_minutes.eq(to_i32(s.slot_minutes)),
        cs::days_ahead.eq(to_i32(s.days_ahead)),
        cs::min_notice_minutes.eq(to_i32(s.min_notice_minutes)),
        cs::max_booking_minutes.eq(to_i32(s.max_booking_minutes)),
        cs::grace_minutes.eq(to_i32(s.grace_minutes)),
        cs::max_active_per_household.eq(to_i32(s.max_active_per_household)),
        cs::updated_at.eq(now),
    );
    let updated = diesel::update(cs::table.filter(cs::compound_id.eq(compound_id)))
        .set(values)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(cs::table)
            .values((cs::compound_id.eq(compound_id), values))
            .execute(conn)?;
    }
    touch_compound(conn, compound_id)
}

/// A socket with what bookings need to know about it.
#[derive(Clone, Debug)]
pub struct SocketInfo {
    pub id: i64,
    pub pile_id: i64,
    pub compound_id: i64,
    pub number: i32,
    pub code: String,
    pub state: SocketState,
    pub label: String,
}

type SocketRow = (i64, i64, i64, i32, String, String, String);

fn socket_info(row: SocketRow) -> SocketInfo {
    let (id, pile_id, compound_id, number, code, state, pile_name) = row;
    SocketInfo {
        id,
        pile_id,
        compound_id,
        number,
        code,
        state: SocketState::parse(&state),
        label: format!("{pile_name}-{number}口"),
    }
}

fn socket_columns() -> (
    sockets::id,
    sockets::pile_id,
    sockets::compound_id,
    sockets::number,
    sockets::code,
    sockets::state,
    piles::name,
) {
    (
        sockets::id,
        sockets::pile_id,
        sockets::compound_id,
        sockets::number,
        sockets::code,
        sockets::state,
        piles::name,
    )
}

pub fn socket(conn: &mut DbConn, id: i64) -> ApiResult<Option<SocketInfo>> {
    let row: Option<SocketRow> = sockets::table
        .inner_join(piles::table)
        .filter(sockets::id.eq(id))
        .select(socket_columns())
        .first(conn)
        .optional()?;
    Ok(row.map(socket_info))
}

/// A socket with its compound's name and booking settings, in one query.
pub fn socket_in_context(
    conn: &mut DbConn,
    id: i64,
) -> ApiResult<Option<(SocketInfo, String, Settings)>> {
    type Row = (SocketRow, String, Option<(i32, i32, i32, i32, i32, i32)>);
    let row: Option<Row> = sockets::table
        .inner_join(piles::table)
        .inner_join(compounds::table)
        .left_join(cs::table.on(cs::compound_id.eq(sockets::compound_id)))
        .filter(sockets::id.eq(id))
        .select((
            socket_columns(),
            compounds::name,
            (
                cs::slot_minutes,
                cs::days_ahead,
                cs::min_notice_minutes,
                cs::max_booking_minutes,
                cs::grace_minutes,
                cs::max_active_per_household,
            )
                .nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(s, name, settings)| {
        (
            socket_info(s),
            name,
            settings.map_or_else(Settings::default, settings_from_row),
        )
    }))
}

pub fn compound_sockets(conn: &mut DbConn, compound_id: i64) -> ApiResult<Vec<SocketInfo>> {
    let rows: Vec<SocketRow> = sockets::table
        .inner_join(piles::table)
        .filter(sockets::compound_id.eq(compound_id))
        .order((piles::id, sockets::number))
        .select(socket_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(socket_info).collect())
}

fn compound_name(conn: &mut DbConn, compound_id: i64) -> ApiResult<Option<String>> {
    Ok(compounds::table
        .find(compound_id)
        .select(compounds::name)
        .first(conn)
        .optional()?)
}

/// A compound's settings, piles and sockets.
pub fn charging_view(conn: &mut DbConn, compound_id: i64) -> ApiResult<Option<ChargingView>> {
    let Some(name) = compound_name(conn, compound_id)? else {
        return Ok(None);
    };
    let settings = settings_for(conn, compound_id)?;
    let pile_rows: Vec<(i64, String, String, String, String)> = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .order(piles::id)
        .select((
            piles::id,
            piles::code,
            piles::name,
            piles::location,
            piles::status,
        ))
        .load(conn)?;
    let sockets = compound_sockets(conn, compound_id)?;
    let piles = pile_rows
        .into_iter()
        .map(|(id, code, name, location, status)| PileView {
            sockets: sockets
                .iter()
                .filter(|s| s.pile_id == id)
                .map(|s| SocketView {
                    id: s.id,
                    number: s.number,
                    label: s.label.clone(),
                    state: s.state,
                })
                .collect(),
            id,
            code,
            name,
            location,
            status,
        })
        .collect();
    Ok(Some(ChargingView {
        compound_id,
        compound_name: name,
        settings: settings_view(&settings),
        piles,
    }))
}

// ---------------------------------------------------------------------------------------
// Availability

/// A compound's grid before it is shown to anyone: every booked cell is `x`, and `households`
/// says whose booking each one is (so the grid cache can show a viewer their own as `m`).
#[derive(Debug)]
pub struct GridData {
    pub view: AvailabilityView,
    /// (socket row, cell index, household) of every booked cell.
    pub households: Vec<(usize, usize, i64)>,
    /// Local midnight of the first day, and the settings the grid was drawn under.
    pub start: NaiveDateTime,
    pub settings: Settings,
}

/// How many cells of a grid starting at `start` (`n` cells of `slot`) begin before `t`.
pub fn cells_before(start: NaiveDateTime, slot: Duration, n: usize, t: NaiveDateTime) -> usize {
    let (Some(span), Some(step)) = ((t - start).num_microseconds(), slot.num_microseconds()) else {
        return if t > start { n } else { 0 };
    };
    if span <= 0 || step <= 0 {
        return 0;
    }
    usize::try_from((span + step - 1) / step).map_or(n, |c| c.min(n))
}

/// The cells a grid shows as open at `now`: `[first, end)` (before: past; after: beyond the
/// booking horizon). The grid cache keeps an answer while this stays the same.
pub fn open_cells(
    start: NaiveDateTime,
    settings: &Settings,
    n: usize,
    now: NaiveDateTime,
) -> (usize, usize) {
    let slot = settings.slot();
    let current = rules::slot_floor(now, slot);
    let horizon = now + Duration::days(settings.days_ahead);
    (
        cells_before(start, slot, n, current),
        cells_before(start, slot, n, horizon),
    )
}

/// The compound's grid of sockets × slots for `days` local days from `from`.
pub fn availability(
    conn: &mut DbConn,
    compound_id: i64,
    from: NaiveDate,
    days: i64,
    now: NaiveDateTime,
) -> ApiResult<Option<GridData>> {
    let exists: i64 = compounds::table
        .filter(compounds::id.eq(compound_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Ok(None);
    }
    let settings = settings_for(conn, compound_id)?;
    let local_noon = from.and_hms_opt(12, 0, 0).unwrap_or_default() - Duration::hours(8);
    let start = rules::local_midnight(local_noon);
    let end = start + Duration::days(days);
    let per_socket =
        usize::try_from((end - start).num_minutes() / settings.slot_minutes).unwrap_or(0);
    let sockets = compound_sockets(conn, compound_id)?;
    let taken: Vec<(i64, NaiveDateTime, Option<i64>, Option<i64>)> = bs::table
        .filter(bs::compound_id.eq(compound_id))
        .filter(bs::slot_start.ge(start).and(bs::slot_start.lt(end)))
        .select((
            bs::socket_id,
            bs::slot_start,
            bs::household_id,
            bs::maintenance_id,
        ))
        .load(conn)?;
    // The cells every available socket shares: past and beyond the horizon are unavailable.
    let (open, beyond) = open_cells(start, &settings, per_socket, now);
    let base: Vec<u8> = (0..per_socket)
        .map(|i| {
            if (open..beyond).contains(&i) {
                cell::FREE
            } else {
                cell::UNAVAILABLE
            }
        })
        .collect();
    let mut rows: Vec<Vec<u8>> = sockets
        .iter()
        .map(|s| {
            if s.state == SocketState::Available {
                base.clone()
            } else {
                vec![cell::UNAVAILABLE; per_socket]
            }
        })
        .collect();
    let index: std::collections::HashMap<i64, usize> =
        sockets.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut households = Vec::new();
    for (socket_id, slot_start, household, maintenance) in taken {
        let (Some(&row), Ok(pos)) = (
            index.get(&socket_id),
            usize::try_from((slot_start - start).num_minutes() / settings.slot_minutes),
        ) else {
            continue;
        };
        if let Some(c) = rows[row].get_mut(pos) {
            if *c == cell::UNAVAILABLE && maintenance.is_none() {
                continue; // past cells stay unavailable
            }
            *c = if maintenance.is_some() {
                cell::UNAVAILABLE
            } else {
                cell::BOOKED
            };
            if let (None, Some(h)) = (maintenance, household) {
                households.push((row, pos, h));
            }
        }
    }
    Ok(Some(GridData {
        view: AvailabilityView {
            compound_id,
            starts_at: rules::utc(start),
            slot_minutes: settings.slot_minutes,
            slots: per_socket,
            legend: json!({".": "free", "x": "booked", "m": "mine", "-": "unavailable"}),
            sockets: sockets
                .into_iter()
                .zip(rows)
                .map(|(s, cells)| SocketCells {
                    socket_id: s.id,
                    label: s.label,
                    state: s.state,
                    cells: String::from_utf8(cells).unwrap_or_default(),
                })
                .collect(),
        },
        households,
        start,
        settings,
    }))
}

/// The grid stamp of a compound: `(sockets, SUM(write_seq))` over its sockets (read from the
/// `(compound_id, write_seq)` index) and the membership version. Two cached statements.
pub fn grid_stamp(conn: &mut DbConn, compound_id: i64) -> ApiResult<(i64, i64, i64)> {
    let seqs: Vec<i64> = sockets::table
        .filter(sockets::compound_id.eq(compound_id))
        .select(sockets::write_seq)
        .load(conn)?;
    let members: i64 = crate::db::schema::membership_stamp::table
        .find(1)
        .select(crate::db::schema::membership_stamp::version)
        .first(conn)?;
    let count = i64::try_from(seqs.len()).unwrap_or(i64::MAX);
    Ok((
        count,
        seqs.iter().fold(0i64, |a, s| a.wrapping_add(*s)),
        members,
    ))
}

/// Everyone in the given households: `(user id, household id)`.
pub fn members_of(conn: &mut DbConn, households: &[i64]) -> ApiResult<Vec<(i64, i64)>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, Option<i64>)> = users::table
        .filter(users::household_id.eq_any(households))
        .select((users::id, users::household_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, h)| h.map(|h| (u, h)))
        .collect())
}

/// Someone joined or left a household: whose bookings grids show as "mine" changed. Call it
/// inside the transaction that changes `users.household_id`.
pub fn bump_membership(conn: &mut DbConn) -> ApiResult<()> {
    use crate::db::schema::membership_stamp as ms;
    diesel::update(ms::table.find(1))
        .set(ms::version.eq(ms::version + 1))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bookings

#[derive(Clone, Debug, Queryable)]
pub struct BookingRow {
    pub id: i64,
    pub socket_id: i64,
    pub compound_id: i64,
    pub user_id: i64,
    pub household_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
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

const BOOKING_COLUMNS: BookingColumns = (
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

/// Shape bookings for the wire, with socket labels, compound names and check-in windows.
pub fn booking_views(conn: &mut DbConn, rows: Vec<BookingRow>) -> ApiResult<Vec<BookingView>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut cache: std::collections::HashMap<i64, (SocketInfo, String, Settings)> =
        Default::default();
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(r.socket_id) {
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
        status: BookingStatus::parse(&r.status),
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

/// The household the user is bound to, or `household_required`.
pub fn household_of_user(conn: &mut DbConn, user_id: i64) -> ApiResult<i64> {
    users::table
        .find(user_id)
        .select(users::household_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten()
        .ok_or_else(|| ApiError::new(ErrorCode::HouseholdRequired))
}

/// The household a user books for, when it may book at `now`: `household_required` without
/// one, `booking_suspended` (with the end) while suspended. One query.
fn bookable_household(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> ApiResult<i64> {
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
                    .with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M")
            ))
            .with_details(json!({"until": rules::utc(until)}))),
        None => Ok(household),
    }
}

/// Take one unit of the household's quota, or fail with `household_quota_reached`.
fn take_quota(conn: &mut DbConn, household_id: i64, max: i64) -> ApiResult<()> {
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
            Err(e) if unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(ErrorCode::HouseholdQuotaReached).with_details(json!({"max_active": max})))
}

fn release_quota(conn: &mut DbConn, household_id: i64) -> ApiResult<()> {
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

/// What a new booking needs.
#[derive(Clone, Copy, Debug)]
pub struct BookingRequest {
    pub user_id: i64,
    pub household_id: i64,
    pub socket_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

/// Make a booking under every rule, inside the caller's transaction. `offer` names a held
/// waitlist offer whose cells this booking takes over.
fn book_in_tx(
    conn: &mut DbConn,
    req: BookingRequest,
    offer: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<BookingView> {
    let (socket, compound_name, settings) =
        socket_in_context(conn, req.socket_id)?.ok_or_else(ApiError::not_found)?;
    rules::check_range(&settings, req.starts_at, req.ends_at, now)?;
    if socket.state != SocketState::Available {
        return Err(ApiError::new(ErrorCode::SocketUnavailable).with_field("socket_id"));
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
            b::status.eq(BookingStatus::Confirmed.as_str()),
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
            // Last, once the cells are ours: check the state again and take the socket's row
            // lock until commit (a state change waits for this booking, or this booking sees
            // the change and fails), and move the grid stamp. Taking it last means that
            // bookings colliding on a cell never wait for each other here.
            let usable = diesel::update(
                sockets::table.filter(
                    sockets::id
                        .eq(socket.id)
                        .and(sockets::state.eq(SocketState::Available.as_str())),
                ),
            )
            .set(sockets::write_seq.eq(sockets::write_seq + 1))
            .execute(conn)?;
            if usable == 0 {
                return Err(ApiError::new(ErrorCode::SocketUnavailable).with_field("socket_id"));
            }
        }
        Err(e) if unique_violation(&e) => {
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
    booking_event(
        conn,
        "booking.created",
        id,
        socket.compound_id,
        socket.id,
        req.starts_at,
        req.ends_at,
        BookingStatus::Confirmed,
        None,
        now,
    )?;
    notify(
        conn,
        req.user_id,
        &Notice {
            kind: "booking.confirmed",
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
    // The stored row, without reading it back (DATETIME(6) keeps microseconds).
    let row = BookingRow {
        id,
        socket_id: socket.id,
        compound_id: socket.compound_id,
        user_id: req.user_id,
        household_id: req.household_id,
        starts_at: req.starts_at,
        ends_at: req.ends_at,
        status: BookingStatus::Confirmed.as_str().to_owned(),
        created_at: now.trunc_subsecs(6),
        checked_in_at: None,
        finished_at: None,
        cancelled_at: None,
        cancel_reason: None,
    };
    Ok(view_of(row, &socket, &compound_name, &settings))
}

/// Write a booking event to the partner outbox (same transaction as the change).
#[allow(clippy::too_many_arguments)]
fn booking_event(
    conn: &mut DbConn,
    event: &str,
    id: i64,
    compound_id: i64,
    socket_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    status: BookingStatus,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    crate::partners::webhooks::emit(
        conn,
        compound_id,
        event,
        json!({
            "booking_id": id,
            "compound_id": compound_id,
            "socket_id": socket_id,
            "starts_at": rules::utc(starts_at),
            "ends_at": rules::utc(ends_at),
            "status": status,
            "reason": reason,
        }),
        now,
    )
}

/// `12月01日 19:00–21:00` in local time, for messages.
pub fn local_range(starts_at: NaiveDateTime, ends_at: NaiveDateTime) -> String {
    let tz = chrono_tz::Asia::Shanghai;
    let s = rules::utc(starts_at).with_timezone(&tz);
    let e = rules::utc(ends_at).with_timezone(&tz);
    format!("{}–{}", s.format("%m月%d日 %H:%M"), e.format("%H:%M"))
}

/// Book a socket: the household quota, suspension and every range rule apply. With an
/// idempotency claim whose earlier attempt committed a booking, that booking is the answer.
pub fn create_booking(
    conn: &mut DbConn,
    user_id: i64,
    socket_id: i64,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
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
        starts_at,
        ends_at,
    };
    db::transaction(conn, |c| {
        if let Some(id) = claim.done_before(c, "booking")? {
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
    page: crate::http::pagination::PageRequest,
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
            q = q.filter(b::status.eq(s.as_str()));
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

/// Free a booking's cells from `from` on (all of them when `None`), return whether any freed.
fn free_cells(conn: &mut DbConn, booking_id: i64, from: Option<NaiveDateTime>) -> ApiResult<usize> {
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
        .filter(b::status.eq(BookingStatus::NoShow.as_str()))
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
            kind: "booking.suspended",
            title: "充电预约已暂停".into(),
            body: format!(
                "30天内{}次预约未到，{}前暂停预约",
                recent,
                rules::utc(until)
                    .with_timezone(&chrono_tz::Asia::Shanghai)
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

/// End a live booking: conditional on its current status, frees its cells (from `free_from`),
/// gives back the quota, tells the resident, and offers the freed time to the waitlist.
/// Returns false when another request or process ended it first.
#[allow(clippy::too_many_arguments)]
fn end_booking(
    conn: &mut DbConn,
    row: &BookingRow,
    expect: BookingStatus,
    to: BookingStatus,
    reason: Option<&str>,
    free_from: Option<NaiveDateTime>,
    notice: Option<Notice<'_>>,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let q = b::table.filter(b::id.eq(row.id).and(b::status.eq(expect.as_str())));
    let changed = match to {
        BookingStatus::Completed => diesel::update(q)
            .set((
                b::status.eq(to.as_str()),
                b::finished_at.eq(now.min(row.ends_at)),
            ))
            .execute(conn)?,
        _ => diesel::update(q)
            .set((
                b::status.eq(to.as_str()),
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
        BookingStatus::NoShow => Some("booking.no_show"),
        BookingStatus::Cancelled => Some("booking.cancelled"),
        _ => None,
    };
    if let Some(event) = event {
        booking_event(
            conn,
            event,
            row.id,
            row.compound_id,
            row.socket_id,
            row.starts_at,
            row.ends_at,
            to,
            reason,
            now,
        )?;
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
        if row.status != BookingStatus::Confirmed.as_str() {
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
            kind: "booking.cancelled",
            title: "充电预约已取消".into(),
            body: if late {
                "开始后取消，计为一次未到".into()
            } else {
                "预约已取消".into()
            },
            data: json!({"booking_id": row.id}),
            dedupe_key: Some(format!("booking-cancelled:{}", row.id)),
        };
        if !end_booking(
            c,
            &row,
            BookingStatus::Confirmed,
            to,
            Some(&reason),
            None,
            Some(notice),
            now,
        )? {
            return Err(ApiError::new(ErrorCode::BookingNotCancellable));
        }
        Ok(())
    })?;
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
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
    if row.status != BookingStatus::Confirmed.as_str() {
        return Err(ApiError::new(ErrorCode::BookingStateInvalid)
            .with_details(json!({"status": row.status})));
    }
    let socket = socket(conn, row.socket_id)?.ok_or_else(ApiError::not_found)?;
    let settings = settings_for(conn, row.compound_id)?;
    rules::check_in_timing(&settings, row.starts_at, now)?;
    if !socket.code.eq_ignore_ascii_case(code.trim()) {
        return Err(ApiError::new(ErrorCode::WrongSocketCode).with_field("socket_code"));
    }
    let changed = diesel::update(
        b::table.filter(
            b::id
                .eq(id)
                .and(b::status.eq(BookingStatus::Confirmed.as_str())),
        ),
    )
    .set((
        b::status.eq(BookingStatus::CheckedIn.as_str()),
        b::checked_in_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::new(ErrorCode::BookingStateInvalid));
    }
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
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
        if row.status != BookingStatus::CheckedIn.as_str() {
            return Err(ApiError::new(ErrorCode::BookingStateInvalid)
                .with_details(json!({"status": row.status})));
        }
        let settings = settings_for(c, row.compound_id)?;
        let from = rules::slot_floor(now, settings.slot()).max(row.starts_at);
        if !end_booking(
            c,
            &row,
            BookingStatus::CheckedIn,
            BookingStatus::Completed,
            None,
            Some(from),
            None,
            now,
        )? {
            return Err(ApiError::new(ErrorCode::BookingStateInvalid));
        }
        Ok(())
    })?;
    booking_row(conn, id)?.ok_or_else(ApiError::not_found)
}

// ---------------------------------------------------------------------------------------
// Waitlist

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

/// Queue for a taken time on one socket or any socket of the compound.
pub fn join_waitlist(
    conn: &mut DbConn,
    compound_id: i64,
    user_id: i64,
    socket_id: Option<i64>,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let household_id = bookable_household(conn, user_id, now)?;
    if compound_name(conn, compound_id)?.is_none() {
        return Err(ApiError::not_found());
    }
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
            wl::status.eq("waiting"),
            wl::queued_at.eq(now),
            wl::live_key.eq(Some(&live_key)),
            wl::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(last_insert_id(conn)?),
        Err(e) if unique_violation(&e) => Err(ApiError::new(ErrorCode::AlreadyWaitlisted)),
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
    pub status: String,
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

const WAIT_COLUMNS: WaitColumns = (
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
                .and(wl::status.eq("waiting")),
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
    let position = if w.status == "waiting" {
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
pub fn offer_freed(
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
                .and(wl::status.eq("waiting")),
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
        let claimed =
            diesel::update(wl::table.filter(wl::id.eq(w.id).and(wl::status.eq("waiting"))))
                .set((
                    wl::status.eq("offered"),
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
                kind: "waitlist.offer",
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

/// Close an open offer (declined, expired, cancelled): drop its held cells and offer them on.
fn close_offer(conn: &mut DbConn, w: &WaitRow, to: &str, now: NaiveDateTime) -> ApiResult<bool> {
    let changed =
        diesel::update(wl::table.filter(wl::id.eq(w.id).and(wl::status.eq(w.status.as_str()))))
            .set((
                wl::status.eq(to),
                wl::live_key.eq(None::<String>),
                wl::updated_at.eq(now),
            ))
            .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    if w.status == "offered" {
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
        let socket_id = match (w.status.as_str(), w.offered_socket_id, w.offer_expires_at) {
            ("offered", Some(s), Some(exp)) if exp > now => s,
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
                wl::status.eq("accepted"),
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
        let to = match w.status.as_str() {
            "offered" => "declined",
            "waiting" => "cancelled",
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

// ---------------------------------------------------------------------------------------
// Maintenance and socket state

/// Cancel a live booking because its socket is taken out of use; tells the resident.
fn cancel_for_service(
    conn: &mut DbConn,
    row: &BookingRow,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let status = BookingStatus::parse(&row.status);
    let notice = Notice {
        kind: "booking.cancelled",
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
    let changed =
        diesel::update(b::table.filter(b::id.eq(row.id).and(b::status.eq(status.as_str()))))
            .set((
                b::status.eq(BookingStatus::Cancelled.as_str()),
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
    booking_event(
        conn,
        "booking.cancelled",
        row.id,
        row.compound_id,
        row.socket_id,
        row.starts_at,
        row.ends_at,
        BookingStatus::Cancelled,
        Some(reason),
        now,
    )?;
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
        .filter(b::status.eq_any([
            BookingStatus::Confirmed.as_str(),
            BookingStatus::CheckedIn.as_str(),
        ]))
        .filter(b::starts_at.lt(to).and(b::ends_at.gt(from)))
        .select(BOOKING_COLUMNS)
        .load(conn)?)
}

/// What a maintenance window applies to.
pub enum Target {
    Pile(i64),
    Socket(i64),
}

/// Set a maintenance window: overlapping bookings are cancelled (residents told), and its
/// cells are taken so nothing can be booked in it.
pub fn schedule_maintenance(
    conn: &mut DbConn,
    target: Target,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    reason: &str,
    created_by: &str,
    now: NaiveDateTime,
) -> ApiResult<MaintenanceView> {
    db::transaction(conn, |c| {
        let (pile_id, socket_id, targets) = match target {
            Target::Pile(p) => {
                let list: Vec<SocketInfo> = {
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
                };
                (Some(p), None, list)
            }
            Target::Socket(s) => {
                let info = socket(c, s)?
                    .ok_or_else(|| ApiError::validation("socket_id", "no such socket"))?;
                (None, Some(s), vec![info])
            }
        };
        let compound_id = targets
            .first()
            .map(|s| s.compound_id)
            .ok_or_else(|| ApiError::validation("pile_id", "the pile has no sockets"))?;
        let settings = settings_for(c, compound_id)?;
        let slot = settings.slot();
        let from = rules::slot_floor(starts_at, slot);
        let to = {
            let f = rules::slot_floor(ends_at, slot);
            if f < ends_at {
                f + slot
            } else {
                f
            }
        };
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
        let mut cancelled = Vec::new();
        for s in &targets {
            for row in live_overlapping(c, s.id, from, to)? {
                if cancel_for_service(c, &row, reason, now)? {
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
                diesel::update(wl::table.filter(wl::id.eq(offer).and(wl::status.eq("offered"))))
                    .set((
                        wl::status.eq("waiting"),
                        wl::offered_socket_id.eq(None::<i64>),
                        wl::offer_expires_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(c)?;
            }
            let taken: Vec<NaiveDateTime> = bs::table
                .filter(bs::socket_id.eq(s.id))
                .filter(bs::slot_start.ge(from).and(bs::slot_start.lt(to)))
                .select(bs::slot_start)
                .load(c)?;
            let cells: Vec<_> = rules::cells(from, to, slot)
                .into_iter()
                .filter(|t| !taken.contains(t))
                .map(|t| {
                    (
                        bs::socket_id.eq(s.id),
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
            touch_sockets(c, &[s.id])?;
        }
        crate::partners::webhooks::emit(
            c,
            compound_id,
            "maintenance.scheduled",
            json!({
                "maintenance_id": id,
                "compound_id": compound_id,
                "pile_id": pile_id,
                "socket_id": socket_id,
                "starts_at": rules::utc(from),
                "ends_at": rules::utc(to),
                "reason": reason,
                "cancelled_bookings": cancelled,
            }),
            now,
        )?;
        Ok(MaintenanceView {
            id,
            compound_id,
            pile_id,
            socket_id,
            starts_at: rules::utc(from),
            ends_at: rules::utc(to),
            reason: reason.to_owned(),
            cancelled_bookings: cancelled,
        })
    })
}

/// Change a socket's state. Taking it out of use cancels its live bookings that have not
/// started charging (residents told); bringing it back offers its free time to the waitlist.
pub fn set_socket_state(
    conn: &mut DbConn,
    socket_id: i64,
    state: SocketState,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<(SocketInfo, Vec<i64>)> {
    db::transaction(conn, |c| {
        let info = socket(c, socket_id)?.ok_or_else(ApiError::not_found)?;
        diesel::update(sockets::table.filter(sockets::id.eq(socket_id)))
            .set((
                sockets::state.eq(state.as_str()),
                sockets::state_changed_at.eq(now),
                sockets::write_seq.eq(sockets::write_seq + 1),
            ))
            .execute(c)?;
        crate::partners::webhooks::emit(
            c,
            info.compound_id,
            "socket.state_changed",
            json!({
                "socket_id": info.id,
                "pile_id": info.pile_id,
                "compound_id": info.compound_id,
                "previous_state": info.state,
                "state": state,
                "reason": reason,
            }),
            now,
        )?;
        let mut cancelled = Vec::new();
        if state == SocketState::Available {
            offer_freed(c, info.compound_id, info.id, now)?;
        } else {
            let rows: Vec<BookingRow> = b::table
                .filter(
                    b::socket_id
                        .eq(socket_id)
                        .and(b::status.eq(BookingStatus::Confirmed.as_str())),
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

// ---------------------------------------------------------------------------------------
// The sweeper

/// One pass of the charging sweeper: releases no-shows, completes finished bookings, sends
/// reminders and expires offers. Safe in several processes: every step claims its row with a
/// conditional update. Returns how many rows it changed.
pub fn sweep(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let mut done = 0;
    // No-shows: confirmed bookings whose grace period is over.
    let candidates: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::Confirmed.as_str())
                .and(b::starts_at.le(now)),
        )
        .order(b::starts_at)
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    for row in candidates {
        let settings = settings_for(conn, row.compound_id)?;
        if now < rules::check_in_window(&settings, row.starts_at).1 {
            continue;
        }
        let released = db::transaction(conn, |c| {
            let notice = Notice {
                kind: "booking.no_show",
                title: "充电预约已释放".into(),
                body: format!(
                    "{}的预约未在{}分钟内签到，已释放并记为一次未到",
                    local_range(row.starts_at, row.ends_at),
                    settings.grace_minutes
                ),
                data: json!({"booking_id": row.id}),
                dedupe_key: Some(format!("booking-no-show:{}", row.id)),
            };
            end_booking(
                c,
                &row,
                BookingStatus::Confirmed,
                BookingStatus::NoShow,
                Some("未按时签到"),
                None,
                Some(notice),
                now,
            )
        })?;
        done += usize::from(released);
    }
    // Completions: checked-in bookings past their end.
    let ended: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::CheckedIn.as_str())
                .and(b::ends_at.le(now)),
        )
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    for row in ended {
        let completed = db::transaction(conn, |c| {
            end_booking(
                c,
                &row,
                BookingStatus::CheckedIn,
                BookingStatus::Completed,
                None,
                Some(row.ends_at),
                None,
                now,
            )
        })?;
        done += usize::from(completed);
    }
    // Reminders shortly before the start.
    let soon: Vec<BookingRow> = b::table
        .filter(
            b::status
                .eq(BookingStatus::Confirmed.as_str())
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
                        kind: "booking.reminder",
                        title: "充电预约即将开始".into(),
                        body: format!(
                            "{} {}，请按时到场扫码签到",
                            label,
                            local_range(row.starts_at, row.ends_at)
                        ),
                        data: json!({"booking_id": row.id}),
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
        .filter(wl::status.eq("offered").and(wl::offer_expires_at.le(now)))
        .limit(500)
        .select(WAIT_COLUMNS)
        .load(conn)?;
    for w in expired {
        let closed = db::transaction(conn, |c| close_offer(c, &w, "expired", now))?;
        done += usize::from(closed);
    }
    Ok(done)
}

// ---------------------------------------------------------------------------------------
// Calendar

/// The user's own charging bookings as calendar events, from 30 days ago on. Cancelled and
/// released bookings stay in the feed as cancelled, so calendar apps remove them.
pub fn calendar_events(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<Vec<crate::volunteering::calendar::CalEvent>> {
    use crate::volunteering::calendar::{CalEvent, CalStatus};
    let rows: Vec<BookingRow> = b::table
        .filter(
            b::user_id
                .eq(user_id)
                .and(b::ends_at.ge(now - Duration::days(30))),
        )
        .order((b::starts_at, b::id))
        .limit(500)
        .select(BOOKING_COLUMNS)
        .load(conn)?;
    let mut labels: std::collections::HashMap<i64, (String, String)> = Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = labels.entry(r.socket_id) {
            let label = socket(conn, r.socket_id)?
                .map(|s| s.label)
                .unwrap_or_default();
            let place = compound_name(conn, r.compound_id)?.unwrap_or_default();
            slot.insert((label, place));
        }
        let (label, place) = labels.get(&r.socket_id).cloned().unwrap_or_default();
        let status = match BookingStatus::parse(&r.status) {
            BookingStatus::Cancelled | BookingStatus::NoShow => CalStatus::Cancelled,
            _ => CalStatus::Confirmed,
        };
        out.push(CalEvent {
            uid: format!("booking-{}@linli", r.id),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            summary: format!("电动车充电 {label}"),
            location: Some(place),
            description: Some(format!("充电预约 {}，请在开始后15分钟内扫码签到", r.id)),
            status,
            last_modified: r.cancelled_at.or(r.checked_in_at).unwrap_or(r.created_at),
        });
    }
    Ok(out)
}
