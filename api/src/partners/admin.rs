//! Staff administration of partners: firms, their compounds, API clients, the audit log.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::Duration;

use super::dto::{
    AuditFilter, AuditView, ClientCredentials, ClientScopesRequest, CreateClientRequest,
    CreatePartnerRequest, PartnerCompoundsRequest, PartnerView,
};
use super::model;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// 登记物业公司及其服务的小区（工作人员）（Register a property firm）。
///
/// 工作人员登记一家物业公司并指定其服务的小区；此后可为它创建 API 客户端。应答的 `Location` 头指向新物业公司。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    request_body = CreatePartnerRequest,
    responses((status = 201, description = "已登记", body = PartnerView))
)]
#[post("/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreatePartnerRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let name = b.name.into_string();
    let now = state.clock.now_naive();
    let view = state
        .db(move |conn| {
            let id = model::firms::create_partner(conn, &name, &b.compound_ids, now)?;
            model::firms::partner_view(conn, id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/partners/{}", view.id)))
        .json(view))
}

/// 物业公司列表（工作人员）（List property firms）。
///
/// 所有物业公司及其服务的小区与状态（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    responses((status = 200, description = "物业公司列表", body = Vec<PartnerView>))
)]
#[get("/partners")]
pub async fn list_partners(state: web::Data<AppState>, _staff: Staff) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db(model::firms::list_partners).await?))
}

/// 替换物业公司服务的小区（工作人员）（Replace a firm's compounds）。
///
/// 用请求中的列表整体替换物业公司服务的小区；物业公司此后只能访问这些小区的数据（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "物业公司 id")),
    request_body = PartnerCompoundsRequest,
    responses((status = 200, description = "该物业公司", body = PartnerView))
)]
#[put("/partners/{id}/compounds")]
pub async fn set_partner_compounds(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<PartnerCompoundsRequest>,
) -> ApiResult<HttpResponse> {
    let (id, ids, now) = (
        id.into_inner(),
        body.0.compound_ids,
        state.clock.now_naive(),
    );
    let view = state
        .db(move |conn| {
            model::firms::replace_compounds(conn, id, &ids, now)?;
            model::firms::partner_view(conn, id)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 为物业公司创建 API 客户端（工作人员）（Create an API client）。
///
/// 密钥只在这次应答中出现。
///
/// 为物业公司创建 OAuth 2 client-credentials 客户端，并指定其权限范围（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "物业公司 id")),
    request_body = CreateClientRequest,
    responses((status = 201, description = "已创建；请立即保存密钥", body = ClientCredentials))
)]
#[post("/partners/{id}/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<CreateClientRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let name = b.name.into_string();
    let (id, now, scopes) = (id.into_inner(), state.clock.now_naive(), b.scopes);
    let creds = state
        .db(move |conn| {
            let (client_id, secret) = model::clients::create_client(conn, id, &name, &scopes, now)?;
            Ok(ClientCredentials {
                client_id,
                client_secret: secret,
                scopes,
                previous_secret_valid_until: None,
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(creds))
}

/// 轮换客户端密钥（工作人员）（Rotate a client secret）。
///
/// 旧密钥在宽限期内仍然有效（`LINLI_PARTNER_SECRET_GRACE_HOURS`，默认 24 小时）。
///
/// 新密钥只在这次应答中返回，请立即保存（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "客户端 id")),
    responses((status = 200, description = "新密钥", body = ClientCredentials))
)]
#[post("/partner-clients/{client_id}/rotate")]
pub async fn rotate_client(
    state: web::Data<AppState>,
    _staff: Staff,
    client_id: Path<String>,
) -> ApiResult<HttpResponse> {
    let client_id = client_id.into_inner();
    let grace = Duration::hours(state.config.partner_secret_grace_hours);
    let now = state.clock.now_naive();
    let id = client_id.clone();
    let (secret, scopes, until) = state
        .db(move |conn| model::clients::rotate_client(conn, &id, grace, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ClientCredentials {
            client_id,
            client_secret: secret,
            scopes,
            previous_secret_valid_until: Some(until.and_utc()),
        }))
}

/// 吊销客户端（工作人员）：其密钥和令牌立即失效（Revoke a client）。
///
/// 吊销后该客户端不能再换取令牌，已发出的令牌也立即失效（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "客户端 id")),
    responses((status = 204, description = "已吊销"))
)]
#[post("/partner-clients/{client_id}/revoke")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    _staff: Staff,
    client_id: Path<String>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (client_id.into_inner(), state.clock.now_naive());
    let client = id.clone();
    state
        .db(move |conn| model::clients::revoke_client(conn, &id, now))
        .await?;
    state.auth.forget_client(&client);
    Ok(HttpResponse::NoContent().finish())
}

/// 更换合作方客户端的权限范围（工作人员）
///
/// 整体替换客户端持有的权限范围（仅工作人员）。已发出的令牌从下一次请求起只保留客户端仍持有的范围；
/// 要得到新增的范围必须换取新令牌。
///
/// Replace the scopes a client holds (staff). Tokens it holds keep only the scopes it still
/// has, from its next request on; a token asks for new scopes only through a new token.
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "客户端 id")),
    request_body = ClientScopesRequest,
    responses(
        (status = 204, description = "已替换权限范围"),
        (status = 404, description = "`not_found`：没有这个有效的客户端", body = crate::error::ErrorBody),
    )
)]
#[put("/partner-clients/{client_id}/scopes")]
pub async fn set_client_scopes(
    state: web::Data<AppState>,
    _staff: Staff,
    client_id: Path<String>,
    body: Json<ClientScopesRequest>,
) -> ApiResult<HttpResponse> {
    let id = client_id.into_inner();
    let client = id.clone();
    let scopes = body.0.scopes;
    state
        .db(move |conn| model::clients::set_client_scopes(conn, &id, &scopes))
        .await?;
    state.auth.forget_client(&client);
    Ok(HttpResponse::NoContent().finish())
}

/// 物业写操作的审计日志：谁、做了什么、何时、之前和之后（工作人员）（Audit log）。
///
/// 物业公司每次写操作（充电桩、插座、维护、webhook 订阅）的记录：谁（哪个客户端）、什么操作、
/// 何时、修改前后的数据，最新在前；可按物业公司筛选（仅工作人员）。
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(AuditFilter),
    responses((status = 200, description = "日志条目，最新在前", body = Page<AuditView>))
)]
#[get("/audit-log")]
pub async fn audit_log(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<AuditFilter>,
) -> ApiResult<HttpResponse> {
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let partner = filter.partner_id;
    let (items, total) = state
        .db(move |conn| model::audit::page(conn, partner, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}
