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

/// 本物业小区的预约列表（不含住户身份），最新在前（Bookings in my compounds, newest first）。
///
/// 本物业所服务小区的预约，按开始时间从新到旧分页。可按开始日期（当地日期 `from`、`to`）、小区、
/// 插座和状态筛选。不含住户或家庭身份。需要权限范围 `bookings:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(PartnerBookingFilter),
    responses((status = 200, description = "一页预约", body = Page<PartnerBookingView>))
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

/// 本物业小区的一条预约（One booking）。
///
/// 按 id 读取一条预约；预约不在本物业的小区时返回 404 `not_found`（与不存在相同，不泄露其他物业的数据）。
/// 需要权限范围 `bookings:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(("id" = i64, Path, description = "预约 id")),
    responses((status = 200, description = "该预约", body = PartnerBookingView), (status = 404, description = "`not_found`：不存在或不属于本物业", body = crate::error::ErrorBody))
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

/// 按充电桩和日期的利用率：预约小时、使用小时、爽约、取消（Utilisation per pile and day）。
///
/// 默认 JSON；`format=csv` 时返回 CSV 文件（text/csv）。
///
/// 按当地日期和充电桩汇总 `[from, to]` 内开始的预约。需要权限范围 `bookings:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["bookings:read"])),
    params(UtilisationQuery),
    responses((status = 200, description = "按日期和充电桩的行：JSON，或 `format=csv` 时的 CSV 文件（UTF-8，带表头，列相同）", content(
        (Vec<UtilisationRow> = "application/json"),
        (String = "text/csv"),
    )))
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
