//! Staff's device endpoints: the whitelist (register a printed physical id against a pile,
//! list devices with their online state and faults, retire one) and the charging sessions
//! of a pile. Every write is audited in its own transaction.

use actix_web::{get, post, web, HttpResponse};
use serde_json::json;

use super::dto::{DeviceFilter, DeviceView, RegisterDeviceRequest, SessionView};
use super::model::{devices, registry, sessions};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::partners::model::audit::{record_staff, AuditEntry};
use crate::state::AppState;

/// 登记设备（工作人员）
///
/// 把充电桩标签上印的设备编号（8 位十六进制，如 `05000001`；或十进制）和端口数登记到一个充电桩：只有登记过的设备连上网关后才会被接受，未登记的编号只记录日志并被忽略。一个编号、一个充电桩各只能绑定一台设备。操作写入审计日志。
///
/// Register the physical id printed on a pile's label (8 hex digits, or decimal) with its
/// port count against a pile (staff): only registered devices are accepted by the gateway;
/// unknown ids are logged and ignored. One device per physical id and per pile. Audited.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    request_body = RegisterDeviceRequest,
    responses(
        (status = 201, description = "已登记 Registered", body = DeviceView),
        (status = 404, description = "`not_found`：没有这个充电桩 No such pile", body = crate::error::ErrorBody),
        (status = 409, description = "`device_already_registered`, `pile_has_device`, `pile_retired`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<RegisterDeviceRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let (now, actor) = (state.clock.now_naive(), format!("user:{}", staff.user_id));
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| {
            let id =
                registry::register_as(conn, b.physical_id, b.pile_id, b.port_count, &actor, now)?;
            registry::view(conn, id, now, offline_after)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(created(format!("/api/v1/devices/{}", view.id), &view))
}

/// 设备列表（工作人员）
///
/// 登记过的设备，最新登记的在前：是否在线、最后上报时间、固件、SIM 卡 ICCID、故障中的充电口及故障码说明。默认不含已解绑的设备。
///
/// Registered devices, newest first (staff): online, last heard from, firmware, ICCID,
/// faulted sockets with their codes. Retired devices only when asked for.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(DeviceFilter, PageParams),
    responses((status = 200, description = "一页设备 One page of devices", body = Page<DeviceView>))
)]
#[get("/devices")]
pub async fn list_devices(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<DeviceFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.0.validate()?;
    let (filter, now) = (filter.0, state.clock.now_naive());
    let offline_after = state.config.device_offline_after();
    let (items, total) = state
        .db(move |conn| registry::page(conn, filter, page, now, offline_after))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 一台设备（工作人员）
///
/// 按 id 读取一台设备（含已解绑的）。
///
/// One device by id, retired or not (staff).
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "设备 id Device id")),
    responses((status = 200, description = "该设备 The device", body = DeviceView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/devices/{id}")]
pub async fn get_device(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| {
            registry::view(conn, id, now, offline_after)?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 解绑设备（工作人员）
///
/// 解绑一台设备：此后网关不再接受它的上报，它的编号和充电桩可以重新登记；历史充电记录保留。设备上有正在进行的充电时返回 409 `device_in_use`。操作写入审计日志。
///
/// Retire (unbind) a device (staff): the gateway no longer accepts it, its physical id and
/// pile may be registered again; its sessions stay. Refused while a session is under way on
/// it. Audited.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "设备 id Device id")),
    responses(
        (status = 200, description = "已解绑的设备 The retired device", body = DeviceView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`device_in_use`, `device_retired`", body = crate::error::ErrorBody),
    )
)]
#[post("/devices/{id}/retire")]
pub async fn retire_device(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    let actor = format!("user:{}", staff.user_id);
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| {
            crate::db::transaction(conn, |c| {
                devices::retire(c, id, now)?;
                let v = registry::view(c, id, now, offline_after)?.ok_or_else(ApiError::not_found)?;
                record_staff(
                    c,
                    AuditEntry {
                        partner_id: 0,
                        actor: &actor,
                        action: "device.retire",
                        target_type: "device",
                        target_id: Some(id),
                        before: Some(json!({"physical_id": v.physical_id, "pile_id": v.pile_id, "retired_at": null})),
                        after: Some(json!({"physical_id": v.physical_id, "pile_id": v.pile_id, "retired_at": v.retired_at})),
                        at: now,
                    },
                )?;
                Ok(v)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 一个充电桩的充电记录（工作人员）
///
/// 充电桩各充电口上的充电会话，最新在前：状态、电量、时长、停止原因（与物业看到的相同）。
///
/// The charging sessions on a pile's sockets, newest first (staff; the firm's view).
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "充电桩 id Pile id"), PageParams),
    responses((status = 200, description = "一页充电会话 One page of sessions", body = Page<SessionView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/piles/{id}/charging-sessions")]
pub async fn staff_pile_sessions(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.0.validate()?;
    let id = id.into_inner();
    let (items, total) = state
        .db(move |conn| {
            registry::pile_must_exist(conn, id)?;
            sessions::list_for_pile(conn, id, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 远程停止一次充电（工作人员）
///
/// 社区工作人员远程停止本社区充电桩上的一次充电（管理员可停止任何充电）：通过充电桩网关下发停止指令，充电桩结算后会话变为 `settled`（停止原因 `stopped_remotely`）。重复请求返回同样的结果，不会再次下发。会话已结束且从未请求停止时返回 409 `charging_session_ended`；不是本社区的充电时返回 404。操作写入审计日志（`session.stop`）。
///
/// Stop a charging session remotely (community staff: sessions on their community's piles;
/// administrators: any), through the command outbox to the pile, as a firm's remote stop
/// does. Asked again, the same answer without a second command. Audited once.
#[utoipa::path(
    tag = "devices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "充电会话 id Session id"), ("Idempotency-Key" = Option<String>, Header, description = "重试键 Retry key")),
    responses(
        (status = 202, description = "已请求停止（`stop_requested_at`） Stop requested", body = SessionView),
        (status = 404, description = "`not_found`：没有这个充电，或不是本社区的 No such session among those the caller serves", body = crate::error::ErrorBody),
        (status = 409, description = "`charging_session_ended`", body = crate::error::ErrorBody),
    )
)]
#[post("/charging-sessions/{id}/stop")]
pub async fn staff_stop_session(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    let actor = format!("user:{}", staff.user_id);
    let (caller, role) = (staff.user_id, staff.role);
    let view = state
        .db(move |conn| {
            let socket = sessions::socket_of(conn, id)?.ok_or_else(ApiError::not_found)?;
            if !registry::serves_socket(conn, caller, role, socket)? {
                return Err(ApiError::not_found());
            }
            crate::db::transaction(conn, |c| {
                let (v, first) = sessions::request_stop(c, id, now)?;
                if first {
                    record_staff(
                        c,
                        AuditEntry {
                            partner_id: 0,
                            actor: &actor,
                            action: "session.stop",
                            target_type: "charging_session",
                            target_id: Some(id),
                            before: None,
                            after: Some(
                                json!({"state": v.state, "stop_requested_at": v.stop_requested_at}),
                            ),
                            at: now,
                        },
                    )?;
                }
                Ok(v)
            })
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}
