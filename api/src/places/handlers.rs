//! Read endpoints for places. Public: the app shows them before login.

use actix_web::{get, web, HttpResponse};

use super::dto::{CommunityView, CompoundDetail, CompoundFilter, CompoundSummary};
use super::model;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Path, Query};
use crate::state::AppState;

/// 城区社区列表及各项数量（List the urban communities）。
///
/// 所有城区社区，含网格数、小区数和登记家庭数。
///
/// List the urban communities (社区) with their counts.
#[utoipa::path(
    tag = "places",
    security(),
    responses((status = 200, description = "All communities", body = Vec<CommunityView>))
)]
#[get("/communities")]
pub async fn list_communities(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let list = state.db(model::list_communities).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// 小区列表与搜索（List or search compounds）。
///
/// 可按社区、名称（中文）、类型以及是否有充电桩筛选。
///
/// List or search compounds (小区): by community, by name (Chinese text), by kind, by
/// whether they have charging piles.
#[utoipa::path(
    tag = "places",
    security(),
    params(CompoundFilter, PageParams),
    responses((status = 200, description = "One page of compounds", body = Page<CompoundSummary>))
)]
#[get("/compounds")]
pub async fn list_compounds(
    state: web::Data<AppState>,
    filter: Query<CompoundFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let (filter, page) = (filter.0, page.0.validate()?);
    let (items, total) = state
        .db(move |conn| model::search_compounds(conn, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 查看小区及其楼栋
///
/// 单个小区及其楼栋。
///
/// One compound with its buildings.
#[utoipa::path(
    tag = "places",
    security(),
    params(("id" = i64, Path, description = "Compound id")),
    responses(
        (status = 200, description = "The compound", body = CompoundDetail),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[get("/compounds/{id}")]
pub async fn get_compound(state: web::Data<AppState>, id: Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let detail = state
        .db(move |conn| model::compound_detail(conn, id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(detail))
}
