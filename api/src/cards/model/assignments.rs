//! Role assignments: which role contact covers a compound (every building in it without its
//! own holder of the role) or one building. One holder per place and role, kept by UNIQUE keys.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{stored_role, SERVING};
use crate::cards::dto::{AssignmentView, CreateAssignment};
use crate::db::schema::{buildings, compounds, role_assignments as ra, role_contacts as rc};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

type AssignmentRow = (i64, i64, String, Option<i64>, Option<i64>);

fn view(r: AssignmentRow) -> ApiResult<AssignmentView> {
    Ok(AssignmentView {
        id: r.0,
        role_contact_id: r.1,
        role: stored_role(&r.2)?,
        compound_id: r.3,
        building_id: r.4,
    })
}

fn columns() -> (
    ra::id,
    ra::role_contact_id,
    ra::role,
    ra::compound_id,
    ra::building_id,
) {
    (
        ra::id,
        ra::role_contact_id,
        ra::role,
        ra::compound_id,
        ra::building_id,
    )
}

/// The assignments of these role contacts, by contact.
pub fn of_contacts(
    conn: &mut DbConn,
    contact_ids: &[i64],
) -> ApiResult<HashMap<i64, Vec<AssignmentView>>> {
    let rows: Vec<AssignmentRow> = ra::table
        .filter(ra::role_contact_id.eq_any(contact_ids))
        .order(ra::id)
        .select(columns())
        .load(conn)?;
    let mut by_contact: HashMap<i64, Vec<AssignmentView>> = HashMap::new();
    for r in rows {
        by_contact.entry(r.1).or_default().push(view(r)?);
    }
    Ok(by_contact)
}

/// Assignments of a contact, a compound or a building.
pub fn list_assignments(
    conn: &mut DbConn,
    contact: Option<i64>,
    compound: Option<i64>,
    building: Option<i64>,
) -> ApiResult<Vec<AssignmentView>> {
    let mut q = ra::table.into_boxed();
    if let Some(c) = contact {
        q = q.filter(ra::role_contact_id.eq(c));
    }
    if let Some(c) = compound {
        q = q.filter(ra::compound_id.eq(c));
    }
    if let Some(b) = building {
        q = q.filter(ra::building_id.eq(b));
    }
    let rows: Vec<AssignmentRow> = q.order(ra::id).limit(1000).select(columns()).load(conn)?;
    rows.into_iter().map(view).collect()
}

/// Assign a contact to a compound or building, replacing whoever held the role there.
pub fn assign(
    conn: &mut DbConn,
    input: &CreateAssignment,
    now: NaiveDateTime,
) -> ApiResult<AssignmentView> {
    let contact: Option<(i64, String, String)> = rc::table
        .find(input.role_contact_id)
        .select((rc::community_id, rc::role, rc::status))
        .first(conn)
        .optional()?;
    let Some((community, role, _)) = contact else {
        return Err(ApiError::validation(
            "role_contact_id",
            "no such role contact",
        ));
    };
    // A conditional update, not the status read above, decides against a concurrent retire:
    // it locks the contact's row until this transaction ends.
    let still_active = diesel::update(
        rc::table.filter(rc::id.eq(input.role_contact_id).and(rc::status.eq(SERVING))),
    )
    .set(rc::updated_at.eq(now))
    .execute(conn)?;
    if still_active == 0 {
        return Err(ApiError::new(ErrorCode::RoleContactRetired));
    }
    let place_community: Option<i64> = match (input.compound_id, input.building_id) {
        (Some(c), None) => compounds::table
            .find(c)
            .select(compounds::community_id)
            .first(conn)
            .optional()?,
        (None, Some(b)) => buildings::table
            .inner_join(compounds::table)
            .filter(buildings::id.eq(b))
            .select(compounds::community_id)
            .first(conn)
            .optional()?,
        _ => {
            return Err(ApiError::validation(
                "compound_id",
                "name exactly one of compound_id and building_id",
            ))
        }
    };
    let field = if input.compound_id.is_some() {
        "compound_id"
    } else {
        "building_id"
    };
    let Some(place_community) = place_community else {
        return Err(ApiError::validation(field, "no such place"));
    };
    if place_community != community {
        return Err(ApiError::new(ErrorCode::RoleContactWrongCommunity)
            .with_field(field)
            .with_details(serde_json::json!({
                "contact_community_id": community,
                "place_community_id": place_community,
            })));
    }
    // Replace the current holder; the UNIQUE keys refuse a second holder if two staff
    // members assign the same place and role at once.
    match input.compound_id {
        Some(c) => diesel::delete(ra::table.filter(ra::compound_id.eq(c).and(ra::role.eq(&role))))
            .execute(conn)?,
        None => diesel::delete(
            ra::table.filter(
                ra::building_id
                    .eq(input.building_id)
                    .and(ra::role.eq(&role)),
            ),
        )
        .execute(conn)?,
    };
    diesel::insert_into(ra::table)
        .values((
            ra::role_contact_id.eq(input.role_contact_id),
            ra::role.eq(&role),
            ra::compound_id.eq(input.compound_id),
            ra::building_id.eq(input.building_id),
            ra::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    Ok(AssignmentView {
        id,
        role_contact_id: input.role_contact_id,
        role: stored_role(&role)?,
        compound_id: input.compound_id,
        building_id: input.building_id,
    })
}

/// Remove an assignment.
pub fn unassign(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    let n = diesel::delete(ra::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}
