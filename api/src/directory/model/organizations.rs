//! Organizations (HSDS `organization`): who offers services. Names are unique.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ACTIVE;
use crate::db::paging::PageRequest;
use crate::db::schema::organizations;
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::directory::dto::{CreateOrganization, OrganizationView};
use crate::error::{ApiError, ApiResult, ErrorCode};

type Row = (
    i64,
    String,
    String,
    Option<String>,
    super::EntryStatus,
    NaiveDateTime,
);

fn columns() -> (
    organizations::id,
    organizations::name,
    organizations::description,
    organizations::url,
    organizations::status,
    organizations::last_confirmed_at,
) {
    (
        organizations::id,
        organizations::name,
        organizations::description,
        organizations::url,
        organizations::status,
        organizations::last_confirmed_at,
    )
}

fn view((id, name, description, url, status, confirmed): Row) -> OrganizationView {
    OrganizationView {
        id,
        name,
        description,
        url,
        status,
        last_confirmed_at: confirmed.and_utc(),
    }
}

/// One organization, active or not.
pub fn organization(conn: &mut DbConn, id: i64) -> ApiResult<Option<OrganizationView>> {
    let row: Option<Row> = organizations::table
        .find(id)
        .select(columns())
        .first(conn)
        .optional()?;
    Ok(row.map(view))
}

/// Organizations, by name filter, one page.
pub fn list_organizations(
    conn: &mut DbConn,
    q: Option<&str>,
    page: PageRequest,
) -> ApiResult<(Vec<OrganizationView>, i64)> {
    let query = || {
        let mut x = organizations::table.into_boxed();
        if let Some(t) = q {
            x = x.filter(organizations::name.like(like_contains(t)).escape('\\'));
        }
        x
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Row> = query()
        .order(organizations::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(columns())
        .load(conn)?;
    Ok((rows.into_iter().map(view).collect(), total))
}

/// Whether an active organization has this id (a new service must name one).
pub fn is_active(conn: &mut DbConn, id: i64) -> ApiResult<bool> {
    let n: i64 = organizations::table
        .filter(organizations::id.eq(id))
        .filter(organizations::status.eq(ACTIVE))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Whether an organization, active or not, has this id.
pub fn exists(conn: &mut DbConn, id: i64) -> ApiResult<bool> {
    let n: i64 = organizations::table
        .filter(organizations::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Create an organization; a taken name → 409.
pub fn create_organization(
    conn: &mut DbConn,
    input: &CreateOrganization,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let name = input.name.as_str();
    if input.url.as_deref().is_some_and(|u| u.len() > 255) {
        return Err(ApiError::validation(
            "url",
            "must be at most 255 characters",
        ));
    }
    let res = diesel::insert_into(organizations::table)
        .values((
            organizations::name.eq(&name),
            organizations::description.eq(input.description.trim()),
            organizations::url.eq(input.url.as_deref()),
            organizations::status.eq(ACTIVE),
            organizations::last_confirmed_at.eq(now),
            organizations::created_at.eq(now),
            organizations::updated_at.eq(now),
        ))
        .execute(conn);
    match res {
        Err(e) if crate::db::is_unique_violation(&e) => {
            Err(ApiError::new(ErrorCode::OrganizationNameTaken).with_field("name"))
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(last_insert_id(conn)?),
    }
}
