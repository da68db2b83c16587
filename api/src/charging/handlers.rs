//! Charging endpoints: thin wrappers over `model`.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::Duration;

use super::dto::{
    AvailabilityQuery, AvailabilityView, BookingFilter, BookingView, CancelRequest, ChargingView,
    CheckInRequest, CreateBookingRequest, JoinWaitlistRequest, MaintenanceRequest, MaintenanceView,
    OpenToCommunityRequest, SettingsView, SocketStateRequest, SocketView, WaitlistView,
};
use super::grid;
use super::model::{self, NewWindow, Target};
use super::rules::{self, Settings, TimeRange};
use crate::auth::{AuthUser, Resident, Staff};
use crate::clock::LOCAL_TZ;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::http::idempotency::IdempotencyClaim;
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, OptionalJson, Path, Query};
use crate::state::AppState;
use crate::text::Text;

/// 小区的充电桩、插座与预约规则
///
/// 小区的充电桩、插座和预约规则。
///
/// A compound's piles, sockets and booking rules.
#[utoipa::path(
    tag = "charging",
    security(),
    params(("id" = i64, Path, description = "Compound id")),
    responses(
        (status = 200, description = "Piles, sockets and settings", body = ChargingView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[get("/compounds/{id}/charging")]
pub async fn get_charging(state: web::Data<AppState>, id: Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let view = state
        .db(move |conn| model::charging_view(conn, id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(view))
}

/// 修改小区预约规则（工作人员）
///
/// 修改小区的预约规则（工作人员）。对此后新建的预约生效。
///
/// Change a compound's booking rules (staff). Applies to bookings made from now on.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Compound id")),
    request_body = SettingsView,
    responses((status = 200, description = "The new settings", body = SettingsView))
)]
#[put("/compounds/{id}/charging-settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<SettingsView>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    let settings = Settings {
        slot_minutes: b.slot_minutes,
        days_ahead: b.days_ahead,
        min_notice_minutes: b.min_notice_minutes,
        max_booking_minutes: b.max_booking_minutes,
        grace_minutes: b.grace_minutes,
        max_active_per_household: b.max_active_per_household,
    };
    settings.validate()?;
    let now = state.clock.now_naive();
    state
        .db(move |conn| {
            model::charging_view(conn, id)?.ok_or_else(ApiError::not_found)?;
            model::save_settings(conn, id, &settings, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(model::settings_view(&settings)))
}

/// 开放或关闭小区充电给全社区居民（工作人员）
///
/// 向社区所有居民开放小区的充电，或只对本小区家庭开放（工作人员）。默认家庭只能在本小区预约。
///
/// Open a compound's charging to every resident of the community, or close it to its own
/// households (staff). By default a household books only in its own compound.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Compound id")),
    request_body = OpenToCommunityRequest,
    responses(
        (status = 200, description = "The compound's charging", body = ChargingView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[put("/compounds/{id}/open-to-community")]
pub async fn put_open_to_community(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<OpenToCommunityRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let open = body.0.open_to_community;
    let view = state
        .db(move |conn| {
            db::transaction(conn, |conn| {
                model::sockets::set_open_to_community(conn, id, open)?;
                model::charging_view(conn, id)?.ok_or_else(ApiError::not_found)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 小区充电插座可预约时段表
///
/// 小区的可预约网格：每个插座 × 每个时段，每格一个字符。默认为今天及之后两天（当地时间）。已登录的居民看到本家庭的预约为 `m`。
/// 带上次的 `ETag` 发送 `If-None-Match`，无变化时得到 304。
///
/// The availability grid of a compound: every socket × every slot, one character per cell.
///
/// Default: today and the next two days (local time). Logged-in residents see their
/// household's bookings as `m`. Send `If-None-Match` with the last `ETag` to get 304 when
/// nothing changed.
#[utoipa::path(
    tag = "charging",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Compound id"), AvailabilityQuery),
    responses(
        (status = 200, description = "The grid", body = AvailabilityView, headers(("ETag" = String, description = "Validator for If-None-Match"))),
        (status = 304, description = "Not modified since the given ETag"),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[get("/compounds/{id}/availability")]
pub async fn availability(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: Path<i64>,
    query: Query<AvailabilityQuery>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let today = rules::utc(now).with_timezone(&LOCAL_TZ).date_naive();
    let from = query.from.unwrap_or(today);
    let days = query.days.unwrap_or(3);
    if !(1..=8).contains(&days) {
        return Err(ApiError::validation("days", "must be 1 to 8"));
    }
    if from < today - Duration::days(1) || from > today + Duration::days(31) {
        return Err(ApiError::validation(
            "from",
            "must be between yesterday and 31 days ahead",
        ));
    }
    let key = grid::GridKey {
        compound_id: id,
        from,
        days,
    };
    grid::answer(&state, &req, key, user.map(|u| u.user_id), now)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// 预约充电插座
///
/// 预约插座的 `[starts_at, ends_at)` 时段。接受 `Idempotency-Key`：超时的请求可用同一键重试。
/// 规则：对齐时段网格、不在过去、在 `days_ahead` 天内、不超过 `max_booking_minutes`、插座可用、
/// 家庭未超出有效预约配额、未被暂停预约。
///
/// Book a socket for `[starts_at, ends_at)`.
///
/// Accepts `Idempotency-Key`: retry a timed-out request with the same key. Rules: on the slot
/// grid, not in the past, within `days_ahead`, at most `max_booking_minutes`, the socket
/// available, the household under its active-booking quota, not suspended.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry key (1–255 visible characters)")),
    request_body = CreateBookingRequest,
    responses(
        (status = 201, description = "Booked", body = BookingView, headers(("Location" = String, description = "The booking's URL"))),
        (status = 409, description = "`booking_conflict`: part of the time is taken", body = crate::error::ErrorBody),
        (status = 422, description = "`booking_off_grid`, `booking_in_past`, `booking_too_soon`, `booking_too_far_ahead`, `booking_too_long`, `socket_unavailable`, `household_quota_reached`, `booking_suspended` (with `details.until`), `household_required`", body = crate::error::ErrorBody),
        (status = 403, description = "`compound_not_yours`: the socket is neither in the household's compound nor in one open to the whole community", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: no such socket", body = crate::error::ErrorBody),
    )
)]
#[post("/bookings")]
pub async fn create_booking(
    state: web::Data<AppState>,
    user: Resident,
    claim: IdempotencyClaim,
    body: Json<CreateBookingRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .booking
        .enforce(&user.user_id.to_string())
        .await?;
    let (socket, range) = (body.socket_id, TimeRange::new(body.starts_at, body.ends_at));
    let (uid, now) = (user.user_id, state.clock.now_naive());
    let view = state
        .db(move |conn| model::create_booking(conn, uid, socket, range, now, claim))
        .await?;
    Ok(created(format!("/api/v1/bookings/{}", view.id), &view))
}

/// 我家的充电预约
///
/// 我家的预约，最新在前。
///
/// My household's bookings, newest first.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(BookingFilter, PageParams),
    responses((status = 200, description = "One page of bookings", body = Page<BookingView>))
)]
#[get("/me/bookings")]
pub async fn my_bookings(
    state: web::Data<AppState>,
    user: Resident,
    filter: Query<BookingFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.0.validate()?;
    let (uid, status) = (user.user_id, filter.status);
    let (items, total) = state
        .db(move |conn| {
            let (rows, total) = model::list_for_user(conn, uid, status, page)?;
            Ok((model::booking_views(conn, rows)?, total))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 查看我家的一条预约
///
/// 我家的一条预约。
///
/// One of my household's bookings.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses(
        (status = 200, description = "The booking", body = BookingView),
        (status = 404, description = "`not_found` (also for another household's booking)", body = crate::error::ErrorBody),
    )
)]
#[get("/bookings/{id}")]
pub async fn get_booking(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let view = state
        .db(move |conn| {
            let row = model::booking_for_user(conn, id, uid)?;
            model::booking_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 取消充电预约
///
/// 取消预约。开始前取消不受影响；开始后取消记为爽约。
///
/// Cancel a booking. Free until its start; after the start it counts as a no-show.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    request_body(content = CancelRequest, description = "Optional reason"),
    responses(
        (status = 200, description = "The cancelled booking", body = BookingView),
        (status = 409, description = "`booking_not_cancellable`", body = crate::error::ErrorBody),
    )
)]
#[post("/bookings/{id}/cancel")]
pub async fn cancel_booking(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: OptionalJson<CancelRequest>,
) -> ApiResult<HttpResponse> {
    let reason = body
        .0
        .and_then(|b| b.reason)
        .map(Text::into_string)
        .filter(|r| !r.is_empty());
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let row = model::cancel(conn, id, uid, reason, now)?;
            model::booking_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 充电到场签到（扫插座码）
///
/// 在插座处发送其印制编码（扫描二维码）签到，时间为开始前 5 分钟到宽限期结束。充电桩接入网关且在线时，
/// 签到同时开始充电（与“开始充电”相同，用 `GET /me/charging-sessions` 查看进度）；否则只签到。
///
/// Check in at the socket by sending its printed code (scan its QR), from 5 minutes before
/// the start until the grace period ends. On a pile a gateway drives and that is online, the
/// check-in also starts charging (as `POST /bookings/{id}/charging-session` does; follow it
/// with `GET /me/charging-sessions`); otherwise it only checks in.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    request_body = CheckInRequest,
    responses(
        (status = 200, description = "Checked in", body = BookingView),
        (status = 422, description = "`check_in_too_early` (`details.opens_at`), `check_in_too_late`, `wrong_socket_code`", body = crate::error::ErrorBody),
        (status = 409, description = "`booking_state_invalid`", body = crate::error::ErrorBody),
    )
)]
#[post("/bookings/{id}/check-in")]
pub async fn check_in(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: Json<CheckInRequest>,
) -> ApiResult<HttpResponse> {
    let code = body.0.socket_code;
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let offline_after = state.config.device_offline_after();
    let view = state
        .db(move |conn| {
            let row = model::check_in(conn, id, uid, &code, now)?;
            crate::devices::model::sessions::start_after_check_in(
                conn,
                id,
                uid,
                now,
                offline_after,
            )?;
            model::booking_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 提前结束充电
///
/// 提前结束充电：预约的剩余时间释放给他人。
///
/// Finish charging early: the rest of the booking is freed for others.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Booking id")),
    responses(
        (status = 200, description = "Completed", body = BookingView),
        (status = 409, description = "`booking_state_invalid`: not checked in", body = crate::error::ErrorBody),
    )
)]
#[post("/bookings/{id}/finish")]
pub async fn finish(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let row = model::finish(conn, id, uid, now)?;
            model::booking_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 排队候补充电时段
///
/// 为已被占用的时段排队候补，可指定一个插座或小区内任一插座。时段空出时，排在第一位的人得到 10 分钟的预约机会（`waitlist.offer` 通知）。
///
/// Queue for a taken time, on one socket or on any socket of the compound. When it frees,
/// the first in line is offered it for 10 minutes (a `waitlist.offer` notification).
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Compound id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry key")),
    request_body = JoinWaitlistRequest,
    responses(
        (status = 201, description = "Queued", body = WaitlistView),
        (status = 422, description = "`slot_available` (book it instead), range rules as for bookings, `household_required`", body = crate::error::ErrorBody),
        (status = 409, description = "`already_waitlisted`", body = crate::error::ErrorBody),
    )
)]
#[post("/compounds/{id}/waitlist")]
pub async fn join_waitlist(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: Json<JoinWaitlistRequest>,
) -> ApiResult<HttpResponse> {
    let (socket, range) = (body.socket_id, TimeRange::new(body.starts_at, body.ends_at));
    let (compound, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let entry = model::join_waitlist(conn, compound, uid, socket, range, now)?;
            let row = model::wait_row(conn, entry)?.ok_or_else(ApiError::not_found)?;
            model::wait_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// 我的候补与候补机会
///
/// 我的候补和预约机会，最新在前。
///
/// My waitlist entries and offers, newest first.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    responses((status = 200, description = "Entries", body = Vec<WaitlistView>))
)]
#[get("/me/waitlist")]
pub async fn my_waitlist(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let list = state.db(move |conn| model::my_waitlist(conn, uid)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// 接受候补机会（转为预约）
///
/// 接受候补得到的预约机会：成为普通预约，遵守所有预约规则。
///
/// Accept an open offer: becomes a normal booking under every rule.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Waitlist entry id"), ("Idempotency-Key" = Option<String>, Header, description = "Retry key")),
    responses(
        (status = 201, description = "Booked", body = BookingView),
        (status = 409, description = "`offer_not_pending` (expired or answered)", body = crate::error::ErrorBody),
        (status = 422, description = "Booking rules, e.g. `household_quota_reached`", body = crate::error::ErrorBody),
    )
)]
#[post("/waitlist/{id}/accept")]
pub async fn accept_offer(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let booking = model::accept_offer(conn, id, uid, now)?;
            let row = model::booking_row(conn, booking)?.ok_or_else(ApiError::not_found)?;
            model::booking_view(conn, row)
        })
        .await?;
    Ok(created(format!("/api/v1/bookings/{}", view.id), &view))
}

/// 放弃候补机会或退出排队
///
/// 放弃预约机会（转给下一位）或退出候补。
///
/// Decline an open offer (it passes to the next in line) or leave the queue.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Waitlist entry id")),
    responses(
        (status = 204, description = "Left the queue"),
        (status = 409, description = "`offer_not_pending`", body = crate::error::ErrorBody),
    )
)]
#[post("/waitlist/{id}/leave")]
pub async fn leave_waitlist(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    state
        .db(move |conn| model::leave_waitlist(conn, id, uid, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 安排插座或充电桩维护（工作人员）
///
/// 为插座或整个充电桩安排维护（工作人员）。与之重叠的预约被取消并通知住户；维护时段内不能预约。
///
/// Schedule maintenance on a socket or a whole pile (staff). Bookings it overlaps are
/// cancelled and their residents told; nothing can be booked in the window.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    request_body = MaintenanceRequest,
    responses((status = 201, description = "Scheduled", body = MaintenanceView))
)]
#[post("/maintenance-windows")]
pub async fn create_maintenance(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<MaintenanceRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let target = match (b.pile_id, b.socket_id) {
        (Some(p), None) => Target::Pile(p),
        (None, Some(s)) => Target::Socket(s),
        _ => {
            return Err(ApiError::validation(
                "pile_id",
                "give exactly one of pile_id and socket_id",
            ))
        }
    };
    if b.ends_at <= b.starts_at {
        return Err(ApiError::validation("ends_at", "must be after starts_at"));
    }
    if b.ends_at - b.starts_at > Duration::days(31) {
        return Err(ApiError::validation(
            "ends_at",
            "a window may last at most 31 days",
        ));
    }
    let (now, by) = (state.clock.now_naive(), format!("user:{}", staff.user_id));
    let view = state
        .db(move |conn| {
            let window = NewWindow {
                target,
                range: TimeRange::new(b.starts_at, b.ends_at),
                reason: &b.reason,
                created_by: &by,
            };
            model::schedule_maintenance(conn, &window, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// 设置插座状态（工作人员）
///
/// 设置插座状态（工作人员）。离开 `available` 会取消尚未开始充电的预约，并通知住户。
///
/// Set a socket's state (staff). Leaving `available` cancels its bookings that have not
/// started charging; their residents are told.
#[utoipa::path(
    tag = "charging",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Socket id")),
    request_body = SocketStateRequest,
    responses((status = 200, description = "The socket", body = SocketView), (status = 409, description = "`pile_retired` (a retired pile's sockets stay retired), `socket_retired` (a retired socket does not return), or `socket_state_changed` (changed meanwhile: read it and try again)", body = crate::error::ErrorBody))
)]
#[post("/sockets/{id}/state")]
pub async fn set_socket_state(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<SocketStateRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let reason = b
        .reason
        .map_or_else(|| "充电口暂停服务".to_owned(), Text::into_string);
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    let (info, _) = state
        .db(move |conn| model::set_socket_state(conn, id, b.state, &reason, now))
        .await?;
    Ok(HttpResponse::Ok().json(SocketView {
        id: info.id,
        number: info.number,
        label: info.label,
        state: info.state,
    }))
}
