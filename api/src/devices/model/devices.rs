//! Known devices, their live socket states, the offline sweep and the gateways' leases.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    device_leases as dl, device_outages as out, devices as d, socket_live_states as ls, sockets,
};
use crate::db::DbConn;
use crate::devices::dny::codes;
use crate::devices::dto::LiveState;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// A whitelisted device.
#[derive(Clone, Debug, Queryable)]
pub struct Device {
    pub id: i64,
    pub physical_id: i64,
    pub pile_id: i64,
}

/// The device with this physical id, when staff bound it to a pile (`None`: unknown, to be
/// logged and ignored).
pub fn by_physical_id(conn: &mut DbConn, physical_id: u32) -> ApiResult<Option<Device>> {
    Ok(d::table
        .filter(d::bound_physical_id.eq(i64::from(physical_id)))
        .select((d::id, d::physical_id, d::pile_id))
        .first(conn)
        .optional()?)
}

/// Bind a physical id to a pile with its port count (staff's whitelist, the CLI, the tests'
/// set-up). The pile must exist and be in service; a physical id or a pile already bound is
/// refused by the database's unique keys (`device_already_registered`, `pile_has_device`).
pub fn register(
    conn: &mut DbConn,
    physical_id: u32,
    pile_id: i64,
    port_count: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    use crate::db::schema::piles;
    crate::db::transaction(conn, |c| {
        let status: Option<String> = piles::table
            .find(pile_id)
            .select(piles::status)
            .first(c)
            .optional()?;
        match status.as_deref() {
            None => return Err(ApiError::not_found().with_field("pile_id")),
            Some("retired") => return Err(ApiError::new(ErrorCode::PileRetired)),
            Some(_) => {}
        }
        let pid = i64::from(physical_id);
        let inserted = diesel::insert_into(d::table)
            .values((
                d::physical_id.eq(pid),
                d::pile_id.eq(pile_id),
                d::bound_physical_id.eq(Some(pid)),
                d::bound_pile_id.eq(Some(pile_id)),
                d::port_count.eq(port_count),
                d::online.eq(false),
                d::created_at.eq(now),
            ))
            .execute(c);
        match inserted {
            Err(e) if crate::db::is_unique_violation(&e) => {
                let taken: i64 = d::table
                    .filter(d::bound_physical_id.eq(pid))
                    .count()
                    .get_result(c)?;
                return Err(ApiError::new(if taken > 0 {
                    ErrorCode::DeviceAlreadyRegistered
                } else {
                    ErrorCode::PileHasDevice
                }));
            }
            other => {
                other?;
            }
        }
        Ok(d::table
            .filter(d::bound_physical_id.eq(pid))
            .select(d::id)
            .first(c)?)
    })
}

/// Retire (unbind) a device, in the caller's transaction: refused while a session is open on
/// it (`device_in_use`). The row stays for the sessions and settlements that name it; its
/// physical id and pile are free to bind again; its live states, lease and unsent commands
/// go. The retiring update comes first, so a start racing it either waits for it and fails
/// ([`hold_bound`]) or commits first and is counted here.
pub fn retire(conn: &mut DbConn, device_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    use super::commands::CommandStatus;
    use crate::db::schema::{charging_sessions as cs, device_commands as dc};
    use crate::devices::dto::SessionState;
    let n = diesel::update(d::table.find(device_id).filter(d::retired_at.is_null()))
        .set((
            d::retired_at.eq(now),
            d::bound_physical_id.eq(None::<i64>),
            d::bound_pile_id.eq(None::<i64>),
            d::online.eq(false),
        ))
        .execute(conn)?;
    if n == 0 {
        let exists: i64 = d::table.find(device_id).count().get_result(conn)?;
        return Err(if exists == 0 {
            ApiError::not_found()
        } else {
            ApiError::new(ErrorCode::DeviceRetired)
        });
    }
    let open: i64 = cs::table
        .filter(cs::device_id.eq(device_id))
        .filter(cs::state.eq_any([
            SessionState::Requested,
            SessionState::Starting,
            SessionState::Charging,
        ]))
        .count()
        .get_result(conn)?;
    if open > 0 {
        return Err(ApiError::new(ErrorCode::DeviceInUse));
    }
    diesel::delete(ls::table.filter(ls::device_id.eq(device_id))).execute(conn)?;
    diesel::delete(dl::table.filter(dl::device_id.eq(device_id))).execute(conn)?;
    diesel::update(
        dc::table
            .filter(dc::device_id.eq(device_id))
            .filter(dc::status.eq_any([CommandStatus::Pending, CommandStatus::Sent])),
    )
    .set((dc::status.eq(CommandStatus::Failed), dc::done_at.eq(now)))
    .execute(conn)?;
    Ok(())
}

/// Lock the device's row for the caller's transaction and tell whether it is still bound
/// (a start checks it after writing its session, so a retirement racing it is seen).
pub fn hold_bound(conn: &mut DbConn, device_id: i64) -> ApiResult<bool> {
    let n = diesel::update(d::table.find(device_id).filter(d::retired_at.is_null()))
        .set(d::online.eq(d::online))
        .execute(conn)?;
    Ok(n == 1)
}

/// The device was heard from now (any frame). One that was offline comes online: a
/// conditional update, so the `pile.online` event is written once.
pub fn seen(conn: &mut DbConn, device_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    crate::db::transaction(conn, |c| {
        let bound = d::table.find(device_id).filter(d::retired_at.is_null());
        let back = diesel::update(bound.filter(d::online.eq(false)))
            .set((d::online.eq(true), d::last_seen_at.eq(now)))
            .execute(c)?;
        if back == 1 {
            // The outage the offline sweep opened ends now.
            diesel::update(
                out::table
                    .filter(out::device_id.eq(device_id))
                    .filter(out::online_at.is_null()),
            )
            .set(out::online_at.eq(now))
            .execute(c)?;
            announce(c, device_id, true, now, now)?;
        } else {
            diesel::update(bound)
                .set(d::last_seen_at.eq(now))
                .execute(c)?;
        }
        Ok(())
    })
}

/// Tell the partners the pile came online or went offline, in the caller's transaction.
fn announce(
    conn: &mut DbConn,
    device_id: i64,
    online: bool,
    last_seen_at: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<()> {
    use crate::db::schema::piles;
    let (pile_id, compound_id): (i64, i64) = d::table
        .inner_join(piles::table)
        .filter(d::id.eq(device_id))
        .select((piles::id, piles::compound_id))
        .first(conn)?;
    let data = crate::events::PileEventData {
        pile_id,
        compound_id,
        online,
        last_seen_at: crate::charging::rules::utc(last_seen_at),
        sequence: 0,
    };
    let event = if online {
        crate::events::DomainEvent::PileOnline(data)
    } else {
        crate::events::DomainEvent::PileOffline(data)
    };
    crate::events::record(conn, &event, now)?;
    Ok(())
}

/// What a register frame (0x20) or the connection's preamble told about the device.
pub fn describe(
    conn: &mut DbConn,
    device_id: i64,
    firmware: Option<i32>,
    port_count: Option<i32>,
    iccid: Option<&str>,
) -> ApiResult<()> {
    if let Some(f) = firmware {
        diesel::update(d::table.find(device_id))
            .set(d::firmware.eq(f))
            .execute(conn)?;
    }
    if let Some(n) = port_count {
        diesel::update(d::table.find(device_id))
            .set(d::port_count.eq(n))
            .execute(conn)?;
    }
    if let Some(i) = iccid {
        diesel::update(d::table.find(device_id))
            .set(d::iccid.eq(i))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the device was heard from within `offline_after` of `now` (a start needs it).
pub fn is_online(
    conn: &mut DbConn,
    device_id: i64,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<bool> {
    let row: Option<(bool, Option<NaiveDateTime>)> = d::table
        .find(device_id)
        .select((d::online, d::last_seen_at))
        .first(conn)
        .optional()?;
    Ok(matches!(row, Some((true, Some(seen))) if seen >= now - offline_after))
}

/// A heartbeat's per-port status bytes become the live states of the pile's sockets
/// (port `n` is socket number `n + 1`; ports the pile has no socket row for are skipped).
pub fn apply_heartbeat(
    conn: &mut DbConn,
    device: &Device,
    ports: &[u8],
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let bound: i64 = d::table
        .find(device.id)
        .filter(d::retired_at.is_null())
        .count()
        .get_result(conn)?;
    if bound == 0 {
        // Retired while its connection was open: its word no longer counts.
        return Ok(0);
    }
    let pile_sockets: Vec<(i64, i32)> = sockets::table
        .filter(sockets::pile_id.eq(device.pile_id))
        .select((sockets::id, sockets::number))
        .load(conn)?;
    let mut n = 0;
    for (socket_id, number) in pile_sockets {
        let Some(status) = usize::try_from(number - 1).ok().and_then(|i| ports.get(i)) else {
            continue;
        };
        // The change and its event together.
        crate::db::transaction(conn, |c| {
            set_live_state(
                c,
                socket_id,
                device.id,
                codes::live_state(*status),
                *status,
                now,
            )
        })?;
        n += 1;
    }
    Ok(n)
}

/// Write a socket's live state from a heartbeat. A change (another state or code) is a
/// conditional update from the state read, and only the writer that made it tells the
/// partners (`socket.state_changed` with the live states), so two gateways never both do,
/// and a heartbeat repeating the same states only renews `updated_at`.
fn set_live_state(
    conn: &mut DbConn,
    socket_id: i64,
    device_id: i64,
    state: LiveState,
    code: u8,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let code = i32::from(code);
    let values = (
        ls::device_id.eq(device_id),
        ls::state.eq(state),
        ls::status_code.eq(code),
        ls::updated_at.eq(now),
    );
    match live_state(conn, socket_id)? {
        Some((prev, prev_code)) if prev == state && prev_code == code => {
            diesel::update(ls::table.filter(ls::socket_id.eq(socket_id)))
                .set(values)
                .execute(conn)?;
        }
        Some((prev, prev_code)) => {
            let changed = diesel::update(
                ls::table
                    .filter(ls::socket_id.eq(socket_id))
                    .filter(ls::state.eq(prev))
                    .filter(ls::status_code.eq(prev_code)),
            )
            .set(values)
            .execute(conn)?;
            if changed == 1 {
                crate::charging::model::touch_sockets(conn, &[socket_id])?;
                announce_live(conn, socket_id, Some(prev), state, code, now)?;
            }
        }
        None => {
            match diesel::insert_into(ls::table)
                .values((ls::socket_id.eq(socket_id), values))
                .execute(conn)
            {
                // Another writer got there first, and told.
                Err(e) if crate::db::is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
                Ok(_) => {
                    crate::charging::model::touch_sockets(conn, &[socket_id])?;
                    announce_live(conn, socket_id, None, state, code, now)?;
                }
            }
        }
    }
    Ok(())
}

/// `socket.state_changed` for a live change, in the caller's transaction: the socket's set
/// state stays as it is (`previous_state` = `state`), the live states say what changed.
fn announce_live(
    conn: &mut DbConn,
    socket_id: i64,
    previous: Option<LiveState>,
    live: LiveState,
    code: i32,
    now: NaiveDateTime,
) -> ApiResult<()> {
    use crate::charging::dto::SocketState;
    let (pile_id, compound_id, set_state): (i64, i64, SocketState) = sockets::table
        .find(socket_id)
        .select((sockets::pile_id, sockets::compound_id, sockets::state))
        .first(conn)?;
    let reason = match live {
        LiveState::Available => "充电桩上报：空闲".to_owned(),
        LiveState::Plugged => "充电桩上报：已插充电器".to_owned(),
        LiveState::InUse => "充电桩上报：充电中".to_owned(),
        LiveState::Faulted => format!(
            "充电桩上报故障：{}",
            codes::fault_message(u8::try_from(code).unwrap_or(u8::MAX))
        ),
        LiveState::Offline => "充电桩离线".to_owned(),
    };
    let data = crate::events::SocketStateChangedData {
        socket_id,
        pile_id,
        compound_id,
        previous_state: set_state,
        state: set_state,
        reason,
        previous_live_state: previous,
        live_state: Some(live),
        sequence: 0,
    };
    crate::events::record(
        conn,
        &crate::events::DomainEvent::SocketStateChanged(data),
        now,
    )?;
    Ok(())
}

/// The live states (and codes) of these sockets that a heartbeat ever reported.
pub fn live_states_of(
    conn: &mut DbConn,
    socket_ids: &[i64],
) -> ApiResult<Vec<(i64, LiveState, i32)>> {
    if socket_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(ls::table
        .filter(ls::socket_id.eq_any(socket_ids))
        .select((ls::socket_id, ls::state, ls::status_code))
        .load(conn)?)
}

/// A socket's live state and the pile's code, when a heartbeat ever reported it.
pub fn live_state(conn: &mut DbConn, socket_id: i64) -> ApiResult<Option<(LiveState, i32)>> {
    Ok(ls::table
        .filter(ls::socket_id.eq(socket_id))
        .select((ls::state, ls::status_code))
        .first(conn)
        .optional()?)
}

/// Mark offline every device not heard from since `cutoff`, and its sockets' live states.
/// Conditional, so several gateways sweeping at once mark each device once. Returns the
/// devices marked.
pub fn sweep_offline(
    conn: &mut DbConn,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let stale: Vec<i64> = d::table
        .filter(d::online.eq(true))
        .filter(d::retired_at.is_null())
        .filter(d::last_seen_at.is_null().or(d::last_seen_at.lt(cutoff)))
        .select(d::id)
        .load(conn)?;
    let mut n = 0;
    for id in stale {
        n += crate::db::transaction(conn, |c| -> ApiResult<usize> {
            let changed = diesel::update(
                d::table
                    .find(id)
                    .filter(d::online.eq(true))
                    .filter(d::last_seen_at.is_null().or(d::last_seen_at.lt(cutoff))),
            )
            .set(d::online.eq(false))
            .execute(c)?;
            if changed == 0 {
                return Ok(0);
            }
            let before: Vec<(i64, LiveState, i32)> = ls::table
                .filter(ls::device_id.eq(id))
                .filter(ls::state.ne(LiveState::Offline))
                .select((ls::socket_id, ls::state, ls::status_code))
                .load(c)?;
            diesel::update(ls::table.filter(ls::device_id.eq(id)))
                .set((ls::state.eq(LiveState::Offline), ls::updated_at.eq(now)))
                .execute(c)?;
            let touched: Vec<i64> = before.iter().map(|b| b.0).collect();
            crate::charging::model::touch_sockets(c, &touched)?;
            for (socket, prev, code) in before {
                announce_live(c, socket, Some(prev), LiveState::Offline, code, now)?;
            }
            let (last, pile): (Option<NaiveDateTime>, i64) = d::table
                .find(id)
                .select((d::last_seen_at, d::pile_id))
                .first(c)?;
            // The pile has been silent since its last frame: an outage until it is heard again.
            diesel::insert_into(out::table)
                .values((
                    out::device_id.eq(id),
                    out::pile_id.eq(pile),
                    out::offline_from.eq(last.unwrap_or(now)),
                ))
                .execute(c)?;
            announce(c, id, false, last.unwrap_or(now), now)?;
            tracing::warn!(device_id = id, "pile offline: no heartbeat in time");
            Ok(1)
        })?;
    }
    Ok(n)
}

/// Whether the pile was offline at some time in `[from, to)`: an outage (from its last frame
/// before it was marked offline until it was heard again, or still open) overlaps it. A pile
/// whose device never went offline, or that never had a device, was not.
pub fn pile_offline_during(
    conn: &mut DbConn,
    pile_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> ApiResult<bool> {
    let n: i64 = out::table
        .filter(out::pile_id.eq(pile_id))
        .filter(out::offline_from.lt(to))
        .filter(out::online_at.is_null().or(out::online_at.gt(from)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Take or renew the lease on a device for `gateway` until `until`: the gateway the pile
/// speaks to holds its lease. A pile keeps one connection, so one speaking here has left any
/// other gateway (it died, or the pile's modem dialled again): waiting for the old holder's
/// lease to run out (two heartbeat intervals and the margin, 7 minutes by default) would
/// leave the pile's commands unsent all that time. Returns whether this gateway holds it.
pub fn take_lease(
    conn: &mut DbConn,
    device_id: i64,
    gateway: &str,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> ApiResult<bool> {
    let take = |conn: &mut DbConn| -> ApiResult<usize> {
        Ok(
            diesel::update(dl::table.filter(dl::device_id.eq(device_id)))
                .set((
                    dl::gateway.eq(gateway),
                    dl::expires_at.eq(until),
                    dl::updated_at.eq(now),
                ))
                .execute(conn)?,
        )
    };
    if take(conn)? == 1 {
        return Ok(true);
    }
    let inserted = diesel::insert_into(dl::table)
        .values((
            dl::device_id.eq(device_id),
            dl::gateway.eq(gateway),
            dl::expires_at.eq(until),
            dl::updated_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Another gateway inserted it a moment ago: the pile spoke here since.
        Err(e) if crate::db::is_unique_violation(&e) => Ok(take(conn)? == 1),
        Err(e) => Err(e.into()),
    }
}

/// Give up the leases of `gateway` on these devices (their connection closed).
pub fn release_leases(conn: &mut DbConn, device_ids: &[i64], gateway: &str) -> ApiResult<usize> {
    Ok(diesel::delete(
        dl::table
            .filter(dl::device_id.eq_any(device_ids))
            .filter(dl::gateway.eq(gateway)),
    )
    .execute(conn)?)
}

/// The devices among `device_ids` whose lease `gateway` holds at `now`.
pub fn leased(
    conn: &mut DbConn,
    device_ids: &[i64],
    gateway: &str,
    now: NaiveDateTime,
) -> ApiResult<Vec<i64>> {
    Ok(dl::table
        .filter(dl::device_id.eq_any(device_ids))
        .filter(dl::gateway.eq(gateway))
        .filter(dl::expires_at.ge(now))
        .select(dl::device_id)
        .load(conn)?)
}
