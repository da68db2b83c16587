//! The availability grid as the database has it: sockets × slot cells over some days, each
//! cell free, booked (and by which household) or unavailable. `charging::grid` renders and
//! caches it.

use crate::devices::dto::LiveState;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use super::sockets::{compound_sockets, settings_for};
use crate::charging::dto::{AvailabilityView, SocketCells, SocketState};
use crate::charging::rules::{self, cell, Settings};
use crate::db::schema::{booking_slots as bs, compounds, users};
use crate::db::DbConn;
use crate::error::ApiResult;

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
fn cells_before(start: NaiveDateTime, slot: Duration, n: usize, t: NaiveDateTime) -> usize {
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
    let open: Option<bool> = compounds::table
        .find(compound_id)
        .select(compounds::open_to_community)
        .first(conn)
        .optional()?;
    let Some(open_to_community) = open else {
        return Ok(None);
    };
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
    // Live states: a socket whose pile is offline, or which the pile reports faulted, cannot
    // be booked for the current cell (a live change bumps `write_seq`, so the grid follows).
    let ids: Vec<i64> = sockets.iter().map(|s| s.id).collect();
    let live: std::collections::HashMap<i64, (LiveState, i32)> =
        crate::devices::model::devices::live_states_of(conn, &ids)?
            .into_iter()
            .map(|(id, state, code)| (id, (state, code)))
            .collect();
    let mut unavailable_now: Vec<Option<String>> = Vec::with_capacity(sockets.len());
    for (row, s) in sockets.iter().enumerate() {
        let reason = match live.get(&s.id) {
            Some((LiveState::Offline, _)) => Some("充电桩离线，暂时不能充电".to_owned()),
            Some((LiveState::Faulted, code)) => Some(format!(
                "充电口故障：{}",
                crate::devices::dny::codes::fault_message(u8::try_from(*code).unwrap_or(u8::MAX))
            )),
            _ => None,
        };
        // The current cell, when the grid's days include now.
        if reason.is_some() && now >= start {
            if let Some(c) = rows[row].get_mut(open) {
                if *c == cell::FREE {
                    *c = cell::UNAVAILABLE;
                }
            }
        }
        unavailable_now.push(reason);
    }
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
            open_to_community,
            starts_at: rules::utc(start),
            slot_minutes: settings.slot_minutes,
            slots: per_socket,
            legend: json!({".": "free", "x": "booked", "m": "mine", "-": "unavailable"}),
            sockets: sockets
                .into_iter()
                .zip(rows)
                .zip(unavailable_now)
                .map(|((s, cells), unavailable_now)| SocketCells {
                    socket_id: s.id,
                    label: s.label,
                    state: s.state,
                    cells: String::from_utf8(cells).unwrap_or_default(),
                    live_state: live.get(&s.id).map(|l| l.0),
                    unavailable_now,
                })
                .collect(),
        },
        households,
        start,
        settings,
    }))
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
