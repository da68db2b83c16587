//! Residents' reports of wrong entries, and how staff close them. One open report per reporter
//! and entry (the `open_key` UNIQUE key); resolving is a conditional update, so two staff
//! members cannot both resolve the same report.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dto::EntryStatus;
use super::dto::{
    CreateReport, ReportFilter, ReportKind, ReportStatus, ReportStatusFilter, ReportView,
    Resolution,
};
use super::model::ACTIVE;
use crate::db::paging::PageRequest;
use crate::db::schema::{directory_reports as dr, role_contacts, services};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

const OPEN: ReportStatus = ReportStatus::Open;

/// File a report; returns it.
pub fn create(
    conn: &mut DbConn,
    reporter: i64,
    input: &CreateReport,
    now: NaiveDateTime,
) -> ApiResult<ReportView> {
    let message = input.message.as_str();
    if input.kind == ReportKind::Other && message.is_empty() {
        return Err(ApiError::validation("message", "say what is wrong"));
    }
    let open_key = match (input.service_id, input.role_contact_id) {
        (Some(s), None) => {
            let status: Option<EntryStatus> = services::table
                .find(s)
                .select(services::status)
                .first(conn)
                .optional()?;
            match status {
                None => return Err(ApiError::validation("service_id", "no such service")),
                Some(ACTIVE) => {}
                Some(_) => return Err(ApiError::new(ErrorCode::ServiceRetired)),
            }
            format!("{reporter}:s{s}")
        }
        (None, Some(r)) => {
            let status: Option<EntryStatus> = role_contacts::table
                .find(r)
                .select(role_contacts::status)
                .first(conn)
                .optional()?;
            match status {
                None => {
                    return Err(ApiError::validation(
                        "role_contact_id",
                        "no such role contact",
                    ))
                }
                Some(ACTIVE) => {}
                Some(_) => return Err(ApiError::new(ErrorCode::RoleContactRetired)),
            }
            format!("{reporter}:r{r}")
        }
        _ => {
            return Err(ApiError::validation(
                "service_id",
                "name exactly one of service_id and role_contact_id",
            ))
        }
    };
    let inserted = diesel::insert_into(dr::table)
        .values((
            dr::service_id.eq(input.service_id),
            dr::role_contact_id.eq(input.role_contact_id),
            dr::reporter_id.eq(reporter),
            dr::kind.eq(input.kind.as_str()),
            dr::message.eq(message),
            dr::status.eq(OPEN),
            dr::open_key.eq(Some(&open_key)),
            dr::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(ApiError::new(ErrorCode::ReportAlreadyOpen))
        }
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    let id = last_insert_id(conn)?;
    find(conn, id)?.ok_or_else(|| ApiError::internal("report vanished"))
}

type Row = (
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
    ReportStatus,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn load(conn: &mut DbConn, ids: Vec<i64>) -> ApiResult<Vec<ReportView>> {
    let rows: Vec<Row> = dr::table
        .left_join(services::table)
        .left_join(role_contacts::table)
        .filter(dr::id.eq_any(&ids))
        .order((dr::created_at, dr::id))
        .select((
            dr::id,
            dr::service_id,
            dr::role_contact_id,
            dr::kind,
            dr::message,
            dr::status,
            dr::created_at,
            dr::resolved_at,
            dr::resolution_note,
            services::name.nullable(),
            role_contacts::name.nullable(),
            role_contacts::role.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let subject = match (r.9, r.10, r.11) {
                (Some(s), _, _) => s,
                (None, Some(name), Some(role)) => {
                    let title = super::roles::ContactRole::parse(&role)
                        .map(|r| r.title())
                        .unwrap_or("");
                    format!("{title} {name}")
                }
                _ => String::new(),
            };
            ReportView {
                id: r.0,
                service_id: r.1,
                role_contact_id: r.2,
                subject,
                kind: ReportKind::parse(&r.3),
                message: r.4,
                status: r.5,
                created_at: r.6.and_utc(),
                resolved_at: r.7.map(|t| t.and_utc()),
                resolution_note: r.8,
            }
        })
        .collect())
}

/// One report.
pub fn find(conn: &mut DbConn, id: i64) -> ApiResult<Option<ReportView>> {
    Ok(load(conn, vec![id])?.pop())
}

/// Reports by status (open first-come first-served), one page.
pub fn list(
    conn: &mut DbConn,
    filter: &ReportFilter,
    page: PageRequest,
) -> ApiResult<(Vec<ReportView>, i64)> {
    let status = match filter.status.unwrap_or(ReportStatusFilter::Open) {
        ReportStatusFilter::Open => Some(ReportStatus::Open),
        ReportStatusFilter::Fixed => Some(ReportStatus::Fixed),
        ReportStatusFilter::Dismissed => Some(ReportStatus::Dismissed),
        ReportStatusFilter::All => None,
    };
    let filtered = || {
        let q = dr::table.into_boxed();
        match status {
            None => q,
            Some(s) => q.filter(dr::status.eq(s)),
        }
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let ids: Vec<i64> = filtered()
        .order((dr::created_at, dr::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(dr::id)
        .load(conn)?;
    Ok((load(conn, ids)?, total))
}

/// Close an open report. `fixed` marks the reported entry confirmed now.
pub fn resolve(
    conn: &mut DbConn,
    id: i64,
    staff: i64,
    resolution: Resolution,
    note: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<ReportView> {
    let status = match resolution {
        Resolution::Fixed => ReportStatus::Fixed,
        Resolution::Dismissed => ReportStatus::Dismissed,
    };
    let changed = diesel::update(dr::table.filter(dr::id.eq(id).and(dr::status.eq(OPEN))))
        .set((
            dr::status.eq(status),
            dr::open_key.eq(None::<String>),
            dr::resolved_at.eq(Some(now)),
            dr::resolved_by.eq(Some(staff)),
            dr::resolution_note.eq(note),
        ))
        .execute(conn)?;
    if changed == 0 {
        let exists: i64 = dr::table.filter(dr::id.eq(id)).count().get_result(conn)?;
        return Err(if exists == 0 {
            ApiError::not_found()
        } else {
            ApiError::new(ErrorCode::ReportNotOpen)
        });
    }
    let (service, contact): (Option<i64>, Option<i64>) = dr::table
        .find(id)
        .select((dr::service_id, dr::role_contact_id))
        .first(conn)?;
    if resolution == Resolution::Fixed {
        if let Some(s) = service {
            diesel::update(services::table.find(s))
                .set(services::last_confirmed_at.eq(now))
                .execute(conn)?;
        }
        if let Some(c) = contact {
            diesel::update(role_contacts::table.find(c))
                .set(role_contacts::last_confirmed_at.eq(now))
                .execute(conn)?;
        }
    }
    find(conn, id)?.ok_or_else(|| ApiError::internal("report vanished"))
}
