//! The residents' charging-session endpoints.

use actix_web::{get, post, web, HttpResponse};

use super::dto::SessionView;
use super::model::sessions;
use crate::auth::Resident;
use crate::charging::dto::CheckInRequest;
use crate::error::ApiResult;
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;

/// 开始充电
///
/// 在自己预约的充电口上开始充电：预约尚未签到时先签到（签到时间规则同扫码签到），然后由充电桩网关下发启动指令，充电到预约结束为止。返回的会话先是 `requested`，之后变为 `charging`（或 `start_failed`，`message` 说明原因，如“未插充电器”）；用 `GET /me/charging-sessions` 查看进度。
///
/// Start charging on the socket of one's booking: checks the booking in first when it is not
/// yet (the check-in rules apply), then the device gateway sends the start; the pile charges
/// until the booking ends. The session starts `requested`, then becomes `charging` (or
/// `start_failed`, with `message` saying why, e.g. "未插充电器"); follow it with
/// `GET /me/charging-sessions`.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "预约编号 Booking id"), ("Idempotency-Key" = Option<String>, Header, description = "重试键 Retry key")),
    responses(
        (status = 201, description = "会话已创建，正在启动 Session created; starting", body = SessionView),
        (status = 409, description = "`pile_offline`, `pile_not_connected`, `charging_in_progress`, `booking_state_invalid`", body = crate::error::ErrorBody),
        (status = 422, description = "`check_in_too_early`, `check_in_too_late`", body = crate::error::ErrorBody),
    )
)]
#[post("/bookings/{id}/charging-session")]
pub async fn start_charging(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| sessions::start_for_booking(conn, id, uid, now, offline_after))
        .await?;
    Ok(created("/api/v1/me/charging-sessions", &view))
}

/// 即到即充（无预约）
///
/// 没有预约时，扫描充电口上印的编码，直接在该充电口开始充电：要求该充电口现在空闲、当前和下一个时段都没有被预约，充电到下一个时段结束为止。充电期间占用这两个时段，并和预约一样占用您家的预约名额（充电结束后释放）。返回的会话先是 `requested`，之后变为 `charging` 或 `start_failed`；用 `GET /me/charging-sessions` 查看进度。
///
/// Walk-up charging without a booking: scan the code printed on the socket and start there.
/// The socket must be free now and not booked in the current or next slot; the pile charges
/// until the next slot ends. The session holds both slots and one unit of the household's
/// booking quota (like a booking) until it ends. Follow it with `GET /me/charging-sessions`.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "充电口编号 Socket id"), ("Idempotency-Key" = Option<String>, Header, description = "重试键 Retry key")),
    request_body = CheckInRequest,
    responses(
        (status = 201, description = "会话已创建，正在启动 Session created; starting", body = SessionView),
        (status = 403, description = "`compound_not_yours`：不是本小区的充电桩 Not a compound the household may use", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`：没有这个充电口 No such socket", body = crate::error::ErrorBody),
        (status = 409, description = "`socket_booked_soon`（当前或下一时段已被预约，`details.booked_from`）, `charging_in_progress`, `pile_offline`, `pile_not_connected`", body = crate::error::ErrorBody),
        (status = 422, description = "`household_required`, `household_quota_reached`, `wrong_socket_code`, `socket_faulted`, `socket_unavailable`", body = crate::error::ErrorBody),
    )
)]
#[post("/sockets/{id}/charging-session")]
pub async fn walk_up(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: Json<CheckInRequest>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let code = body.0.socket_code;
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| sessions::start_walk_up(conn, id, code.as_str(), uid, now, offline_after))
        .await?;
    Ok(created("/api/v1/me/charging-sessions", &view))
}

/// 我的充电记录
///
/// 我的充电会话，最新在前：充电中显示实时功率和累计电量，结束后显示电量、时长和停止原因。
///
/// My charging sessions, newest first: live power and energy while charging, the result
/// (energy, duration, stop reason) after.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "一页充电会话 One page of sessions", body = Page<SessionView>))
)]
#[get("/me/charging-sessions")]
pub async fn my_sessions(
    state: web::Data<AppState>,
    user: Resident,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state
        .db(move |conn| sessions::list_for_user(conn, uid, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}
