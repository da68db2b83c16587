//! Piles as a firm manages them: its compounds and their piles, installing, renaming and
//! retiring piles, adding sockets, setting socket states (one or many). Maintenance windows
//! are in `maintenance`.
//! Every write is audited in its own transaction.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};
use serde_json::json;

use super::Writer;
use crate::charging::dto::SocketState;
use crate::charging::model as charging;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::partners::dto::{
    BulkSocketStateRequest, CreatePileRequest, PartnerCompoundView, PartnerPileView,
    PartnerSocketStateRequest, PartnerSocketView, UpdatePileRequest,
};
use crate::partners::model::audit::{self, AuditEntry};
use crate::partners::model::{firms, piles, scoping};
use crate::partners::{Partner, Scope};
use crate::state::AppState;

/// 本物业服务的小区（The compounds my firm serves）。
///
/// 本物业服务的小区，由工作人员在登记物业公司时指定。需要权限范围 `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    responses((status = 200, description = "小区列表", body = Vec<PartnerCompoundView>))
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

/// 本物业某小区的充电桩和插座，含插座上印的编码（Piles and sockets of a compound）。
///
/// 小区内的充电桩及其插座，含每个插座印制的编码（用于贴纸和扫码签到）。小区不属于本物业时返回 404。
/// 需要权限范围 `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "小区 id"), PageParams),
    responses((status = 200, description = "一页充电桩，按安装顺序", body = Page<PartnerPileView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/compounds/{id}/piles")]
pub async fn compound_piles(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let page = page.0.validate()?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let (items, total) = state
        .db(move |conn| {
            scoping::owns_compound(conn, pid, id)?;
            piles::compound_piles(conn, id, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 在本物业的小区安装一个充电桩及其插座（Install a pile）。
///
/// 在本物业的小区安装一个充电桩，含 1 到 4 个插座，每个插座生成印制编码。应答的 `Location` 头指向新充电桩。
/// 操作写入审计日志。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "小区 id"), ("Idempotency-Key" = Option<String>, Header, description = "重试键（Idempotency-Key）")),
    request_body = CreatePileRequest,
    responses((status = 201, description = "已安装", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// 本物业的一个充电桩（One pile）。
///
/// 按 id 读取充电桩及其插座；不属于本物业时返回 404 `not_found`。需要权限范围 `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "充电桩 id")),
    responses((status = 200, description = "该充电桩", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// 重命名或移动本物业的充电桩（Rename or move a pile）。
///
/// 修改充电桩的名称或位置说明；未提供的字段保持不变。操作写入审计日志（修改前后）。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "充电桩 id")),
    request_body = UpdatePileRequest,
    responses((status = 200, description = "该充电桩", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// 停用本物业的充电桩：其插座一并停用，预约取消（Retire a pile）。
///
/// 永久停用充电桩：所有插座变为 `retired`，尚未开始的预约被取消并通知住户（发送 `booking.cancelled` webhook）。
/// 操作写入审计日志。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "充电桩 id")),
    responses((status = 200, description = "已停用的充电桩", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// 给本物业的充电桩增加一个插座（Add a socket）。
///
/// 给充电桩增加一个插座并生成印制编码；已停用的充电桩返回 409 `pile_retired`。操作写入审计日志。
/// 需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "充电桩 id")),
    responses((status = 201, description = "含新插座的充电桩", body = PartnerPileView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired`：已停用的充电桩不能增加插座", body = crate::error::ErrorBody))
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
    let live = crate::devices::model::devices::live_state(c, socket)?;
    Ok(PartnerSocketView {
        id: info.id,
        pile_id: info.pile_id,
        number: info.number,
        code: info.code,
        state: info.state,
        live_state: live.map(|l| l.0),
        live_code: live.map(|l| l.1),
    })
}

/// 设置本物业一个插座的状态（Set a socket's state）。
///
/// 离开 `available` 会取消尚未开始充电的预约（通知住户，并发送 `booking.cancelled` webhook）。
///
/// 可设置的状态为 `available`、`maintenance`、`faulted`；`retired` 属于充电桩停用。操作写入审计日志（修改前后）。
/// 需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "插座 id")),
    request_body = PartnerSocketStateRequest,
    responses((status = 200, description = "该插座", body = PartnerSocketView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired`（已停用充电桩的插座保持停用）、`socket_retired`（已停用的插座不能恢复）或 `socket_state_changed`（状态刚被改变：重新读取后再试）", body = crate::error::ErrorBody))
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

/// 一次设置多个插座的状态，全部成功或全部不变（Bulk socket states）。
///
/// 任何一个插座不属于本物业，整个请求返回 404。
///
/// 在一个事务中设置多个插座的状态，任何一项失败则全部不变。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = BulkSocketStateRequest,
    responses((status = 200, description = "这些插座", body = Vec<PartnerSocketView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody), (status = 409, description = "`pile_retired`（已停用充电桩的插座保持停用）、`socket_retired`（已停用的插座不能恢复）或 `socket_state_changed`（状态刚被改变：重新读取后再试）", body = crate::error::ErrorBody))
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
