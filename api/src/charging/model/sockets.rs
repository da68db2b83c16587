//! A compound's booking settings, its piles and sockets, as bookings and the grid read them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::stamp::touch_compound;
use crate::charging::dto::{
    ChargingView, PileStatus, PileView, SettingsView, SocketState, SocketView,
};
use crate::charging::rules::Settings;
use crate::db::schema::{charging_settings as cs, compounds, piles, sockets};
use crate::db::DbConn;
use crate::error::ApiResult;

pub(in crate::charging::model) fn settings_for(
    conn: &mut DbConn,
    compound_id: i64,
) -> ApiResult<Settings> {
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

/// Open a compound's charging to the whole community or close it to its own households
/// (staff); the grid shows it from the next request. 404 for an unknown compound.
pub fn set_open_to_community(conn: &mut DbConn, compound_id: i64, open: bool) -> ApiResult<()> {
    let n = diesel::update(compounds::table.find(compound_id))
        .set(compounds::open_to_community.eq(open))
        .execute(conn)?;
    // MySQL counts only changed rows: an unchanged flag is not "no such compound".
    if n == 0
        && compounds::table
            .find(compound_id)
            .count()
            .get_result::<i64>(conn)?
            == 0
    {
        return Err(crate::error::ApiError::not_found());
    }
    touch_compound(conn, compound_id)
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
    /// Its pile's status: a socket is in service only while its pile is.
    pub pile_status: PileStatus,
    pub label: String,
}

type SocketRow = (i64, i64, i64, i32, String, SocketState, String, PileStatus);

fn socket_info(row: SocketRow) -> SocketInfo {
    let (id, pile_id, compound_id, number, code, state, pile_name, pile_status) = row;
    SocketInfo {
        id,
        pile_id,
        compound_id,
        number,
        code,
        state,
        pile_status,
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
    piles::status,
) {
    (
        sockets::id,
        sockets::pile_id,
        sockets::compound_id,
        sockets::number,
        sockets::code,
        sockets::state,
        piles::name,
        piles::status,
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
pub(in crate::charging::model) fn socket_in_context(
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

pub(in crate::charging::model) fn compound_sockets(
    conn: &mut DbConn,
    compound_id: i64,
) -> ApiResult<Vec<SocketInfo>> {
    let rows: Vec<SocketRow> = sockets::table
        .inner_join(piles::table)
        .filter(sockets::compound_id.eq(compound_id))
        .order((piles::id, sockets::number))
        .select(socket_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(socket_info).collect())
}

pub(super) fn compound_name(conn: &mut DbConn, compound_id: i64) -> ApiResult<Option<String>> {
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
    let pile_rows: Vec<(i64, String, String, String, PileStatus)> = piles::table
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
    let open_to_community: bool = compounds::table
        .find(compound_id)
        .select(compounds::open_to_community)
        .first(conn)?;
    Ok(Some(ChargingView {
        compound_id,
        compound_name: name,
        open_to_community,
        settings: settings_view(&settings),
        piles,
    }))
}
