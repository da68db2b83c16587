//! The whitelist as staff read it: each device with its pile, whether it is online, when it
//! was last heard from, its firmware and SIM, and its faulted sockets with their codes.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::charging::rules::utc;
use crate::db::paging::PageRequest;
use crate::db::schema::{devices as d, piles, socket_live_states as ls, sockets};
use crate::db::DbConn;
use crate::devices::dny::codes;
use crate::devices::dto::{DeviceFilter, DeviceView, FaultedSocket, LiveState, PhysicalId};
use crate::error::{ApiError, ApiResult};

type Row = (
    i64,
    i64,
    i64,
    i64,
    i32,
    bool,
    Option<NaiveDateTime>,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// Whether a device counts as online now: marked so, and heard from within `offline_after`
/// (the mark alone may be stale while no gateway sweeps).
pub fn online_now(
    online: bool,
    last_seen_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
    offline_after: Duration,
) -> bool {
    online && last_seen_at.is_some_and(|t| t >= now - offline_after)
}

fn faulted(conn: &mut DbConn, device_ids: &[i64]) -> ApiResult<Vec<(i64, FaultedSocket)>> {
    let rows: Vec<(i64, i64, i32, i32)> = ls::table
        .inner_join(sockets::table.on(sockets::id.eq(ls::socket_id)))
        .filter(ls::device_id.eq_any(device_ids))
        .filter(ls::state.eq(LiveState::Faulted))
        .order((ls::device_id, sockets::number))
        .select((ls::device_id, sockets::id, sockets::number, ls::status_code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(device, socket_id, number, code)| {
            let message = codes::fault_message(u8::try_from(code).unwrap_or(u8::MAX)).to_owned();
            (
                device,
                FaultedSocket {
                    socket_id,
                    number,
                    code,
                    message,
                },
            )
        })
        .collect())
}

fn views(
    conn: &mut DbConn,
    rows: Vec<Row>,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<Vec<DeviceView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut faults = faulted(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (id, pid, pile_id, compound_id, port_count, online, seen, fw, iccid, at, retired) =
                r;
            let mine: Vec<FaultedSocket> = faults
                .extract_if(.., |(device, _)| *device == id)
                .map(|(_, f)| f)
                .collect();
            DeviceView {
                id,
                physical_id: PhysicalId(u32::try_from(pid).unwrap_or(0)).label(),
                pile_id,
                compound_id,
                port_count,
                online: retired.is_none() && online_now(online, seen, now, offline_after),
                last_seen_at: seen.map(utc),
                firmware: fw,
                iccid,
                registered_at: utc(at),
                retired_at: retired.map(utc),
                faulted_sockets: mine,
            }
        })
        .collect())
}

/// One page of devices (bound ones, unless `include_retired`), newest first, and how many
/// there are.
pub fn page(
    conn: &mut DbConn,
    filter: DeviceFilter,
    page: PageRequest,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<(Vec<DeviceView>, i64)> {
    let query = || {
        let mut q = d::table.inner_join(piles::table).into_boxed();
        if let Some(p) = filter.pile_id {
            q = q.filter(d::pile_id.eq(p));
        }
        if !filter.include_retired.unwrap_or(false) {
            q = q.filter(d::retired_at.is_null());
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Row> = query()
        .order((d::created_at.desc(), d::id.desc()))
        .offset(page.offset())
        .limit(page.per_page)
        .select(COLUMNS)
        .load(conn)?;
    Ok((views(conn, rows, now, offline_after)?, total))
}

/// One device, retired or not.
pub fn view(
    conn: &mut DbConn,
    id: i64,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<Option<DeviceView>> {
    let rows: Vec<Row> = d::table
        .inner_join(piles::table)
        .filter(d::id.eq(id))
        .select(COLUMNS)
        .load(conn)?;
    Ok(views(conn, rows, now, offline_after)?.pop())
}

/// The bound device of a pile and whether it is online now (`None`: no device drives it).
pub fn pile_device(
    conn: &mut DbConn,
    pile_id: i64,
    now: NaiveDateTime,
    offline_after: Duration,
) -> ApiResult<Option<(bool, Option<NaiveDateTime>)>> {
    let row: Option<(bool, Option<NaiveDateTime>)> = d::table
        .filter(d::bound_pile_id.eq(pile_id))
        .select((d::online, d::last_seen_at))
        .first(conn)
        .optional()?;
    Ok(row.map(|(online, seen)| (online_now(online, seen, now, offline_after), seen)))
}

const COLUMNS: (
    d::id,
    d::physical_id,
    d::pile_id,
    piles::compound_id,
    d::port_count,
    d::online,
    d::last_seen_at,
    d::firmware,
    d::iccid,
    d::created_at,
    d::retired_at,
) = (
    d::id,
    d::physical_id,
    d::pile_id,
    piles::compound_id,
    d::port_count,
    d::online,
    d::last_seen_at,
    d::firmware,
    d::iccid,
    d::created_at,
    d::retired_at,
);

/// Register a device as staff do (the API and `linli devices register`): the port count is
/// checked, the binding written ([`super::devices::register`]) and audited with `actor`
/// (`user:<id>`, or `cli`) in one transaction. Returns the device id.
pub fn register_as(
    conn: &mut DbConn,
    physical_id: PhysicalId,
    pile_id: i64,
    port_count: i32,
    actor: &str,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    if !(1..=16).contains(&port_count) {
        return Err(ApiError::validation("port_count", "must be 1 to 16"));
    }
    crate::db::transaction(conn, |c| {
        let id = super::devices::register(c, physical_id.0, pile_id, port_count, now)?;
        crate::partners::model::audit::record_staff(
            c,
            crate::partners::model::audit::AuditEntry {
                partner_id: 0,
                actor,
                action: "device.register",
                target_type: "device",
                target_id: Some(id),
                before: None,
                after: Some(serde_json::json!({
                    "physical_id": physical_id.label(),
                    "pile_id": pile_id,
                    "port_count": port_count,
                })),
                at: now,
            },
        )?;
        Ok(id)
    })
}

/// 404 unless the pile exists.
pub fn pile_must_exist(conn: &mut DbConn, pile_id: i64) -> ApiResult<()> {
    let n: i64 = piles::table.find(pile_id).count().get_result(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// Whether staff member `staff` (role `role`) looks after socket `socket_id`: an
/// administrator looks after every socket; community staff those in the community of the
/// household they are bound to (as with residents' personal data). Anyone else none.
pub fn serves_socket(
    conn: &mut DbConn,
    staff: i64,
    role: crate::auth::Role,
    socket_id: i64,
) -> ApiResult<bool> {
    use crate::auth::Role;
    use crate::db::schema::{compounds, sockets};
    match role {
        Role::Admin => Ok(true),
        Role::Staff => {
            let Some(mine) = crate::pii::store::community_of(conn, staff)? else {
                return Ok(false);
            };
            let theirs: Option<i64> = sockets::table
                .inner_join(compounds::table.on(compounds::id.eq(sockets::compound_id)))
                .filter(sockets::id.eq(socket_id))
                .select(compounds::community_id)
                .first(conn)
                .optional()?;
            Ok(theirs == Some(mine))
        }
        _ => Ok(false),
    }
}
