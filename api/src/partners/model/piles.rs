//! Piles and sockets as firms install and change them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use serde_json::{json, Value};

use crate::charging::dto::{PileStatus, SocketState};
use crate::charging::model::{refused, set_socket_state};
use crate::charging::rules::pile_move;
use crate::db::paging::PageRequest;
use crate::db::schema::{compounds, devices, piles, socket_live_states as ls, sockets};
use crate::db::{self, last_insert_id, DbConn};
use crate::devices::dto::LiveState;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::partners::dto::{PartnerPileView, PartnerSocketView};

pub fn pile_view(conn: &mut DbConn, pile_id: i64) -> ApiResult<PartnerPileView> {
    let (id, compound_id, code, name, location, status): (
        i64,
        i64,
        String,
        String,
        String,
        PileStatus,
    ) = piles::table
        .find(pile_id)
        .select((
            piles::id,
            piles::compound_id,
            piles::code,
            piles::name,
            piles::location,
            piles::status,
        ))
        .first(conn)?;
    type SocketRow = (
        i64,
        i64,
        i32,
        String,
        SocketState,
        Option<LiveState>,
        Option<i32>,
    );
    let socket_rows: Vec<SocketRow> = sockets::table
        .left_join(ls::table.on(ls::socket_id.eq(sockets::id)))
        .filter(sockets::pile_id.eq(id))
        .order(sockets::number)
        .select((
            sockets::id,
            sockets::pile_id,
            sockets::number,
            sockets::code,
            sockets::state,
            ls::state.nullable(),
            ls::status_code.nullable(),
        ))
        .load(conn)?;
    // The gateway's mark, kept by its offline sweep (and `pile.offline`/`pile.online`).
    let device: Option<(bool, Option<NaiveDateTime>)> = devices::table
        .filter(devices::bound_pile_id.eq(id))
        .select((devices::online, devices::last_seen_at))
        .first(conn)
        .optional()?;
    Ok(PartnerPileView {
        id,
        compound_id,
        code,
        name,
        location,
        status,
        sockets: socket_rows
            .into_iter()
            .map(
                |(id, pile_id, number, code, state, live_state, live_code)| PartnerSocketView {
                    id,
                    pile_id,
                    number,
                    code,
                    state,
                    live_state,
                    live_code,
                },
            )
            .collect(),
        online: device.map(|d| d.0),
        last_seen_at: device.and_then(|d| d.1).map(|t| t.and_utc()),
    })
}

/// One page of a compound's piles, in the order they were installed, and how many it has.
pub fn compound_piles(
    conn: &mut DbConn,
    compound_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<PartnerPileView>, i64)> {
    let total: i64 = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .count()
        .get_result(conn)?;
    let ids: Vec<i64> = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .order(piles::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(piles::id)
        .load(conn)?;
    let items = ids
        .into_iter()
        .map(|id| pile_view(conn, id))
        .collect::<ApiResult<_>>()?;
    Ok((items, total))
}

fn socket_code() -> String {
    let mut rng = rand::rng();
    let alphabet = crate::cards::rules::CHECK_ALPHABET;
    (0..8)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn add_socket(
    conn: &mut DbConn,
    pile_id: i64,
    compound_id: i64,
    number: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    for _ in 0..5 {
        let r = diesel::insert_into(sockets::table)
            .values((
                sockets::pile_id.eq(pile_id),
                sockets::compound_id.eq(compound_id),
                sockets::number.eq(number),
                sockets::code.eq(socket_code()),
                sockets::state.eq("available"),
                sockets::state_changed_at.eq(now),
                sockets::write_seq.eq(0i64),
                sockets::created_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => return Ok(last_insert_id(conn)?),
            Err(e) if db::is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("could not make a unique socket code"))
}

pub fn create_pile(
    conn: &mut DbConn,
    compound_id: i64,
    name: &str,
    location: &str,
    sockets_n: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let code_prefix: String = compounds::table
        .find(compound_id)
        .select(compounds::code)
        .first(conn)?;
    let count: i64 = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .count()
        .get_result(conn)?;
    let mut n = count + 1;
    loop {
        let r = diesel::insert_into(piles::table)
            .values((
                piles::compound_id.eq(compound_id),
                piles::code.eq(format!("{code_prefix}-P{n:02}")),
                piles::name.eq(name),
                piles::location.eq(location),
                piles::status.eq(PileStatus::Active),
                piles::created_at.eq(now),
                piles::updated_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => break,
            Err(e) if db::is_unique_violation(&e) && n < count + 100 => n += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let pile_id = last_insert_id(conn)?;
    for number in 1..=sockets_n {
        add_socket(conn, pile_id, compound_id, number, now)?;
    }
    Ok(pile_id)
}

pub fn update_pile(
    conn: &mut DbConn,
    pile_id: i64,
    name: Option<&str>,
    location: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if let Some(name) = name {
        diesel::update(piles::table.find(pile_id))
            .set((piles::name.eq(name), piles::updated_at.eq(now)))
            .execute(conn)?;
        // The name labels its sockets in the availability grid.
        crate::charging::model::touch_pile(conn, pile_id)?;
    }
    if let Some(location) = location {
        diesel::update(piles::table.find(pile_id))
            .set((piles::location.eq(location), piles::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn add_socket_to_pile(conn: &mut DbConn, pile_id: i64, now: NaiveDateTime) -> ApiResult<i64> {
    let (compound_id, status): (i64, PileStatus) = piles::table
        .find(pile_id)
        .select((piles::compound_id, piles::status))
        .first(conn)?;
    if status != PileStatus::Active {
        return Err(ApiError::new(ErrorCode::PileRetired));
    }
    let max: Option<i32> = sockets::table
        .filter(sockets::pile_id.eq(pile_id))
        .select(diesel::dsl::max(sockets::number))
        .first(conn)?;
    let next = max.unwrap_or(0) + 1;
    if next > 8 {
        return Err(ApiError::validation(
            "pile_id",
            "a pile has at most 8 sockets",
        ));
    }
    add_socket(conn, pile_id, compound_id, next, now)
}

/// Retire a pile and its sockets (their bookings are cancelled, residents told).
pub fn retire_pile(
    conn: &mut DbConn,
    pile_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let status: PileStatus = piles::table
        .find(pile_id)
        .select(piles::status)
        .first(conn)?;
    pile_move(status, PileStatus::Retired).map_err(refused)?;
    if status == PileStatus::Retired {
        return Ok(());
    }
    let ids: Vec<i64> = sockets::table
        .filter(sockets::pile_id.eq(pile_id))
        .select(sockets::id)
        .load(conn)?;
    for id in ids {
        set_socket_state(conn, id, SocketState::Retired, reason, now)?;
    }
    // Conditional: of two requests retiring the same pile at once, one does it.
    let changed = diesel::update(
        piles::table.filter(
            piles::id
                .eq(pile_id)
                .and(piles::status.eq(PileStatus::Active)),
        ),
    )
    .set((
        piles::status.eq(PileStatus::Retired),
        piles::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::new(ErrorCode::PileRetired));
    }
    Ok(())
}

/// A pile's state as JSON, for the audit log.
pub fn pile_json(conn: &mut DbConn, pile_id: i64) -> ApiResult<Value> {
    let v = pile_view(conn, pile_id)?;
    Ok(json!({
        "name": v.name, "location": v.location, "status": v.status,
        "sockets": v.sockets.iter().map(|s| json!({"id": s.id, "state": s.state})).collect::<Vec<_>>(),
    }))
}
