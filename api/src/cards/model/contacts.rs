//! Role contacts (三长三员一民警): the named people a building's card lists for each of the
//! seven roles, and how staff add, correct and retire them. What they cover is in
//! [`super::assignments`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{assignments, stored_role, RETIRED, SERVING};
use crate::cards::dto::{CreateRoleContact, RoleContactFilter, RoleContactView, UpdateRoleContact};
use crate::db::paging::PageRequest;
use crate::db::schema::{communities, role_assignments as ra, role_contacts as rc};
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::directory::dto::{EntryStatus, EntryStatusFilter};
use crate::directory::rules::{required_text, valid_phone};
use crate::error::{ApiError, ApiResult, ErrorCode};

type ContactRow = (i64, i64, String, String, String, EntryStatus, NaiveDateTime);

fn contact_columns() -> (
    rc::id,
    rc::community_id,
    rc::role,
    rc::name,
    rc::phone,
    rc::status,
    rc::last_confirmed_at,
) {
    (
        rc::id,
        rc::community_id,
        rc::role,
        rc::name,
        rc::phone,
        rc::status,
        rc::last_confirmed_at,
    )
}

fn contact_views(conn: &mut DbConn, rows: Vec<ContactRow>) -> ApiResult<Vec<RoleContactView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut by_contact = assignments::of_contacts(conn, &ids)?;
    rows.into_iter()
        .map(|(id, community_id, role, name, phone, status, confirmed)| {
            let role = stored_role(&role)?;
            Ok(RoleContactView {
                id,
                community_id,
                role,
                title: role.title().to_owned(),
                name,
                phone,
                status,
                last_confirmed_at: confirmed.and_utc(),
                assignments: by_contact.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

/// One role contact with its assignments.
pub fn role_contact(conn: &mut DbConn, id: i64) -> ApiResult<Option<RoleContactView>> {
    let rows: Vec<ContactRow> = rc::table
        .filter(rc::id.eq(id))
        .select(contact_columns())
        .load(conn)?;
    Ok(contact_views(conn, rows)?.pop())
}

/// Role contacts by community, role, name and status, one page.
pub fn list_role_contacts(
    conn: &mut DbConn,
    filter: &RoleContactFilter,
    page: PageRequest,
) -> ApiResult<(Vec<RoleContactView>, i64)> {
    let status = match filter.status.unwrap_or(EntryStatusFilter::Active) {
        EntryStatusFilter::Active => Some(SERVING),
        EntryStatusFilter::Retired => Some(RETIRED),
        EntryStatusFilter::All => None,
    };
    let q = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if q.is_some_and(|t| t.chars().count() > 64) {
        return Err(ApiError::validation("q", "must be at most 64 characters"));
    }
    let query = || {
        let mut x = rc::table.into_boxed();
        if let Some(c) = filter.community_id {
            x = x.filter(rc::community_id.eq(c));
        }
        if let Some(r) = filter.role {
            x = x.filter(rc::role.eq(r.as_str()));
        }
        if let Some(t) = q {
            x = x.filter(rc::name.like(like_contains(t)).escape('\\'));
        }
        if let Some(s) = status {
            x = x.filter(rc::status.eq(s));
        }
        x
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<ContactRow> = query()
        .order(rc::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(contact_columns())
        .load(conn)?;
    Ok((contact_views(conn, rows)?, total))
}

fn checked_name_phone(
    name: Option<&str>,
    phone: Option<&str>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let name = name
        .map(|n| required_text(n, 64).map_err(|r| ApiError::validation("name", r)))
        .transpose()?;
    let phone = phone
        .map(|p| {
            let p = p.trim();
            if valid_phone(p) {
                Ok(p.to_owned())
            } else {
                Err(ApiError::validation(
                    "phone",
                    "must be a phone number (3 to 20 digits, optional +, - or spaces)",
                ))
            }
        })
        .transpose()?;
    Ok((name, phone))
}

/// Create a role contact; returns its id.
pub fn create_role_contact(
    conn: &mut DbConn,
    input: &CreateRoleContact,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let (name, phone) = checked_name_phone(Some(&input.name), Some(&input.phone))?;
    let community: i64 = communities::table
        .filter(communities::id.eq(input.community_id))
        .count()
        .get_result(conn)?;
    if community == 0 {
        return Err(ApiError::validation("community_id", "no such community"));
    }
    diesel::insert_into(rc::table)
        .values((
            rc::community_id.eq(input.community_id),
            rc::role.eq(input.role.as_str()),
            rc::name.eq(name.unwrap_or_default()),
            rc::phone.eq(phone.unwrap_or_default()),
            rc::status.eq(SERVING),
            rc::last_confirmed_at.eq(now),
            rc::created_at.eq(now),
            rc::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

fn contact_missing_or_retired(conn: &mut DbConn, id: i64) -> ApiResult<ApiError> {
    let exists: i64 = rc::table.filter(rc::id.eq(id)).count().get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::RoleContactRetired)
    })
}

/// Change an active role contact's name or phone; marks it confirmed now.
pub fn update_role_contact(
    conn: &mut DbConn,
    id: i64,
    input: &UpdateRoleContact,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (name, phone) = checked_name_phone(input.name.as_deref(), input.phone.as_deref())?;
    let target = rc::table.filter(rc::id.eq(id).and(rc::status.eq(SERVING)));
    let changed = diesel::update(target)
        .set((rc::last_confirmed_at.eq(now), rc::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(contact_missing_or_retired(conn, id)?);
    }
    if let Some(n) = name {
        diesel::update(rc::table.find(id))
            .set(rc::name.eq(n))
            .execute(conn)?;
    }
    if let Some(p) = phone {
        diesel::update(rc::table.find(id))
            .set(rc::phone.eq(p))
            .execute(conn)?;
    }
    Ok(())
}

/// Retire a role contact who no longer covers anything (reassign their places first, so no
/// building is left without its contact by accident).
pub fn retire_role_contact(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let assigned: i64 = ra::table
        .filter(ra::role_contact_id.eq(id))
        .count()
        .get_result(conn)?;
    if assigned > 0 {
        return Err(ApiError::new(ErrorCode::RoleContactInUse)
            .with_details(serde_json::json!({"assignments": assigned})));
    }
    let changed = diesel::update(rc::table.filter(rc::id.eq(id).and(rc::status.eq(SERVING))))
        .set((rc::status.eq(RETIRED), rc::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(contact_missing_or_retired(conn, id)?);
    }
    // An assignment committed while this update waited for the row would now point at a
    // retired contact: look again after taking the row.
    let assigned: i64 = ra::table
        .filter(ra::role_contact_id.eq(id))
        .count()
        .get_result(conn)?;
    if assigned > 0 {
        return Err(ApiError::new(ErrorCode::RoleContactInUse));
    }
    Ok(())
}
