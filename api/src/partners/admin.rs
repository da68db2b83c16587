//! Staff administration of partners: firms, their compounds, API clients, the audit log.

use actix_web::{get, post, put, web, HttpResponse};
use chrono::Duration;

use super::dto::{
    AuditFilter, AuditView, ClientCredentials, CreateClientRequest, CreatePartnerRequest,
    PartnerCompoundsRequest, PartnerView,
};
use super::model;
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// Register a property firm and the compounds it serves (staff).
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    request_body = CreatePartnerRequest,
    responses((status = 201, description = "Registered", body = PartnerView))
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

/// List property firms (staff).
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    responses((status = 200, description = "Firms", body = Vec<PartnerView>))
)]
#[get("/partners")]
pub async fn list_partners(state: web::Data<AppState>, _staff: Staff) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.db(model::firms::list_partners).await?))
}

/// Replace the compounds a firm serves (staff).
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Partner id")),
    request_body = PartnerCompoundsRequest,
    responses((status = 200, description = "The firm", body = PartnerView))
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

/// Create an API client for a firm (staff). The secret is in this answer only.
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Partner id")),
    request_body = CreateClientRequest,
    responses((status = 201, description = "Client created; store the secret now", body = ClientCredentials))
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

/// Rotate a client's secret (staff). The old secret keeps working for the grace period
/// (`LINLI_PARTNER_SECRET_GRACE_HOURS`, 24 h by default).
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "Client id")),
    responses((status = 200, description = "The new secret", body = ClientCredentials))
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

/// Revoke a client (staff): its secrets and tokens stop working at once.
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(("client_id" = String, Path, description = "Client id")),
    responses((status = 204, description = "Revoked"))
)]
#[post("/partner-clients/{client_id}/revoke")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    _staff: Staff,
    client_id: Path<String>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (client_id.into_inner(), state.clock.now_naive());
    state
        .db(move |conn| model::clients::revoke_client(conn, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The audit log of partner writes: who, what, when, before and after (staff).
#[utoipa::path(
    tag = "partner-admin",
    security(("bearer" = [])),
    params(AuditFilter),
    responses((status = 200, description = "Entries, newest first", body = Page<AuditView>))
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
