//! Piles as a firm manages them: its compounds and their piles, installing, renaming and
//! retiring piles, adding sockets, setting socket states (one or many), and maintenance.
//! Every write is audited in its own transaction.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::Duration;
use serde_json::json;

use super::Writer;
use crate::charging::dto::{MaintenanceRequest, MaintenanceView, SocketState};
use crate::charging::model::{self as charging, Target};
use crate::charging::rules::TimeRange;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::{Json, Path};
use crate::partners::dto::{
    BulkSocketStateRequest, CreatePileRequest, PartnerCompoundView, PartnerPileView,
    PartnerSocketStateRequest, PartnerSocketView, UpdatePileRequest,
};
use crate::partners::model::audit::{self, AuditEntry};
use crate::partners::model::{firms, piles, scoping};
use crate::partners::{Partner, Scope};
use crate::state::AppState;

/// The compounds my firm serves.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    responses((status = 200, description = "Compounds", body = Vec<PartnerCompoundView>))
)]
#[get("/partner/compounds")]
pub async fn compounds(state: web::Data<AppState>, partner: Partner) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let pid = partner.partner_id;
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| firms::partner_compounds(conn, pid))
            .await?,
    ))
}

/// Piles and sockets of one of my compounds, with the sockets' printed codes.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "Compound id")),
    responses((status = 200, description = "Piles", body = Vec<PartnerPileView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/compounds/{id}/piles")]
pub async fn compound_piles(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let list = state
        .db(move |conn| {
            scoping::owns_compound(conn, pid, id)?;
            piles::compound_piles(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Install a pile with its sockets in one of my compounds.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Compound id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry key")),
    request_body = CreatePileRequest,
    responses((status = 201, description = "Installed", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/compounds/{id}/piles")]
pub async fn create_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<CreatePileRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    let (name, location) = (b.name.into_string(), b.location.into_string());
    if !(1..=4).contains(&b.sockets) {
        return Err(ApiError::validation("sockets", "must be 1 to 4"));
    }
    let (compound, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owns_compound(conn, w.partner_id, compound)?;
            db::transaction(conn, |c| {
                let pile = piles::create_pile(c, compound, &name, &location, b.sockets, w.now)?;
                let after = piles::pile_json(c, pile)?;
                audit::record(
                    c,
                    AuditEntry {
                        after: Some(after),
                        ..w.entry("pile.create", "pile", Some(pile))
                    },
                )?;
                piles::pile_view(c, pile)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/partner/piles/{}", view.id),
        ))
        .json(view))
}

/// One of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 200, description = "The pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/piles/{id}")]
pub async fn get_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let view = state
        .db(move |conn| {
            scoping::owned_pile(conn, pid, id)?;
            piles::pile_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Rename or move one of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    request_body = UpdatePileRequest,
    responses((status = 200, description = "The pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[patch("/partner/piles/{id}")]
pub async fn update_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<UpdatePileRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    let name = b.name.map(String::from);
    let location = b.location.map(String::from);
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_pile(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                let before = piles::pile_json(c, id)?;
                piles::update_pile(c, id, name.as_deref(), location.as_deref(), w.now)?;
                let after = piles::pile_json(c, id)?;
                audit::record(
                    c,
                    AuditEntry {
                        before: Some(before),
                        after: Some(after),
                        ..w.entry("pile.update", "pile", Some(id))
                    },
                )?;
                piles::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Retire one of my piles: its sockets are retired and their bookings cancelled.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 200, description = "The retired pile", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/piles/{id}/retire")]
pub async fn retire_pile(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_pile(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                let before = piles::pile_json(c, id)?;
                piles::retire_pile(c, id, "充电桩已停用", w.now)?;
                let after = piles::pile_json(c, id)?;
                audit::record(
                    c,
                    AuditEntry {
                        before: Some(before),
                        after: Some(after),
                        ..w.entry("pile.retire", "pile", Some(id))
                    },
                )?;
                piles::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Add a socket to one of my piles.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Pile id")),
    responses((status = 201, description = "The pile with its new socket", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired`: a retired pile takes no new sockets", body = crate::error::ErrorBody))
)]
#[post("/partner/piles/{id}/sockets")]
pub async fn add_socket(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_pile(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                let before = piles::pile_json(c, id)?;
                let socket = piles::add_socket_to_pile(c, id, w.now)?;
                let after = piles::pile_json(c, id)?;
                audit::record(
                    c,
                    AuditEntry {
                        before: Some(before),
                        after: Some(after),
                        ..w.entry("socket.create", "socket", Some(socket))
                    },
                )?;
                piles::pile_view(c, id)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A state a firm may set: not `retired`, which belongs to the pile.
fn partner_state(state: SocketState) -> ApiResult<SocketState> {
    if state == SocketState::Retired {
        return Err(ApiError::validation(
            "state",
            "retire the pile to retire its sockets",
        ));
    }
    Ok(state)
}

/// Set one socket's state and audit it, inside the caller's transaction.
fn apply_state(
    c: &mut db::DbConn,
    w: &Writer,
    socket: i64,
    to: SocketState,
    reason: &str,
) -> ApiResult<PartnerSocketView> {
    let before = charging::socket(c, socket)?.ok_or_else(ApiError::not_found)?;
    let (info, cancelled) = charging::set_socket_state(c, socket, to, reason, w.now)?;
    audit::record(
        c,
        AuditEntry {
            before: Some(json!({"state": before.state})),
            after: Some(json!({"state": info.state, "cancelled_bookings": cancelled})),
            ..w.entry("socket.state", "socket", Some(socket))
        },
    )?;
    Ok(PartnerSocketView {
        id: info.id,
        pile_id: info.pile_id,
        number: info.number,
        code: info.code,
        state: info.state,
    })
}

/// Set one of my sockets' state. Leaving `available` cancels its bookings that have not
/// started charging (residents are told; `booking.cancelled` webhooks follow).
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "Socket id")),
    request_body = PartnerSocketStateRequest,
    responses((status = 200, description = "The socket", body = PartnerSocketView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired` (a retired pile's sockets stay retired), `socket_retired` (a retired socket does not return), or `socket_state_changed` (changed meanwhile: read it and try again)", body = crate::error::ErrorBody))
)]
#[post("/partner/sockets/{id}/state")]
pub async fn socket_state(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<PartnerSocketStateRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    let to = partner_state(b.state)?;
    let reason = b
        .reason
        .map(String::from)
        .unwrap_or_else(|| "物业设置充电口状态".into());
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_socket(conn, w.partner_id, id)?;
            db::transaction(conn, |c| apply_state(c, &w, id, to, &reason))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Set many of my sockets' states in one call, all or nothing. Any socket that is not mine
/// makes the whole call answer 404.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = BulkSocketStateRequest,
    responses((status = 200, description = "The sockets", body = Vec<PartnerSocketView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired` (a retired pile's sockets stay retired), `socket_retired` (a retired socket does not return), or `socket_state_changed` (changed meanwhile: read it and try again)", body = crate::error::ErrorBody))
)]
#[post("/partner/sockets/state")]
pub async fn bulk_socket_state(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<BulkSocketStateRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    if b.changes.is_empty() || b.changes.len() > 200 {
        return Err(ApiError::validation(
            "changes",
            "must hold 1 to 200 changes",
        ));
    }
    let changes: Vec<(i64, SocketState)> = b
        .changes
        .iter()
        .map(|c| partner_state(c.state).map(|s| (c.socket_id, s)))
        .collect::<ApiResult<_>>()?;
    let reason = b
        .reason
        .map(String::from)
        .unwrap_or_else(|| "物业批量设置充电口状态".into());
    let w = Writer::new(&partner, &state);
    let views = state
        .db(move |conn| {
            for (socket, _) in &changes {
                scoping::owned_socket(conn, w.partner_id, *socket)?;
            }
            db::transaction(conn, |c| {
                changes
                    .iter()
                    .map(|(s, to)| apply_state(c, &w, *s, *to, &reason))
                    .collect::<ApiResult<Vec<_>>>()
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

/// Schedule maintenance on one of my piles or sockets; overlapping bookings are cancelled.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = MaintenanceRequest,
    responses((status = 201, description = "Scheduled", body = MaintenanceView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/maintenance-windows")]
pub async fn maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<MaintenanceRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    let reason = b.reason.clone().into_string();
    if b.ends_at <= b.starts_at || b.ends_at - b.starts_at > Duration::days(31) {
        return Err(ApiError::validation(
            "ends_at",
            "must be after starts_at, at most 31 days later",
        ));
    }
    let w = Writer::new(&partner, &state);
    let view = state
        .db(move |conn| {
            let target = match (b.pile_id, b.socket_id) {
                (Some(p), None) => {
                    scoping::owned_pile(conn, w.partner_id, p)?;
                    Target::Pile(p)
                }
                (None, Some(s)) => {
                    scoping::owned_socket(conn, w.partner_id, s)?;
                    Target::Socket(s)
                }
                _ => {
                    return Err(ApiError::validation(
                        "pile_id",
                        "give exactly one of pile_id and socket_id",
                    ))
                }
            };
            db::transaction(conn, |c| {
                let target = match &target {
                    Target::Pile(p) => Target::Pile(*p),
                    Target::Socket(s) => Target::Socket(*s),
                };
                let window = charging::NewWindow {
                    target,
                    range: TimeRange::new(b.starts_at, b.ends_at),
                    reason: &reason,
                    created_by: &w.actor,
                };
                let view = charging::schedule_maintenance(c, &window, w.now)?;
                audit::record(
                    c,
                    AuditEntry {
                        after: Some(serde_json::to_value(&view).unwrap_or_default()),
                        ..w.entry("maintenance.create", "maintenance_window", Some(view.id))
                    },
                )?;
                Ok(view)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}
