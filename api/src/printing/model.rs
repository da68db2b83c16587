//! What a print sheet shows, read from the database: the active cards of a building or a
//! community with their buildings' addresses and role contacts, or the sockets (not retired)
//! of a pile or a compound; and the audit entry of each printed page.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cards::dto::CardStatus;
use crate::cards::model::building::{building_base, BuildingBase};
use crate::charging::dto::SocketState;
use crate::db::paging::PageRequest;
use crate::db::schema::{buildings, cards, communities, compounds, households, piles, sockets};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::partners::model::audit::{self, AuditEntry};

/// The cards of one building or of one community.
#[derive(Clone, Copy, Debug)]
pub enum CardSelection {
    Building(i64),
    Community(i64),
}

impl CardSelection {
    /// The audit log's target type and id.
    pub fn target(self) -> (&'static str, i64) {
        match self {
            CardSelection::Building(id) => ("building", id),
            CardSelection::Community(id) => ("community", id),
        }
    }
}

/// One card to print.
#[derive(Clone, Debug)]
pub struct PrintCard {
    pub card_number: String,
    pub check_code: String,
    pub unit: i32,
    pub room: String,
    pub building_id: i64,
}

/// One page of cards (ordered by card number), the buildings they belong to and how many
/// cards the selection has. 404 when the building or community does not exist.
pub fn card_page(
    conn: &mut DbConn,
    selection: CardSelection,
    page: PageRequest,
) -> ApiResult<(Vec<PrintCard>, HashMap<i64, BuildingBase>, i64)> {
    let exists = match selection {
        CardSelection::Building(id) => buildings::table
            .find(id)
            .select(buildings::id)
            .first::<i64>(conn)
            .optional()?,
        CardSelection::Community(id) => communities::table
            .find(id)
            .select(communities::id)
            .first::<i64>(conn)
            .optional()?,
    };
    if exists.is_none() {
        return Err(ApiError::not_found());
    }
    let query = || {
        let q = cards::table
            .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
            .filter(cards::status.eq(CardStatus::Active))
            .into_boxed();
        match selection {
            CardSelection::Building(id) => q.filter(buildings::id.eq(id)),
            CardSelection::Community(id) => q.filter(compounds::community_id.eq(id)),
        }
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<(String, String, i32, String, i64)> = query()
        .order(cards::card_number.asc())
        .offset(page.offset())
        .limit(page.per_page)
        .select((
            cards::card_number,
            cards::check_code,
            households::unit,
            households::room,
            households::building_id,
        ))
        .load(conn)?;
    let mut bases = HashMap::new();
    for (_, _, _, _, building) in &rows {
        if !bases.contains_key(building) {
            if let Some(base) = building_base(conn, *building)? {
                bases.insert(*building, base);
            }
        }
    }
    let cards = rows
        .into_iter()
        .map(
            |(card_number, check_code, unit, room, building_id)| PrintCard {
                card_number,
                check_code,
                unit,
                room,
                building_id,
            },
        )
        .collect();
    Ok((cards, bases, total))
}

/// The sockets of one pile or of one compound.
#[derive(Clone, Copy, Debug)]
pub enum SocketSelection {
    Pile(i64),
    Compound(i64),
}

impl SocketSelection {
    /// The audit log's target type and id.
    pub fn target(self) -> (&'static str, i64) {
        match self {
            SocketSelection::Pile(id) => ("pile", id),
            SocketSelection::Compound(id) => ("compound", id),
        }
    }
}

/// One socket sticker to print.
#[derive(Clone, Debug)]
pub struct PrintSocket {
    pub socket_id: i64,
    pub number: i32,
    pub code: String,
    pub pile_name: String,
    pub pile_location: String,
    pub compound_name: String,
}

/// One page of sockets (by pile code, then socket number) and how many the selection has.
/// Retired sockets get no sticker. 404 when the pile or compound does not exist.
pub fn socket_page(
    conn: &mut DbConn,
    selection: SocketSelection,
    page: PageRequest,
) -> ApiResult<(Vec<PrintSocket>, i64)> {
    let exists = match selection {
        SocketSelection::Pile(id) => piles::table
            .find(id)
            .select(piles::id)
            .first::<i64>(conn)
            .optional()?,
        SocketSelection::Compound(id) => compounds::table
            .find(id)
            .select(compounds::id)
            .first::<i64>(conn)
            .optional()?,
    };
    if exists.is_none() {
        return Err(ApiError::not_found());
    }
    let query = || {
        let q = sockets::table
            .inner_join(piles::table.inner_join(compounds::table))
            .filter(sockets::state.ne(SocketState::Retired))
            .into_boxed();
        match selection {
            SocketSelection::Pile(id) => q.filter(piles::id.eq(id)),
            SocketSelection::Compound(id) => q.filter(piles::compound_id.eq(id)),
        }
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<(i64, i32, String, String, String, String)> = query()
        .order((piles::code.asc(), sockets::number.asc()))
        .offset(page.offset())
        .limit(page.per_page)
        .select((
            sockets::id,
            sockets::number,
            sockets::code,
            piles::name,
            piles::location,
            compounds::name,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(
                |(socket_id, number, code, pile_name, pile_location, compound_name)| PrintSocket {
                    socket_id,
                    number,
                    code,
                    pile_name,
                    pile_location,
                    compound_name,
                },
            )
            .collect(),
        total,
    ))
}

/// One printed page in the audit log: who printed what (the selection, the page, the card
/// numbers or socket ids on it). Never a check code or a socket code.
pub struct Printed<'a> {
    pub user_id: i64,
    pub action: &'a str,
    pub target: (&'a str, i64),
    pub page: i64,
    pub items: Vec<String>,
    pub at: NaiveDateTime,
}

pub fn record(conn: &mut DbConn, printed: Printed<'_>) -> ApiResult<()> {
    let actor = format!("user:{}", printed.user_id);
    audit::record_staff(
        conn,
        AuditEntry {
            partner_id: 0,
            actor: &actor,
            action: printed.action,
            target_type: printed.target.0,
            target_id: Some(printed.target.1),
            before: None,
            after: Some(serde_json::json!({
                "page": printed.page,
                "printed": printed.items,
            })),
            at: printed.at,
        },
    )
}
