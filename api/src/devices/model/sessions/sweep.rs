//! The sweeper of sessions nobody will move on.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{
    announce, complete_booking, release_walk_up, start_failed, SessionState, StartFailure,
};
use crate::db::schema::charging_sessions as cs;
use crate::db::DbConn;
use crate::error::ApiResult;

/// The sweeper of sessions nobody will move on (a job; safe in several processes, every
/// change conditional):
///
/// - a session still `requested` after `start_wait` (no gateway holds the pile, or none
///   claimed its command): its command is withdrawn and the start fails (`no_response`);
/// - a session `charging` whose socket the pile has since reported idle (available or
///   plugged, in a heartbeat after the last power report) with no settlement for
///   `settle_wait`: settled from the last power report as `settled_unconfirmed`, for staff
///   to check, and its booking completed;
/// - a session `charging` on a pile that has gone silent (offline: no heartbeat for
///   `offline_after`) and past the end its start command set by `settle_wait`: the pile
///   stopped by then if it still runs, so it is settled the same way — else a walk-up on a
///   dead pile would hold its household's quota and cells for ever. A pile that comes back
///   and sends its settlement still confirms it (`settled_unconfirmed` is settleable).
///
/// Returns how many sessions it closed.
pub fn sweep(
    conn: &mut DbConn,
    now: NaiveDateTime,
    start_wait: Duration,
    settle_wait: Duration,
    offline_after: Duration,
) -> ApiResult<usize> {
    use super::commands::CommandStatus;
    use crate::db::schema::{device_commands as dc, socket_live_states as ls};
    use crate::devices::dto::LiveState;
    let mut closed = 0;
    let stuck: Vec<i64> = cs::table
        .filter(cs::state.eq(SessionState::Requested))
        .filter(cs::requested_at.lt(now - start_wait))
        .select(cs::id)
        .limit(500)
        .load(conn)?;
    for id in stuck {
        closed += crate::db::transaction(conn, |c| -> ApiResult<usize> {
            let withdrawn = diesel::update(
                dc::table
                    .filter(dc::session_id.eq(id))
                    .filter(dc::status.eq(CommandStatus::Pending)),
            )
            .set((dc::status.eq(CommandStatus::Failed), dc::done_at.eq(now)))
            .execute(c)?;
            if withdrawn == 0 {
                // Claimed meanwhile: the gateway's own timeout decides.
                return Ok(0);
            }
            Ok(usize::from(start_failed(
                c,
                id,
                StartFailure::NoResponse,
                None,
                now,
            )?))
        })?;
    }
    let idle: Vec<ToClose> = cs::table
        .inner_join(ls::table.on(ls::socket_id.eq(cs::socket_id)))
        .filter(cs::state.eq(SessionState::Charging))
        .filter(ls::state.eq_any([LiveState::Available, LiveState::Plugged]))
        .filter(
            cs::last_report_at
                .is_null()
                .and(cs::started_at.lt(now - settle_wait))
                .and(cs::started_at.lt(ls::updated_at.nullable()))
                .or(cs::last_report_at
                    .lt(now - settle_wait)
                    .and(cs::last_report_at.lt(ls::updated_at.nullable()))),
        )
        .select((cs::id, cs::booking_id, cs::user_id))
        .limit(500)
        .load(conn)?;
    for (id, booking, user) in idle {
        closed += close_unconfirmed(conn, id, booking, user, now)?;
    }
    for (id, booking, user) in past_end_on_silent_piles(conn, now, settle_wait, offline_after)? {
        closed += close_unconfirmed(conn, id, booking, user, now)?;
    }
    Ok(closed)
}

/// A session to settle without the pile: its id, booking and resident.
type ToClose = (i64, Option<i64>, i64);

/// Charging sessions on silent piles past their start command's end by `settle_wait`: their
/// id, booking and resident. The end (start + the command's seconds) is worked out here, as
/// date arithmetic differs between the databases; the sessions on silent piles are few.
fn past_end_on_silent_piles(
    conn: &mut DbConn,
    now: NaiveDateTime,
    settle_wait: Duration,
    offline_after: Duration,
) -> ApiResult<Vec<ToClose>> {
    use super::super::commands::CommandKind;
    use crate::db::schema::{device_commands as dc, devices as d};
    let rows: Vec<(ToClose, Option<NaiveDateTime>, i32)> = cs::table
        .inner_join(d::table.on(d::id.eq(cs::device_id)))
        .inner_join(dc::table.on(dc::session_id.eq(cs::id.nullable())))
        .filter(cs::state.eq(SessionState::Charging))
        .filter(dc::kind.eq(CommandKind::Start))
        .filter(
            d::online
                .eq(false)
                .or(d::last_seen_at.is_null())
                .or(d::last_seen_at.lt(now - offline_after)),
        )
        .select((
            (cs::id, cs::booking_id, cs::user_id),
            cs::started_at,
            dc::duration_s,
        ))
        .limit(500)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, started, seconds)| {
            started.is_some_and(|s| s + Duration::seconds(i64::from(*seconds)) + settle_wait < now)
        })
        .map(|(close, _, _)| close)
        .collect())
}

/// Settle a `charging` session from its last power report (`settled_unconfirmed`, for staff
/// to check): announced, a walk-up's quota and cells given back, its booking completed.
/// Conditional on the state, so two sweepers close it once. Returns 1 when this one did.
fn close_unconfirmed(
    conn: &mut DbConn,
    id: i64,
    booking: Option<i64>,
    user: i64,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    crate::db::transaction(conn, |c| -> ApiResult<usize> {
        let n = diesel::update(
            cs::table
                .find(id)
                .filter(cs::state.eq(SessionState::Charging)),
        )
        .set((
            cs::state.eq(SessionState::SettledUnconfirmed),
            cs::ended_at.eq(now),
            cs::open_socket_id.eq(None::<i64>),
            cs::power_w.eq(None::<i32>),
        ))
        .execute(c)?;
        if n == 1 {
            tracing::warn!(session_id = id, "no settlement from the pile: settled from its last power report, for staff to check");
            announce(c, id, false, now)?;
            release_walk_up(c, id, now)?;
            complete_booking(c, booking, user, now)?;
        }
        Ok(n)
    })
}
