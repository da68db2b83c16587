//! Signing up, cancelling, my sign-ups, check-in and check-out.

use actix_web::{get, post, web, HttpResponse};

use crate::auth::{AuthUser, Resident, TeamLeader};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::idempotency::IdempotencyClaim;
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::signups::{CheckInRequest, MySignupEntry, SignupView};
use crate::volunteering::model::{activities, attendance, signups as model, teams};

/// 报名志愿活动
///
/// 报名参加活动：有名额时直接确认，名额满后进入候补并给出位次。请发送 `Idempotency-Key`：重试得到第一次的应答。
///
/// Sign up for an activity: confirmed while seats last, then waitlisted with a position.
/// Send an `Idempotency-Key`: a retry gets the first answer.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Activity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A random key per tap; resend it on retries"),
    ),
    responses(
        (status = 201, description = "Signed up: `status` is `confirmed` or `waitlisted` (with `position`)", body = SignupView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`already_signed_up` or `activity_not_open`", body = crate::error::ErrorBody),
        (status = 422, description = "`signup_deadline_passed` or `missing_required_skill` (`details.missing`)", body = crate::error::ErrorBody),
    )
)]
#[post("/activities/{id}/signups")]
pub async fn sign_up(
    state: web::Data<AppState>,
    user: Resident,
    claim: IdempotencyClaim,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            let row = model::sign_up(c, id, uid, now, claim)?;
            model::view(c, &row)
        })
        .await?;
    Ok(created(format!("/api/v1/signups/{}", view.id), &view))
}

/// 取消活动报名
///
/// 活动开始前取消我的报名。已确认的名额立即转给候补第一位，并通知其本人。
///
/// Cancel my sign-up before the activity starts. A confirmed seat passes at once to the first
/// person on the waitlist, who is told.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sign-up id")),
    responses(
        (status = 200, description = "Cancelled", body = SignupView),
        (status = 404, description = "`not_found` (also for someone else's sign-up)", body = crate::error::ErrorBody),
        (status = 409, description = "`signup_not_live`, `activity_not_open` or `activity_already_started`", body = crate::error::ErrorBody),
    )
)]
#[post("/signups/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            let row = model::cancel(c, id, uid, now)?;
            model::view(c, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 我的活动报名
///
/// 我的报名（所有状态），最近的活动在前。
///
/// My sign-ups (all states), latest activity first.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of my sign-ups", body = Page<MySignupEntry>))
)]
#[get("/me/signups")]
pub async fn my_signups(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::mine(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 活动现场扫码签到
///
/// 用现场签到码为自己签到，时间为开始前 30 分钟到活动结束。
///
/// Check myself in with the on-site code, from 30 minutes before the start until the end.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    request_body = CheckInRequest,
    responses(
        (status = 200, description = "Checked in (checking in again changes nothing)", body = SignupView),
        (status = 409, description = "`signup_not_confirmed` or `activity_not_open`", body = crate::error::ErrorBody),
        (status = 422, description = "`checkin_code_wrong` or `checkin_window_closed` (`details.opens_at`, `details.closes_at`)", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: 5 wrong codes within an hour; `Retry-After` says when to try again", body = crate::error::ErrorBody),
    )
)]
#[post("/activities/{id}/check-in")]
pub async fn self_check_in(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: Json<CheckInRequest>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let code = body.0.code;
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            let row = attendance::self_check_in(c, id, uid, &code, now)?;
            model::view(c, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A sign-up of an activity `me` manages.
fn managed_signup(c: &mut DbConn, me: AuthUser, id: i64) -> ApiResult<model::Signup> {
    let row = model::get(c, id)?;
    let act = activities::get(c, row.activity_id)?;
    teams::require_manage(c, me, act.team_id)?;
    Ok(row)
}

/// 为志愿者签到（队长或工作人员）
///
/// 为志愿者签到（服务队队长或工作人员），须在签到时间窗口内。
///
/// Check a volunteer in (the team's leaders or staff), within the check-in window.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sign-up id")),
    responses(
        (status = 200, description = "Checked in", body = SignupView),
        (status = 409, description = "`signup_not_confirmed` or `activity_not_open`", body = crate::error::ErrorBody),
        (status = 422, description = "`checkin_window_closed`", body = crate::error::ErrorBody),
    )
)]
#[post("/signups/{id}/check-in")]
pub async fn leader_check_in(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            let row = managed_signup(c, me, id)?;
            let row = attendance::leader_check_in(c, &row, now)?;
            model::view(c, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 为志愿者签退并记服务时长
///
/// 为志愿者签退（服务队队长或工作人员）：自签到起的时长（不超过计划时长）计为服务时长，并立即发放积分。
///
/// Check a volunteer out (the team's leaders or staff): the time since check-in, capped at
/// the scheduled length, becomes service hours, and points are credited at once.
#[utoipa::path(
    tag = "signups",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Sign-up id")),
    responses(
        (status = 200, description = "Checked out; `service_minutes` and `points_awarded` set", body = SignupView),
        (status = 409, description = "`not_checked_in`, `already_checked_out`, `signup_not_confirmed` or `activity_not_open`", body = crate::error::ErrorBody),
    )
)]
#[post("/signups/{id}/check-out")]
pub async fn check_out(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            managed_signup(c, me, id)?;
            let row = attendance::check_out(c, id, now)?;
            model::view(c, &row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
