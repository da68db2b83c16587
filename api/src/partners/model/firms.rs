//! Firms and the compounds they serve: registered and changed by staff; a compound has at
//! most one firm (a UNIQUE key on `partner_compounds.compound_id`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{compounds, partner_compounds as pcmp, partners as p, piles};
use crate::db::{self, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::partners::dto::{PartnerCompoundView, PartnerStatus, PartnerView};

fn set_compounds(
    conn: &mut DbConn,
    partner_id: i64,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<()> {
    let found: i64 = compounds::table
        .filter(compounds::id.eq_any(compound_ids))
        .count()
        .get_result(conn)?;
    if usize::try_from(found).unwrap_or(0) != compound_ids.len() {
        return Err(ApiError::validation(
            "compound_ids",
            "unknown or repeated compound id",
        ));
    }
    diesel::delete(pcmp::table.filter(pcmp::partner_id.eq(partner_id))).execute(conn)?;
    for c in compound_ids {
        let r = diesel::insert_into(pcmp::table)
            .values((
                pcmp::partner_id.eq(partner_id),
                pcmp::compound_id.eq(c),
                pcmp::created_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => {}
            Err(e) if db::is_unique_violation(&e) => {
                return Err(ApiError::new(ErrorCode::ValidationFailed)
                    .with_field("compound_ids")
                    .with_reason(format!("compound {c} is served by another firm")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub fn create_partner(
    conn: &mut DbConn,
    name: &str,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<i64> {
    db::transaction(conn, |c| {
        let r = diesel::insert_into(p::table)
            .values((
                p::name.eq(name),
                p::status.eq(PartnerStatus::Active),
                p::created_at.eq(now),
            ))
            .execute(c);
        match r {
            Ok(_) => {}
            Err(e) if db::is_unique_violation(&e) => {
                return Err(ApiError::validation("name", "a firm with this name exists"));
            }
            Err(e) => return Err(e.into()),
        }
        let id = last_insert_id(c)?;
        set_compounds(c, id, compound_ids, now)?;
        Ok(id)
    })
}

pub fn replace_compounds(
    conn: &mut DbConn,
    partner_id: i64,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<()> {
    db::transaction(conn, |c| {
        partner_view(c, partner_id)?.ok_or_else(ApiError::not_found)?;
        set_compounds(c, partner_id, compound_ids, now)
    })
}

pub fn partner_view(conn: &mut DbConn, id: i64) -> ApiResult<Option<PartnerView>> {
    let row: Option<(i64, String, PartnerStatus, NaiveDateTime)> = p::table
        .find(id)
        .select((p::id, p::name, p::status, p::created_at))
        .first(conn)
        .optional()?;
    let Some((id, name, status, created_at)) = row else {
        return Ok(None);
    };
    Ok(Some(PartnerView {
        id,
        name,
        status,
        compound_ids: compound_ids(conn, id)?,
        created_at: created_at.and_utc(),
    }))
}

pub fn list_partners(conn: &mut DbConn) -> ApiResult<Vec<PartnerView>> {
    let ids: Vec<i64> = p::table.order(p::id).select(p::id).load(conn)?;
    ids.into_iter()
        .filter_map(|id| partner_view(conn, id).transpose())
        .collect()
}

pub fn compound_ids(conn: &mut DbConn, partner_id: i64) -> ApiResult<Vec<i64>> {
    Ok(pcmp::table
        .filter(pcmp::partner_id.eq(partner_id))
        .order(pcmp::compound_id)
        .select(pcmp::compound_id)
        .load(conn)?)
}

pub fn partner_compounds(
    conn: &mut DbConn,
    partner_id: i64,
) -> ApiResult<Vec<PartnerCompoundView>> {
    let rows: Vec<(i64, String, String)> = compounds::table
        .inner_join(pcmp::table)
        .filter(pcmp::partner_id.eq(partner_id))
        .order(compounds::id)
        .select((compounds::id, compounds::code, compounds::name))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, code, name)| {
            let pile_count = piles::table
                .filter(piles::compound_id.eq(id))
                .count()
                .get_result(conn)?;
            Ok(PartnerCompoundView {
                id,
                code,
                name,
                pile_count,
            })
        })
        .collect()
}
