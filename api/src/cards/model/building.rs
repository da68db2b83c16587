//! What a card shows about its building, read from the database: the address (community ›
//! grid › compound › building) and the seven role slots, each the building's own holder of the
//! role or else its compound's.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::SERVING;
use crate::cards::dto::{BuildingAddress, RoleSlot};
use crate::db::schema::{
    buildings, communities, compounds, grids, role_assignments as ra, role_contacts as rc,
};
use crate::db::DbConn;
use crate::directory::roles::ContactRole;
use crate::error::ApiResult;
use crate::places::dto::NamedRef;

/// What a card shows about its building, before the directory's services are added.
#[derive(Clone, Debug)]
pub struct BuildingBase {
    pub address: BuildingAddress,
    pub community_id: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub roles: Vec<RoleSlot>,
}

type PlaceRow = (
    (i64, String, f64, f64),
    (i64, String),
    (i64, String),
    (i64, String),
);

/// What a card shows about its building: the address and the seven role slots (a building's
/// own holder of a role, else its compound's).
pub fn building_base(conn: &mut DbConn, building_id: i64) -> ApiResult<Option<BuildingBase>> {
    let row: Option<PlaceRow> = buildings::table
        .inner_join(
            compounds::table
                .inner_join(communities::table)
                .inner_join(grids::table),
        )
        .filter(buildings::id.eq(building_id))
        .select((
            (
                buildings::id,
                buildings::name,
                buildings::latitude,
                buildings::longitude,
            ),
            (compounds::id, compounds::name),
            (grids::id, grids::name),
            (communities::id, communities::name),
        ))
        .first(conn)
        .optional()?;
    let Some(((b_id, b_name, lat, lon), (c_id, c_name), (g_id, g_name), (m_id, m_name))) = row
    else {
        return Ok(None);
    };
    let holders: Vec<(String, Option<i64>, i64, String, String, NaiveDateTime)> = ra::table
        .inner_join(rc::table)
        .filter(ra::building_id.eq(b_id).or(ra::compound_id.eq(c_id)))
        .filter(rc::status.eq(SERVING))
        .select((
            ra::role,
            ra::building_id,
            rc::id,
            rc::name,
            rc::phone,
            rc::last_confirmed_at,
        ))
        .load(conn)?;
    let roles = ContactRole::ALL
        .iter()
        .map(|role| {
            let mine = |building: bool| {
                holders
                    .iter()
                    .find(|h| h.0 == role.as_str() && h.1.is_some() == building)
            };
            let holder = mine(true).or_else(|| mine(false));
            RoleSlot {
                role: *role,
                title: role.title().to_owned(),
                contact_id: holder.map(|h| h.2),
                name: holder.map(|h| h.3.clone()),
                phone: holder.map(|h| h.4.clone()),
                last_confirmed_at: holder.map(|h| h.5.and_utc()),
            }
        })
        .collect();
    let text = format!("{m_name} › {g_name} › {c_name} › {b_name}");
    Ok(Some(BuildingBase {
        address: BuildingAddress {
            community: NamedRef {
                id: m_id,
                name: m_name,
            },
            grid: NamedRef {
                id: g_id,
                name: g_name,
            },
            compound: NamedRef {
                id: c_id,
                name: c_name,
            },
            building: NamedRef {
                id: b_id,
                name: b_name,
            },
            text,
        },
        community_id: m_id,
        latitude: lat,
        longitude: lon,
        roles,
    }))
}
