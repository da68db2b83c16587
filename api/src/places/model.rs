//! Queries over the place hierarchy.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::dto::{
    AddressView, BuildingView, CommunityView, CompoundDetail, CompoundFilter, CompoundKind,
    CompoundSummary, NamedRef,
};
use crate::db::paging::PageRequest;
use crate::db::schema::{buildings, communities, compounds, grids, households};
use crate::db::{like_contains, DbConn};
use crate::error::ApiResult;

/// Every community with its counts, in code order.
pub fn list_communities(conn: &mut DbConn) -> ApiResult<Vec<CommunityView>> {
    let rows: Vec<(i64, String, String, String, String)> = communities::table
        .order(communities::id)
        .select((
            communities::id,
            communities::code,
            communities::name,
            communities::name_en,
            communities::address,
        ))
        .load(conn)?;
    let grid_counts: HashMap<i64, i64> = grids::table
        .group_by(grids::community_id)
        .select((grids::community_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let compound_counts: HashMap<i64, i64> = compounds::table
        .group_by(compounds::community_id)
        .select((compounds::community_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let household_counts: HashMap<i64, i64> = households::table
        .inner_join(buildings::table.inner_join(compounds::table))
        .group_by(compounds::community_id)
        .select((compounds::community_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, code, name, name_en, address)| CommunityView {
            grid_count: grid_counts.get(&id).copied().unwrap_or(0),
            compound_count: compound_counts.get(&id).copied().unwrap_or(0),
            household_count: household_counts.get(&id).copied().unwrap_or(0),
            id,
            code,
            name,
            name_en,
            address,
        })
        .collect())
}

type SummaryRow = (
    i64,
    String,
    String,
    CompoundKind,
    i64,
    String,
    i64,
    String,
    String,
    bool,
);

fn summary_columns() -> (
    compounds::id,
    compounds::code,
    compounds::name,
    compounds::kind,
    compounds::community_id,
    communities::name,
    compounds::grid_id,
    grids::name,
    compounds::address,
    compounds::has_charging,
) {
    (
        compounds::id,
        compounds::code,
        compounds::name,
        compounds::kind,
        compounds::community_id,
        communities::name,
        compounds::grid_id,
        grids::name,
        compounds::address,
        compounds::has_charging,
    )
}

fn building_counts(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, i64>> {
    Ok(buildings::table
        .filter(buildings::compound_id.eq_any(ids))
        .group_by(buildings::compound_id)
        .select((buildings::compound_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

fn to_summary(row: SummaryRow, building_count: i64) -> CompoundSummary {
    let (
        id,
        code,
        name,
        kind,
        community_id,
        community_name,
        grid_id,
        grid_name,
        address,
        has_charging,
    ) = row;
    CompoundSummary {
        id,
        code,
        name,
        kind,
        community_id,
        community_name,
        grid_id,
        grid_name,
        address,
        has_charging,
        building_count,
    }
}

/// Compounds matching the filter, one page of them, with the total.
pub fn search_compounds(
    conn: &mut DbConn,
    filter: &CompoundFilter,
    page: PageRequest,
) -> ApiResult<(Vec<CompoundSummary>, i64)> {
    let query = || {
        let mut q = compounds::table
            .inner_join(communities::table)
            .inner_join(grids::table)
            .into_boxed();
        if let Some(c) = filter.community_id {
            q = q.filter(compounds::community_id.eq(c));
        }
        if let Some(text) = filter.q.as_deref().filter(|t| !t.is_empty()) {
            let pattern = like_contains(text);
            q = q.filter(
                compounds::name
                    .like(pattern.clone())
                    .escape('\\')
                    .or(compounds::code.like(pattern).escape('\\')),
            );
        }
        if let Some(kind) = filter.kind {
            q = q.filter(compounds::kind.eq(kind));
        }
        if let Some(h) = filter.has_charging {
            q = q.filter(compounds::has_charging.eq(h));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<SummaryRow> = query()
        .order(compounds::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(summary_columns())
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let counts = building_counts(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|r| {
            let n = counts.get(&r.0).copied().unwrap_or(0);
            to_summary(r, n)
        })
        .collect();
    Ok((items, total))
}

/// One compound with its buildings and their household counts.
pub fn compound_detail(conn: &mut DbConn, id: i64) -> ApiResult<Option<CompoundDetail>> {
    let row: Option<(SummaryRow, f64, f64)> = compounds::table
        .inner_join(communities::table)
        .inner_join(grids::table)
        .filter(compounds::id.eq(id))
        .select((summary_columns(), compounds::latitude, compounds::longitude))
        .first(conn)
        .optional()?;
    let Some((row, latitude, longitude)) = row else {
        return Ok(None);
    };
    let list: Vec<(i64, String, i32, i32)> = buildings::table
        .filter(buildings::compound_id.eq(id))
        .order(buildings::id)
        .select((
            buildings::id,
            buildings::name,
            buildings::units,
            buildings::floors,
        ))
        .load(conn)?;
    let ids: Vec<i64> = list.iter().map(|b| b.0).collect();
    let households: HashMap<i64, i64> = households::table
        .filter(households::building_id.eq_any(&ids))
        .group_by(households::building_id)
        .select((households::building_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let buildings = list
        .into_iter()
        .map(|(id, name, units, floors)| BuildingView {
            household_count: households.get(&id).copied().unwrap_or(0),
            id,
            name,
            units,
            floors,
        })
        .collect::<Vec<_>>();
    let n = buildings.len() as i64;
    Ok(Some(CompoundDetail {
        compound: to_summary(row, n),
        latitude,
        longitude,
        buildings,
    }))
}

/// The full address of a household.
pub fn household_address(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<AddressView>> {
    let row = households::table
        .inner_join(
            buildings::table.inner_join(
                compounds::table
                    .inner_join(communities::table)
                    .inner_join(grids::table),
            ),
        )
        .filter(households::id.eq(household_id))
        .select((
            households::unit,
            households::room,
            buildings::id,
            buildings::name,
            compounds::id,
            compounds::name,
            grids::id,
            grids::name,
            communities::id,
            communities::name,
        ))
        .first::<(
            i32,
            String,
            i64,
            String,
            i64,
            String,
            i64,
            String,
            i64,
            String,
        )>(conn)
        .optional()?;
    Ok(row.map(
        |(unit, room, b_id, b_name, c_id, c_name, g_id, g_name, m_id, m_name)| AddressView {
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
            unit: Some(unit),
            room: Some(room),
        },
    ))
}
