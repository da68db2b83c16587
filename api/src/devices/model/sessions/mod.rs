//! Charging sessions: `requested → starting → charging → settled`, or `start_failed`
//! (a reply code, no reply, the pile offline) and `settled_unconfirmed`. Every transition is
//! a conditional update from the states it may leave, so a session never moves backwards (a
//! power report after the settlement changes nothing) and two writers never both move it.
//! Cumulative energy only ever grows: a reading below the stored one is not written. A
//! settlement is stored once, keyed by its order number; every copy after the first only
//! counts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::commands::{self, Command, CommandKind};
use super::order_hex;
use crate::charging::rules::utc;
use crate::db::schema::{charging_sessions as cs, device_settlements as st, devices as d};
use crate::db::DbConn;
use crate::devices::dny::codes;
use crate::devices::dny::messages::{PowerReport, Settlement};
use crate::devices::dto::{ReadingFlag, SessionState, SessionView, StartFailure, StopReason};
use crate::error::{ApiError, ApiResult, ErrorCode};

mod readings;
mod start;
mod sweep;

use readings::{flag_readings, watts, wh};
pub use readings::{reading_flag, MAX_ENERGY_WH, MAX_POWER_W};
pub use start::{start_for_booking, start_walk_up};
pub use sweep::sweep;

/// States a settlement from the pile closes (one settled from the last power report is
/// confirmed by the pile's own settlement when it comes after all).
const SETTLEABLE: [SessionState; 4] = [
    SessionState::Requested,
    SessionState::Starting,
    SessionState::Charging,
    SessionState::SettledUnconfirmed,
];
/// A session's booking (if any) completed as the session ends, freeing its remaining cells;
/// one already completed (or otherwise ended) is left as it is.
fn complete_booking(
    c: &mut DbConn,
    booking: Option<i64>,
    user: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(b) = booking else { return Ok(()) };
    match crate::charging::model::finish(c, b, user, now) {
        Ok(_) => Ok(()),
        Err(e) if e.code == ErrorCode::BookingStateInvalid => Ok(()),
        Err(e) => Err(e),
    }
}

/// States before the pile confirmed the start.
const BEFORE_START: [SessionState; 2] = [SessionState::Requested, SessionState::Starting];

/// The webhook data of a session as it is now.
fn event_data(conn: &mut DbConn, id: i64) -> ApiResult<crate::events::SessionEventData> {
    use crate::db::schema::sockets;
    let row: (
        i64,
        i64,
        i64,
        Option<i64>,
        SessionState,
        i32,
        i32,
        Option<StopReason>,
    ) = cs::table
        .inner_join(sockets::table.on(sockets::id.eq(cs::socket_id)))
        .filter(cs::id.eq(id))
        .select((
            sockets::compound_id,
            sockets::pile_id,
            cs::socket_id,
            cs::booking_id,
            cs::state,
            cs::energy_wh,
            cs::duration_s,
            cs::stop_reason,
        ))
        .first(conn)?;
    Ok(crate::events::SessionEventData {
        session_id: id,
        compound_id: row.0,
        pile_id: row.1,
        socket_id: row.2,
        booking_id: row.3,
        state: row.4,
        energy_wh: row.5,
        duration_s: row.6,
        stop_reason: row.7,
        sequence: 0,
    })
}

/// Tell the partners (`session.started` / `session.settled`), in the caller's transaction.
fn announce(conn: &mut DbConn, id: i64, started: bool, now: NaiveDateTime) -> ApiResult<()> {
    let data = event_data(conn, id)?;
    let event = if started {
        crate::events::DomainEvent::SessionStarted(data)
    } else {
        crate::events::DomainEvent::SessionSettled(data)
    };
    crate::events::record(conn, &event, now)?;
    Ok(())
}

/// A session ended (started, failed or settled): when it is a walk-up still holding its
/// household's quota unit and cells, give them back. Conditional on `holds_quota`, so
/// however many closes run, they are given back once.
fn release_walk_up(c: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    use crate::db::schema::sockets;
    let n = diesel::update(cs::table.find(id).filter(cs::holds_quota.eq(true)))
        .set(cs::holds_quota.eq(false))
        .execute(c)?;
    if n == 1 {
        let (household, socket, compound): (i64, i64, i64) = cs::table
            .inner_join(sockets::table.on(sockets::id.eq(cs::socket_id)))
            .filter(cs::id.eq(id))
            .select((cs::household_id, cs::socket_id, sockets::compound_id))
            .first(c)?;
        crate::charging::model::walk_up::release(c, id, household, (socket, compound), now)?;
    }
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = cs)]
struct Row {
    id: i64,
    booking_id: Option<i64>,
    socket_id: i64,
    state: SessionState,
    requested_at: NaiveDateTime,
    started_at: Option<NaiveDateTime>,
    ended_at: Option<NaiveDateTime>,
    power_w: Option<i32>,
    energy_wh: i32,
    duration_s: i32,
    peak_power_w: Option<i32>,
    stop_reason_code: Option<i32>,
    stop_reason: Option<StopReason>,
    failure: Option<StartFailure>,
    stop_requested_at: Option<NaiveDateTime>,
    reading_flag: Option<ReadingFlag>,
    billable: bool,
}

fn message(r: &Row) -> String {
    match r.state {
        SessionState::Requested | SessionState::Starting => "正在启动充电，请稍候".into(),
        SessionState::Charging => match r.failure {
            Some(f) => format!("充电中（{}）", f.message()),
            None => "充电中".into(),
        },
        SessionState::StartFailed => format!(
            "启动失败：{}",
            r.failure.unwrap_or(StartFailure::NoResponse).message()
        ),
        SessionState::Settled => r.stop_reason.unwrap_or(StopReason::Other).message().into(),
        SessionState::SettledUnconfirmed => "充电已结束，未收到充电桩结算，工作人员将核对".into(),
    }
}

fn to_view(r: Row) -> SessionView {
    let message = message(&r);
    SessionView {
        id: r.id,
        booking_id: r.booking_id,
        socket_id: r.socket_id,
        state: r.state,
        requested_at: utc(r.requested_at),
        started_at: r.started_at.map(utc),
        ended_at: r.ended_at.map(utc),
        power_w: if r.state == SessionState::Charging {
            r.power_w
        } else {
            None
        },
        energy_wh: r.energy_wh,
        duration_s: r.duration_s,
        peak_power_w: r.peak_power_w,
        stop_reason: r.stop_reason,
        stop_reason_code: r.stop_reason_code,
        failure: r.failure,
        stop_requested_at: r.stop_requested_at.map(utc),
        reading_flag: r.reading_flag,
        billable: r.billable,
        message,
    }
}

/// One session as its resident sees it.
pub fn view(conn: &mut DbConn, id: i64) -> ApiResult<Option<SessionView>> {
    let row: Option<Row> = cs::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(to_view))
}

/// One page of a resident's sessions, newest first, and how many there are.
pub fn list_for_user(
    conn: &mut DbConn,
    user_id: i64,
    page: crate::db::paging::PageRequest,
) -> ApiResult<(Vec<SessionView>, i64)> {
    let total: i64 = cs::table
        .filter(cs::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    let rows: Vec<Row> = cs::table
        .filter(cs::user_id.eq(user_id))
        .order((cs::requested_at.desc(), cs::id.desc()))
        .offset(page.offset())
        .limit(page.per_page)
        .select(Row::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(to_view).collect(), total))
}

/// One page of the sessions on a pile's sockets, newest first, and how many there are (the
/// staff's and the firm's view; the caller scoped the pile).
pub fn list_for_pile(
    conn: &mut DbConn,
    pile_id: i64,
    page: crate::db::paging::PageRequest,
) -> ApiResult<(Vec<SessionView>, i64)> {
    use crate::db::schema::sockets;
    let on_pile = || {
        cs::table
            .inner_join(sockets::table.on(sockets::id.eq(cs::socket_id)))
            .filter(sockets::pile_id.eq(pile_id))
    };
    let total: i64 = on_pile().count().get_result(conn)?;
    let rows: Vec<Row> = on_pile()
        .order((cs::requested_at.desc(), cs::id.desc()))
        .offset(page.offset())
        .limit(page.per_page)
        .select(Row::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(to_view).collect(), total))
}

/// The socket a session charges on (`None`: no such session), for scoping.
pub fn socket_of(conn: &mut DbConn, session_id: i64) -> ApiResult<Option<i64>> {
    Ok(cs::table
        .find(session_id)
        .select(cs::socket_id)
        .first(conn)
        .optional()?)
}

/// Ask the pile to stop an open session (a firm's or staff's remote stop): the first call
/// marks the session with a conditional update and queues one stop command (kind `stop`, the
/// session's order number) for the gateway; every later call answers the same without
/// queueing another. A session that ended without a stop asked for is
/// `charging_session_ended`. The session settles when the pile's settlement comes (stop
/// reason 7, stopped remotely). Returns the session and whether this call asked first.
pub fn request_stop(
    conn: &mut DbConn,
    session_id: i64,
    now: NaiveDateTime,
) -> ApiResult<(SessionView, bool)> {
    const OPEN: [SessionState; 3] = [
        SessionState::Requested,
        SessionState::Starting,
        SessionState::Charging,
    ];
    crate::db::transaction(conn, |c| {
        let n = diesel::update(
            cs::table
                .find(session_id)
                .filter(cs::stop_requested_at.is_null())
                .filter(cs::state.eq_any(OPEN)),
        )
        .set(cs::stop_requested_at.eq(now))
        .execute(c)?;
        let (device, port, order, asked): (i64, i32, String, Option<NaiveDateTime>) = cs::table
            .find(session_id)
            .select((cs::device_id, cs::port, cs::order_no, cs::stop_requested_at))
            .first(c)
            .optional()?
            .ok_or_else(ApiError::not_found)?;
        if n == 1 {
            commands::enqueue(
                c,
                device,
                Some(session_id),
                CommandKind::Stop,
                port,
                &order,
                0,
                now,
            )?;
        } else if asked.is_none() {
            return Err(ApiError::new(ErrorCode::ChargingSessionEnded));
        }
        Ok(n == 1)
    })
    .and_then(|first| {
        Ok((
            view(conn, session_id)?.ok_or_else(ApiError::not_found)?,
            first,
        ))
    })
}

/// The gateway sent the session's start command.
pub fn starting(conn: &mut DbConn, session_id: i64) -> ApiResult<()> {
    diesel::update(
        cs::table
            .find(session_id)
            .filter(cs::state.eq(SessionState::Requested)),
    )
    .set(cs::state.eq(SessionState::Starting))
    .execute(conn)?;
    Ok(())
}

/// The start failed: from `requested`/`starting` only (a pile that already reported power is
/// charging, whatever its reply said).
pub fn start_failed(
    conn: &mut DbConn,
    session_id: i64,
    failure: StartFailure,
    code: Option<u8>,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let n = diesel::update(
        cs::table
            .find(session_id)
            .filter(cs::state.eq_any(BEFORE_START)),
    )
    .set((
        cs::state.eq(SessionState::StartFailed),
        cs::failure.eq(failure),
        cs::failure_code.eq(code.map(i32::from)),
        cs::ended_at.eq(now),
        cs::open_socket_id.eq(None::<i64>),
    ))
    .execute(conn)?;
    if n == 1 {
        release_walk_up(conn, session_id, now)?;
    }
    Ok(n == 1)
}

fn to_charging(conn: &mut DbConn, session_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(
        cs::table
            .find(session_id)
            .filter(cs::state.eq_any(BEFORE_START)),
    )
    .set((cs::state.eq(SessionState::Charging), cs::started_at.eq(now)))
    .execute(conn)?;
    if n == 1 {
        announce(conn, session_id, true, now)?;
    }
    Ok(())
}

/// The pile answered a command. For a start: 0 (done) or 2 (already charging) → charging;
/// 3 or 9 (executed despite a fault) → charging, with the fault told to the resident; any
/// other code → `start_failed` with its reason.
pub fn apply_reply(
    conn: &mut DbConn,
    cmd: &Command,
    code: u8,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(session_id) = cmd.session_id else {
        return Ok(());
    };
    if cmd.kind != CommandKind::Start {
        return Ok(());
    }
    crate::db::transaction(conn, |c| match code {
        0 | 2 => to_charging(c, session_id, now),
        3 | 9 => {
            to_charging(c, session_id, now)?;
            diesel::update(cs::table.find(session_id).filter(cs::failure.is_null()))
                .set((
                    cs::failure.eq(codes::start_failure(code)),
                    cs::failure_code.eq(i32::from(code)),
                ))
                .execute(c)?;
            Ok(())
        }
        other => {
            start_failed(c, session_id, codes::start_failure(other), Some(other), now).map(|_| ())
        }
    })
}

/// Power on a socket is the resident's presence: the confirmed booking under way on the
/// reported port's socket is checked in (once; not for another booking's session or a
/// walk-up's), even when nobody scanned its code and whatever started the charge.
fn report_checks_in(
    c: &mut DbConn,
    device_id: i64,
    port: u8,
    session_booking: Option<Option<i64>>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    use crate::db::schema::sockets;
    let socket: Option<i64> = d::table
        .inner_join(sockets::table.on(sockets::pile_id.eq(d::pile_id)))
        .filter(d::id.eq(device_id))
        .filter(sockets::number.eq(i32::from(port) + 1))
        .select(sockets::id)
        .first(c)
        .optional()?;
    if let Some(socket) = socket {
        if let Some(b) = crate::charging::model::check_in_by_pile(c, socket, session_booking, now)?
        {
            tracing::info!(booking_id = b, "checked in by the pile's power report");
        }
    }
    Ok(())
}

/// A power report (0x06) of the session with its order number on this device: counts as
/// the start when the reply has not come yet, and as check-in for the booking under way on
/// the socket (see [`report_checks_in`]); readings are written only while charging and
/// only when the energy did not go down.
pub fn power_report(
    conn: &mut DbConn,
    device_id: i64,
    report: &PowerReport,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let order = order_hex(&report.order);
    crate::db::transaction(conn, |c| {
        let session: Option<(i64, Option<i64>)> = cs::table
            .filter(cs::order_no.eq(&order).and(cs::device_id.eq(device_id)))
            .select((cs::id, cs::booking_id))
            .first(c)
            .optional()?;
        report_checks_in(c, device_id, report.port, session.map(|s| s.1), now)?;
        let Some((id, _)) = session else {
            return Ok(false);
        };
        to_charging(c, id, now)?;
        let peak = report.peak_power.unwrap_or(report.max_power);
        let powers = [report.power, report.max_power, peak].map(watts);
        if let Some(flag) = reading_flag(wh(report.energy), &powers) {
            flag_readings(c, id, flag, &[SessionState::Charging])?;
        }
        let n = diesel::update(
            cs::table
                .find(id)
                .filter(cs::state.eq(SessionState::Charging))
                .filter(cs::energy_wh.le(wh(report.energy))),
        )
        .set((
            cs::energy_wh.eq(wh(report.energy)),
            cs::duration_s.eq(i32::from(report.elapsed_s)),
            cs::power_w.eq(watts(report.power)),
            cs::peak_power_w.eq(watts(peak)),
            cs::last_report_at.eq(now),
        ))
        .execute(c)?;
        Ok(n == 1)
    })
}

/// A settlement (0x03): stored once per order number (a copy only counts), then the session
/// with that order number settles, if still open, and its booking completes (the rest of its
/// time is freed). Safe to run for every copy: each step is conditional. Returns whether
/// this copy was the first.
pub fn settle(
    conn: &mut DbConn,
    device_id: i64,
    s: &Settlement,
    raw_hex: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let order = order_hex(&s.order);
    let band = s.early_max_power.map(watts);
    let inserted = diesel::insert_into(st::table)
        .values((
            st::order_no.eq(&order),
            st::device_id.eq(device_id),
            st::port.eq(i32::from(s.port)),
            st::energy_wh.eq(wh(s.energy)),
            st::duration_s.eq(i32::from(s.duration_s)),
            st::max_power_w.eq(watts(s.max_power)),
            st::band_power_w.eq(band),
            st::stop_reason_code.eq(i32::from(s.stop_reason)),
            st::raw_hex.eq(raw_hex),
            st::copies.eq(1),
            st::received_at.eq(now),
            st::last_copy_at.eq(now),
        ))
        .execute(conn);
    let first = match inserted {
        Ok(_) => true,
        Err(e) if crate::db::is_unique_violation(&e) => {
            diesel::update(st::table.filter(st::order_no.eq(&order)))
                .set((st::copies.eq(st::copies + 1), st::last_copy_at.eq(now)))
                .execute(conn)?;
            false
        }
        Err(e) => return Err(e.into()),
    };
    // From the stored row (the first copy's readings), whichever copy this is.
    let stored: (i32, i32, i32, Option<i32>, i32) = st::table
        .filter(st::order_no.eq(&order))
        .select((
            st::energy_wh,
            st::duration_s,
            st::max_power_w,
            st::band_power_w,
            st::stop_reason_code,
        ))
        .first(conn)?;
    let (energy, duration, max_power, band, reason) = stored;
    let reason_enum = codes::stop_reason(u8::try_from(reason).unwrap_or(0));
    crate::db::transaction(conn, |c| -> ApiResult<()> {
        let session: Option<(i64, Option<i64>, i64)> = cs::table
            .filter(cs::order_no.eq(&order).and(cs::device_id.eq(device_id)))
            .select((cs::id, cs::booking_id, cs::user_id))
            .first(c)
            .optional()?;
        let Some((id, booking, user)) = session else {
            return Ok(());
        };
        let closing = (
            cs::state.eq(SessionState::Settled),
            cs::ended_at.eq(now),
            cs::open_socket_id.eq(None::<i64>),
            cs::stop_reason_code.eq(reason),
            cs::stop_reason.eq(reason_enum),
            cs::band_power_w.eq(band),
            cs::power_w.eq(None::<i32>),
        );
        // Energy never decreases: the settlement's readings replace the reports' only when
        // they are not below them.
        let n = diesel::update(
            cs::table
                .find(id)
                .filter(cs::state.eq_any(SETTLEABLE))
                .filter(cs::energy_wh.le(energy)),
        )
        .set((
            closing,
            cs::energy_wh.eq(energy),
            cs::duration_s.eq(duration),
            cs::peak_power_w.eq(max_power),
        ))
        .execute(c)?;
        let n = if n == 0 {
            diesel::update(cs::table.find(id).filter(cs::state.eq_any(SETTLEABLE)))
                .set(closing)
                .execute(c)?
        } else {
            n
        };
        if n == 1 {
            if let Some(flag) = reading_flag(energy, &[max_power, band.unwrap_or(0)]) {
                flag_readings(c, id, flag, &[SessionState::Settled])?;
            }
            announce(c, id, false, now)?;
            release_walk_up(c, id, now)?;
            complete_booking(c, booking, user, now)?;
        }
        Ok(())
    })?;
    Ok(first)
}

/// How many settlement copies came for an order number (0 when none).
pub fn settlement_copies(conn: &mut DbConn, order_no: &str) -> ApiResult<i32> {
    Ok(st::table
        .filter(st::order_no.eq(order_no))
        .select(st::copies)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}
