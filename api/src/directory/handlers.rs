//! Directory endpoints: categories, search, one service; staff edits of services,
//! organizations and locations; residents' reports and how staff close them.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};

use super::dto::{
    CategoryView, CreateLocation, CreateOrganization, CreateReport, CreateService, LocationView,
    OrganizationView, PlaceFilter, ReportFilter, ReportView, ResolveReport, ServiceDetail,
    ServiceFilter, ServiceSummary, UpdateService,
};
use super::model::{categories, locations, organizations, services};
use super::{reports, rules, search, stamp};
use crate::auth::{Resident, Staff};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::cached::{respond, Rendered};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// Search answers hold no personal data; phones and proxies may reuse them for a minute.
const SEARCH_CACHE_CONTROL: &str = "public, max-age=60";

/// 服务分类树
///
/// 分类树（父级在前，含层级深度），用于选择器和筛选。
///
/// The category tree (parents first, with depth), for pickers and filters.
#[utoipa::path(
    tag = "directory",
    security(),
    responses((status = 200, description = "Every category", body = Vec<CategoryView>))
)]
#[get("/categories")]
pub async fn list_categories(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let list = state.db(categories::category_tree).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// 搜索便民服务（Search services）。
///
/// 按名称和说明中的关键词（如 `理发`、`法律` 等中文子串）、分类（含子分类）、社区、
/// 小区附近（由近到远，可限定 `radius_m` 以内）以及是否正在营业搜索。已停用的服务不列出。
/// 返回 `ETag`；带 `If-None-Match` 可得到 304。
///
/// Search services: by keyword inside names and descriptions (Chinese substrings such as
/// `理发` or `法律`), by category with its sub-categories, by community, near a compound
/// (nearest first, optionally within `radius_m`), open now. Retired services are not listed.
/// Sends `ETag`; `If-None-Match` gives 304.
#[utoipa::path(
    tag = "directory",
    security(),
    params(ServiceFilter),
    responses(
        (status = 200, description = "One page of services", body = Page<ServiceSummary>,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (the `If-None-Match` ETag is current)"),
        (status = 422, description = "`validation_failed` naming the parameter", body = ErrorBody),
    )
)]
#[get("/services")]
pub async fn search_services(
    req: HttpRequest,
    state: web::Data<AppState>,
    filter: Query<ServiceFilter>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let minute = rules::minute_stamp(now);
    // The same question in the same minute gets the page rendered the first time.
    let query = req.query_string();
    let cached = state.directory.page(query, minute);
    crate::ops::metrics::cache("search_page", cached.is_some());
    if let Some(page) = cached {
        return Ok(respond(&req, &page, SEARCH_CACHE_CONTROL));
    }
    let (page, version) = search::search(&state, filter.0, now).await?;
    let rendered = Rendered::json(&page, minute, minute + 1)?;
    state.directory.put_page(version, query, rendered.clone());
    Ok(respond(&req, &rendered, SEARCH_CACHE_CONTROL))
}

async fn detail(state: &AppState, id: i64) -> ApiResult<ServiceDetail> {
    let now = state.clock.now();
    state
        .db(move |conn| services::service_detail(conn, id, now))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// 查看便民服务详情
///
/// 单个服务的完整信息：机构、地点、电话、联系人、每周营业时间、例外日期、分类及最近确认时间。
///
/// One service in full: organization, locations, phones, contacts, weekly hours, exceptions,
/// categories, and when it was last confirmed.
#[utoipa::path(
    tag = "directory",
    security(),
    params(("id" = i64, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = ServiceDetail),
        (status = 404, description = "`not_found`", body = ErrorBody),
    )
)]
#[get("/services/{id}")]
pub async fn get_service(state: web::Data<AppState>, id: Path<i64>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(detail(&state, id.into_inner()).await?))
}

/// 新增便民服务（工作人员）
///
/// 工作人员：在一个或多个地点添加服务。
///
/// Staff: add a service at one or more locations.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateService,
    responses(
        (status = 201, description = "Created", body = ServiceDetail),
        (status = 422, description = "`validation_failed` naming the field", body = ErrorBody),
    )
)]
#[post("/services")]
pub async fn create_service(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateService>,
) -> ApiResult<HttpResponse> {
    let input = body.0;
    let lists = rules::validate_lists(
        Some(&input.phones),
        Some(&input.contacts),
        Some(&input.schedule),
        Some(&input.exceptions),
    )?;
    let now = state.clock.now_naive();
    let id = stamp::edit(&state, move |c| {
        services::create_service(c, &input, &lists, now)
    })
    .await?;
    let service = detail(&state, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/services/{id}")))
        .json(service))
}

/// 修改便民服务（工作人员）
///
/// 工作人员：修改服务（只改提供的部分；列表整体替换）。同时标记为现已确认。
///
/// Staff: change a service (only what is sent; lists replace). Marks it confirmed now.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Service id")),
    request_body = UpdateService,
    responses(
        (status = 200, description = "Updated", body = ServiceDetail),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`service_retired`", body = ErrorBody),
    )
)]
#[patch("/services/{id}")]
pub async fn update_service(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<UpdateService>,
) -> ApiResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.0);
    let lists = rules::validate_lists(
        input.phones.as_deref(),
        input.contacts.as_deref(),
        input.schedule.as_deref(),
        input.exceptions.as_deref(),
    )?;
    let now = state.clock.now_naive();
    stamp::edit(&state, move |c| {
        services::update_service(c, id, &input, &lists, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail(&state, id).await?))
}

/// 下线便民服务（工作人员）
///
/// 工作人员：停用服务。立即从服务卡和搜索中移除；其详情页仍可读取。
///
/// Staff: retire a service. It leaves cards and search at once; its page stays readable.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Service id")),
    responses(
        (status = 200, description = "Retired", body = ServiceDetail),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`service_retired`: already retired", body = ErrorBody),
    )
)]
#[post("/services/{id}/retire")]
pub async fn retire_service(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    stamp::edit(&state, move |c| services::retire_service(c, id, now)).await?;
    Ok(HttpResponse::Ok().json(detail(&state, id).await?))
}

/// 确认便民服务信息无误（工作人员）
///
/// 工作人员：确认服务信息仍然正确（设置最近确认日期）。
///
/// Staff: confirm a service is still right as it is (sets the last-confirmed date).
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Service id")),
    responses(
        (status = 200, description = "Confirmed", body = ServiceDetail),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`service_retired`", body = ErrorBody),
    )
)]
#[post("/services/{id}/confirm")]
pub async fn confirm_service(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    stamp::edit(&state, move |c| services::confirm_service(c, id, now)).await?;
    Ok(HttpResponse::Ok().json(detail(&state, id).await?))
}

fn page_of(filter: &PlaceFilter) -> ApiResult<crate::http::pagination::PageRequest> {
    if filter.q.as_deref().is_some_and(|q| q.chars().count() > 64) {
        return Err(ApiError::validation("q", "must be at most 64 characters"));
    }
    PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()
}

/// 服务机构列表
///
/// 提供服务的机构（HSDS `organization`）。
///
/// Organizations offering services (HSDS `organization`).
#[utoipa::path(
    tag = "directory",
    security(),
    params(PlaceFilter),
    responses((status = 200, description = "One page of organizations", body = Page<OrganizationView>))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    filter: Query<PlaceFilter>,
) -> ApiResult<HttpResponse> {
    let page = page_of(&filter)?;
    let q = filter.q.clone().filter(|q| !q.trim().is_empty());
    let (items, total) = state
        .db(move |c| organizations::list_organizations(c, q.as_deref().map(str::trim), page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 新增服务机构（工作人员）
///
/// 工作人员：添加机构。
///
/// Staff: add an organization.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = OrganizationView),
        (status = 409, description = "`organization_name_taken`", body = ErrorBody),
    )
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateOrganization>,
) -> ApiResult<HttpResponse> {
    let (input, now) = (body.0, state.clock.now_naive());
    let org = stamp::edit(&state, move |c| {
        let id = organizations::create_organization(c, &input, now)?;
        organizations::organization(c, id)?
            .ok_or_else(|| ApiError::internal("organization vanished"))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/organizations/{}", org.id),
        ))
        .json(org))
}

/// 服务地点列表
///
/// 提供服务的地点（HSDS `location`）。
///
/// Locations where services are offered (HSDS `location`).
#[utoipa::path(
    tag = "directory",
    security(),
    params(PlaceFilter),
    responses((status = 200, description = "One page of locations", body = Page<LocationView>))
)]
#[get("/locations")]
pub async fn list_locations(
    state: web::Data<AppState>,
    filter: Query<PlaceFilter>,
) -> ApiResult<HttpResponse> {
    let page = page_of(&filter)?;
    let q = filter.q.clone().filter(|q| !q.trim().is_empty());
    let community = filter.community_id;
    let (items, total) = state
        .db(move |c| locations::list_locations(c, community, q.as_deref().map(str::trim), page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 新增服务地点（工作人员）
///
/// 工作人员：添加地点。
///
/// Staff: add a location.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateLocation,
    responses(
        (status = 201, description = "Created", body = LocationView),
        (status = 422, description = "`validation_failed` naming the field", body = ErrorBody),
    )
)]
#[post("/locations")]
pub async fn create_location(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateLocation>,
) -> ApiResult<HttpResponse> {
    let (input, now) = (body.0, state.clock.now_naive());
    let loc = stamp::edit(&state, move |c| locations::create_location(c, &input, now)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/locations/{}", loc.id)))
        .json(loc))
}

/// 报告信息有误（电话、营业时间等）
///
/// 报告服务或角色联系人的错误条目（电话错误、服务已关闭、营业时间错误）。每人对每个条目只能有一份未处理的报告。
///
/// Report a wrong entry (a wrong phone number, a closed service, wrong hours) of a service
/// or a role contact. One open report per person and entry.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    request_body = CreateReport,
    responses(
        (status = 201, description = "Filed", body = ReportView),
        (status = 409, description = "`report_already_open`, `service_retired`, `role_contact_retired`", body = ErrorBody),
    )
)]
#[post("/directory-reports")]
pub async fn create_report(
    state: web::Data<AppState>,
    user: Resident,
    body: Json<CreateReport>,
) -> ApiResult<HttpResponse> {
    let (input, now, uid) = (body.0, state.clock.now_naive(), user.user_id);
    let report = state
        .db(move |c| reports::create(c, uid, &input, now))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/directory-reports/{}", report.id),
        ))
        .json(report))
}

/// 纠错报告列表（工作人员）
///
/// 工作人员：纠错报告，默认只列未处理的，最早在前。
///
/// Staff: reports, open ones by default, oldest first.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(ReportFilter),
    responses((status = 200, description = "One page of reports", body = Page<ReportView>))
)]
#[get("/directory-reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<ReportFilter>,
) -> ApiResult<HttpResponse> {
    let filter = filter.0;
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let (items, total) = state.db(move |c| reports::list(c, &filter, page)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 处理纠错报告（工作人员）
///
/// 工作人员：关闭报告。`fixed`（已更正或已核实条目）将条目标记为今天已确认；`dismissed` 保持条目不变。
///
/// Staff: close a report. `fixed` (after correcting the entry, or checking it) marks the
/// entry confirmed today; `dismissed` leaves it as it is.
#[utoipa::path(
    tag = "directory",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Report id")),
    request_body = ResolveReport,
    responses(
        (status = 200, description = "Resolved", body = ReportView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`report_not_open`", body = ErrorBody),
    )
)]
#[post("/directory-reports/{id}/resolve")]
pub async fn resolve_report(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<ResolveReport>,
) -> ApiResult<HttpResponse> {
    let (id, input, now, uid) = (
        id.into_inner(),
        body.0,
        state.clock.now_naive(),
        staff.user_id,
    );
    let report = stamp::edit(&state, move |c| {
        reports::resolve(c, id, uid, input.resolution, input.note.as_deref(), now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}
