//! Services (HSDS `service`): one in full, the ids a search matches, and staff edits (create,
//! change, retire, confirm), which replace the lists that were sent: locations, phones,
//! contacts and hours. Edits run inside [`crate::directory::stamp::edit`].

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::{categories, check_community, hours, locations, organizations, ACTIVE, RETIRED};
use crate::db::schema::{contacts, phones, service_at_locations as sal, services};
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::directory::dto::EntryStatus;
use crate::directory::dto::{
    ContactView, CreateService, ExceptionView, PhoneView, ServiceDetail, UpdateService,
    WeeklyHoursView,
};
use crate::directory::rules::{self, DatedException, ServiceLists, WeeklyHours};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// One service in full, retired or not.
pub fn service_detail(
    conn: &mut DbConn,
    id: i64,
    now: DateTime<Utc>,
) -> ApiResult<Option<ServiceDetail>> {
    type Row = (
        i64,
        String,
        String,
        EntryStatus,
        i64,
        i64,
        Option<i64>,
        NaiveDateTime,
        NaiveDateTime,
    );
    let row: Option<Row> = services::table
        .find(id)
        .select((
            services::id,
            services::name,
            services::description,
            services::status,
            services::organization_id,
            services::category_id,
            services::community_id,
            services::last_confirmed_at,
            services::updated_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, description, status, org_id, cat_id, community_id, confirmed, updated)) =
        row
    else {
        return Ok(None);
    };
    let all = categories::all(conn)?;
    let category = all
        .get(&cat_id)
        .map(categories::category_ref)
        .ok_or_else(|| ApiError::internal("service without category"))?;
    let organization = organizations::organization(conn, org_id)?
        .ok_or_else(|| ApiError::internal("service without org"))?;
    let locations = locations::of_service(conn, id)?;
    let phone_rows: Vec<(String, String)> = phones::table
        .filter(phones::service_id.eq(id))
        .order(phones::id)
        .select((phones::number, phones::description))
        .load(conn)?;
    let contact_rows: Vec<(String, String, Option<String>)> = contacts::table
        .filter(contacts::service_id.eq(id))
        .order(contacts::id)
        .select((contacts::name, contacts::title, contacts::phone))
        .load(conn)?;
    let weekly: Vec<WeeklyHours> = hours::weekly(conn, Some(id))?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    let exceptions: Vec<DatedException> = hours::exceptions(conn, Some(id))?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let open_now = status == ACTIVE && rules::is_open(now, &weekly, &exceptions);
    Ok(Some(ServiceDetail {
        id,
        name,
        description,
        status,
        category_path: categories::category_path(&all, cat_id),
        category,
        organization,
        community_id,
        locations,
        phones: phone_rows
            .into_iter()
            .map(|(number, description)| PhoneView {
                number,
                description,
            })
            .collect(),
        contacts: contact_rows
            .into_iter()
            .map(|(name, title, phone)| ContactView { name, title, phone })
            .collect(),
        schedule: weekly
            .iter()
            .map(|h| WeeklyHoursView {
                weekday: h.weekday,
                opens_at: rules::fmt_hhmm(h.opens),
                closes_at: rules::fmt_hhmm(h.closes),
            })
            .collect(),
        exceptions: exceptions
            .iter()
            .map(|e| ExceptionView {
                date: e.date.format("%Y-%m-%d").to_string(),
                closed: e.closed,
                opens_at: e.opens.map(rules::fmt_hhmm),
                closes_at: e.closes.map(rules::fmt_hhmm),
                note: e.note.clone(),
            })
            .collect(),
        open_now,
        last_confirmed_at: confirmed.and_utc(),
        updated_at: updated.and_utc(),
    }))
}

/// Ids of active services whose name or description contains `q` (a plain substring, also
/// for Chinese), in the given categories and community, in id order.
pub fn matching_service_ids(
    conn: &mut DbConn,
    q: Option<&str>,
    categories: Option<&[i64]>,
    community_id: Option<i64>,
) -> ApiResult<Vec<i64>> {
    let mut query = services::table
        .filter(services::status.eq(ACTIVE))
        .into_boxed();
    if let Some(text) = q {
        let pattern = like_contains(text);
        query = query.filter(
            services::name
                .like(pattern.clone())
                .escape('\\')
                .or(services::description.like(pattern).escape('\\')),
        );
    }
    if let Some(ids) = categories {
        query = query.filter(services::category_id.eq_any(ids.to_vec()));
    }
    if let Some(c) = community_id {
        query = query.filter(services::community_id.eq(c));
    }
    Ok(query.order(services::id).select(services::id).load(conn)?)
}

/// Replace the lists that were sent.
fn store_lists(
    conn: &mut DbConn,
    service_id: i64,
    locations_ids: Option<&[i64]>,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if let Some(ids) = locations_ids {
        diesel::delete(sal::table.filter(sal::service_id.eq(service_id))).execute(conn)?;
        for id in ids {
            diesel::insert_into(sal::table)
                .values((sal::service_id.eq(service_id), sal::location_id.eq(id)))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.phones {
        diesel::delete(phones::table.filter(phones::service_id.eq(service_id))).execute(conn)?;
        for p in list {
            diesel::insert_into(phones::table)
                .values((
                    phones::service_id.eq(service_id),
                    phones::number.eq(&p.number),
                    phones::description.eq(&p.description),
                    phones::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.contacts {
        diesel::delete(contacts::table.filter(contacts::service_id.eq(service_id)))
            .execute(conn)?;
        for c in list {
            diesel::insert_into(contacts::table)
                .values((
                    contacts::service_id.eq(service_id),
                    contacts::name.eq(&c.name),
                    contacts::title.eq(&c.title),
                    contacts::phone.eq(c.phone.as_deref()),
                    contacts::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.weekly {
        hours::replace_weekly(conn, service_id, list, now)?;
    }
    if let Some(list) = &lists.exceptions {
        hours::replace_exceptions(conn, service_id, list, now)?;
    }
    Ok(())
}

/// Create a service (inside a staff edit). Returns its id.
pub fn create_service(
    conn: &mut DbConn,
    input: &CreateService,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let name = input.name.as_str();
    if !organizations::is_active(conn, input.organization_id)? {
        return Err(ApiError::validation(
            "organization_id",
            "no such active organization",
        ));
    }
    categories::check_exists(conn, input.category_id)?;
    check_community(conn, "community_id", input.community_id)?;
    locations::check_ids(conn, &input.location_ids)?;
    diesel::insert_into(services::table)
        .values((
            services::organization_id.eq(input.organization_id),
            services::category_id.eq(input.category_id),
            services::community_id.eq(input.community_id),
            services::name.eq(&name),
            services::description.eq(input.description.trim()),
            services::status.eq(ACTIVE),
            services::last_confirmed_at.eq(now),
            services::created_at.eq(now),
            services::updated_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    store_lists(conn, id, Some(&input.location_ids), lists, now)?;
    Ok(id)
}

/// Change an active service; marks it confirmed now.
pub fn update_service(
    conn: &mut DbConn,
    id: i64,
    input: &UpdateService,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let status: Option<EntryStatus> = services::table
        .find(id)
        .select(services::status)
        .first(conn)
        .optional()?;
    match status {
        None => return Err(ApiError::not_found()),
        Some(RETIRED) => return Err(ApiError::new(ErrorCode::ServiceRetired)),
        _ => {}
    }
    if let Some(c) = input.category_id {
        categories::check_exists(conn, c)?;
    }
    if let Some(ids) = &input.location_ids {
        locations::check_ids(conn, ids)?;
    }
    let name = input.name.as_deref();
    // Conditional on still being active: a concurrent retire wins cleanly.
    let target = services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE)));
    let changed = diesel::update(target)
        .set((
            services::last_confirmed_at.eq(now),
            services::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::new(ErrorCode::ServiceRetired));
    }
    if let Some(c) = input.category_id {
        diesel::update(services::table.find(id))
            .set(services::category_id.eq(c))
            .execute(conn)?;
    }
    if let Some(n) = name {
        diesel::update(services::table.find(id))
            .set(services::name.eq(n))
            .execute(conn)?;
    }
    if let Some(d) = &input.description {
        diesel::update(services::table.find(id))
            .set(services::description.eq(d.trim()))
            .execute(conn)?;
    }
    store_lists(conn, id, input.location_ids.as_deref(), lists, now)
}

/// Retire an active service (it disappears from cards and search; its history stays).
pub fn retire_service(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE))),
    )
    .set((
        services::status.eq(RETIRED),
        services::retired_at.eq(Some(now)),
        services::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(service_missing_or_retired(conn, id)?);
    }
    Ok(())
}

/// Mark an active service confirmed now, unchanged.
pub fn confirm_service(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE))),
    )
    .set(services::last_confirmed_at.eq(now))
    .execute(conn)?;
    if changed == 0 {
        return Err(service_missing_or_retired(conn, id)?);
    }
    Ok(())
}

/// The error for a service that a conditional update did not find active.
pub fn service_missing_or_retired(conn: &mut DbConn, id: i64) -> ApiResult<ApiError> {
    let exists: i64 = services::table
        .filter(services::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::ServiceRetired)
    })
}
