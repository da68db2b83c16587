//! Charging sessions on a firm's piles: the sessions per pile, and the remote stop. Scoped
//! like the rest of the partner API (another firm's ids answer 404); the stop goes through the
//! command outbox to the pile and is audited.

use actix_web::{get, post, web, HttpResponse};
use serde_json::json;

use super::Writer;
use crate::devices::dto::SessionView;
use crate::devices::model::sessions;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Path, Query};
use crate::partners::model::audit::{self, AuditEntry};
use crate::partners::model::scoping;
use crate::partners::{Partner, Scope};
use crate::state::AppState;

/// 本物业一个充电桩的充电记录（Charging sessions of a pile）。
///
/// 充电桩各充电口上的充电会话，最新在前：状态、电量、时长、停止原因；不含住户信息。充电桩不属于本物业时返回 404。需要权限范围 `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "充电桩 id"), PageParams),
    responses((status = 200, description = "一页充电会话", body = Page<SessionView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/piles/{id}/charging-sessions")]
pub async fn pile_sessions(
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
            scoping::owned_pile(conn, pid, id)?;
            sessions::list_for_pile(conn, id, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 远程停止本物业充电桩上的一次充电（Remote stop）。
///
/// 通过充电桩网关向充电桩下发停止指令；充电桩结算后会话变为 `settled`（停止原因 `stopped_remotely`）。重复请求返回同样的结果，不会再次下发。会话已结束且从未请求停止时返回 409 `charging_session_ended`；不属于本物业时返回 404。操作写入审计日志。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "充电会话 id"), ("Idempotency-Key" = Option<String>, Header, description = "重试键（Idempotency-Key）")),
    responses(
        (status = 202, description = "已请求停止（`stop_requested_at`）", body = SessionView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`charging_session_ended`", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/charging-sessions/{id}/stop")]
pub async fn stop_session(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            let socket = sessions::socket_of(conn, id)?.ok_or_else(ApiError::not_found)?;
            scoping::owned_socket(conn, w.partner_id, socket)?;
            crate::db::transaction(conn, |c| {
                let (v, first) = sessions::request_stop(c, id, w.now)?;
                if first {
                    audit::record(
                        c,
                        AuditEntry {
                            after: Some(
                                json!({"state": v.state, "stop_requested_at": v.stop_requested_at}),
                            ),
                            ..w.entry("session.stop", "charging_session", Some(id))
                        },
                    )?;
                }
                Ok(v)
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}
