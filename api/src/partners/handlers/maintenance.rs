//! Maintenance windows as a firm manages them: schedule one on a pile or a socket, list its
//! windows, move one or change its reason before it starts, withdraw one before it ends.
//! Residents whose bookings a window cancels are told, and told again when it is withdrawn or
//! moved off their time; every write is audited in its own transaction.

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpResponse};

use super::Writer;
use crate::charging::dto::{MaintenanceChangeRequest, MaintenanceRequest, MaintenanceView};
use crate::charging::model::{self as charging, Corrected, Target, WindowChange, WindowFilter};
use crate::charging::rules::{self, TimeRange};
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::partners::dto::MaintenanceFilter;
use crate::partners::model::audit::{self, AuditEntry};
use crate::partners::model::{firms, scoping};
use crate::partners::{Partner, Scope};
use crate::state::AppState;

/// A window's answer as its audit entry keeps it.
fn audited(view: &MaintenanceView) -> serde_json::Value {
    serde_json::to_value(view).unwrap_or_default()
}

/// 为本物业的充电桩或插座安排维护，时间重叠的预约会被取消（Schedule maintenance）。
///
/// 为一个插座或整个充电桩设定维护时段。该时段内不能预约；与之重叠的预约被取消并通知住户；发送
/// `maintenance.scheduled` 与 `booking.cancelled` webhook。安排错了可以改期或撤销（见下方的修改与撤销）。
/// 操作写入审计日志。需要权限范围 `piles:write`；支持 `Idempotency-Key`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    request_body = MaintenanceRequest,
    responses((status = 201, description = "已安排", body = MaintenanceView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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
    let range = TimeRange::new(b.starts_at, b.ends_at);
    rules::check_maintenance_range(range)?;
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
                let window = charging::NewWindow {
                    target,
                    range,
                    reason: &reason,
                    created_by: &w.actor,
                };
                let view = charging::schedule_maintenance(c, &window, w.now)?;
                audit::record(
                    c,
                    AuditEntry {
                        after: Some(audited(&view)),
                        ..w.entry("maintenance.create", "maintenance_window", Some(view.id))
                    },
                )?;
                Ok(view)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/partner/maintenance-windows/{}", view.id),
        ))
        .json(view))
}

/// 本物业的维护时段，开始最晚的在前（My maintenance windows, latest start first）。
///
/// 可按小区、充电桩（含其插座上的维护）、插座（含其所在充电桩的维护）和状态筛选。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(MaintenanceFilter, PageParams),
    responses((status = 200, description = "一页维护时段", body = Page<MaintenanceView>), (status = 404, description = "`not_found`：筛选的小区、充电桩或插座不属于本物业", body = crate::error::ErrorBody))
)]
#[get("/partner/maintenance-windows")]
pub async fn list_maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    filter: Query<MaintenanceFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let page = page.0.validate()?;
    let f = filter.0;
    let (pid, now) = (partner.partner_id, state.clock.now_naive());
    let (items, total) = state
        .db(move |conn| {
            let compounds = match f.compound_id {
                Some(c) => {
                    scoping::owns_compound(conn, pid, c)?;
                    vec![c]
                }
                None => firms::compound_ids(conn, pid)?,
            };
            if let Some(p) = f.pile_id {
                scoping::owned_pile(conn, pid, p)?;
            }
            if let Some(s) = f.socket_id {
                scoping::owned_socket(conn, pid, s)?;
            }
            let filter = WindowFilter {
                compounds,
                pile_id: f.pile_id,
                socket_id: f.socket_id,
                state: f.state,
            };
            charging::list_windows(conn, &filter, page, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 本物业的一个维护时段（One maintenance window）。
///
/// 包括其当前状态（未开始、进行中、已结束或已撤销）和因它取消的预约。其他物业的维护时段返回 404。需要权限范围
/// `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "维护时段 id")),
    responses((status = 200, description = "该维护时段", body = MaintenanceView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/maintenance-windows/{id}")]
pub async fn get_maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let (pid, id, now) = (partner.partner_id, id.into_inner(), state.clock.now_naive());
    let view = state
        .db(move |conn| {
            scoping::owned_window(conn, pid, id)?;
            charging::window_view(conn, id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Audit a correction that changed something; answer the window.
fn record_correction(
    c: &mut db::DbConn,
    w: &Writer,
    action: &str,
    id: i64,
    done: Corrected,
) -> ApiResult<MaintenanceView> {
    if done.changed {
        audit::record(
            c,
            AuditEntry {
                before: Some(audited(&done.before)),
                after: Some(audited(&done.after)),
                ..w.entry(action, "maintenance_window", Some(id))
            },
        )?;
    }
    Ok(done.after)
}

/// 在开始前改动本物业维护时段的时间或原因（Move a maintenance window or change its reason）。
///
/// 新时间内的预约被取消（通知住户）；因原时间被取消、而新时间不再覆盖的预约，住户会收到可以重新预约的通知。
/// 同样的改动再次提交不会再改变任何东西。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "维护时段 id")),
    request_body = MaintenanceChangeRequest,
    responses(
        (status = 200, description = "改动后的维护时段", body = MaintenanceView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`maintenance_started`（已经开始，只能取消）或 `maintenance_cancelled`（已取消）", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed`：结束须晚于开始，最长 31 天", body = crate::error::ErrorBody),
    )
)]
#[patch("/partner/maintenance-windows/{id}")]
pub async fn change_maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<MaintenanceChangeRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let b = body.0;
    let reason = b.reason.map(String::from);
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_window(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                let change = WindowChange {
                    starts_at: b.starts_at.map(|t| t.naive_utc()),
                    ends_at: b.ends_at.map(|t| t.naive_utc()),
                    reason: reason.as_deref(),
                };
                let done = charging::change_window(c, id, change, w.now)?;
                record_correction(c, &w, "maintenance.update", id, done)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 在结束前取消本物业的维护时段，时段恢复可预约（Cancel a maintenance window）。
///
/// 因它被取消的预约（尚未结束的），住户会收到可以重新预约的通知。取消已取消的维护时段得到同样的应答。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "维护时段 id")),
    responses(
        (status = 200, description = "已取消的维护时段", body = MaintenanceView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`maintenance_ended`：已经结束", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/maintenance-windows/{id}/cancel")]
pub async fn cancel_maintenance(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let view = state
        .db(move |conn| {
            scoping::owned_window(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                let done = charging::cancel_window(c, id, w.now)?;
                record_correction(c, &w, "maintenance.cancel", id, done)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
