//! Bookings in a firm's compounds (without resident identity) and their utilisation per pile
//! and day.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use chrono::Duration;

use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::Path;
use crate::http::Query;
use crate::partners::dto::{
    PartnerBookingFilter, PartnerBookingView, UtilisationQuery, UtilisationRow,
};
use crate::partners::model::scoping;
use crate::partners::{reports, Partner, Scope};
use crate::state::AppState;

/// Bookings in my compounds (no resident identity), newest first.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(PartnerBookingFilter),
    responses((status = 200, description = "One page of bookings", body = Page<PartnerBookingView>))
)]
#[get("/partner/bookings")]
pub async fn bookings(
    state: web::Data<AppState>,
    partner: Partner,
    filter: Query<PartnerBookingFilter>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::BookingsRead)?;
    let f = filter.0;
    let page = PageParams {
        page: f.page,
        per_page: f.per_page,
    }
    .validate()?;
    let q = reports::BookingQuery {
        from: f.from.map(reports::local_day_start),
        to: f
            .to
            .map(|d| reports::local_day_start(d + Duration::days(1))),
        compound_id: f.compound_id,
        socket_id: f.socket_id,
        status: f.status,
    };
    let pid = partner.partner_id;
    let (items, total) = state
        .db(move |conn| {
            if let Some(c) = q.compound_id {
                scoping::owns_compound(conn, pid, c)?;
            }
            if let Some(s) = q.socket_id {
                scoping::owned_socket(conn, pid, s)?;
            }
            reports::bookings(conn, pid, &q, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// One booking in my compounds.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(("id" = i64, Path, description = "Booking id")),
    responses((status = 200, description = "The booking", body = PartnerBookingView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/bookings/{id}")]
pub async fn booking(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::BookingsRead)?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let view = state
        .db(move |conn| {
            scoping::owned_booking(conn, pid, id)?;
            reports::booking(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Utilisation per pile and day: booked hours, used hours, no-shows, cancellations. JSON, or
/// CSV with `format=csv`.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(UtilisationQuery),
    responses((status = 200, description = "Rows by date and pile", body = Vec<UtilisationRow>, content_type = "application/json"))
)]
#[get("/partner/reports/utilisation")]
pub async fn utilisation(
    state: web::Data<AppState>,
    partner: Partner,
    query: Query<UtilisationQuery>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::BookingsRead)?;
    let q = query.0;
    let today = state
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or(to - Duration::days(6));
    if from > to || (to - from).num_days() > 61 {
        return Err(ApiError::validation(
            "from",
            "must be on or before `to`, at most 62 days",
        ));
    }
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ApiError::validation("format", "json or csv")),
    };
    let pid = partner.partner_id;
    let rows = state
        .db(move |conn| reports::utilisation(conn, pid, from, to))
        .await?;
    if csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"utilisation-{from}-{to}.csv\""),
            ))
            .body(reports::utilisation_csv(&rows)?));
    }
    Ok(HttpResponse::Ok().json(rows))
}
