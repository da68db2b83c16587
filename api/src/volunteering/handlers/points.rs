//! My points and ledger; staff adjustments.

use actix_web::{get, post, web, HttpResponse};

use crate::auth::{Resident, Staff};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::points::{
    AdjustPointsRequest, AdjustmentRequestView, AdjustmentStatus, LedgerEntryView, PointsSummary,
};
use crate::volunteering::model::{adjustments, points as model};
use crate::volunteering::rules::MAX_ADJUSTMENT;

/// 我的积分余额与服务时长
///
/// 我的积分余额（我的积分流水之和）和服务时长。
///
/// My points balance (the sum of my ledger) and service time.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    responses((status = 200, description = "My points", body = PointsSummary))
)]
#[get("/me/points")]
pub async fn my_points(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let s = state.db(move |c| model::summary(c, uid)).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// 我的积分明细
///
/// 我的积分记录，最新在前。
///
/// My points history, newest first.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of ledger entries", body = Page<LedgerEntryView>))
)]
#[get("/me/points/ledger")]
pub async fn my_ledger(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::ledger(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 调整积分（工作人员）
///
/// 附说明增减积分（工作人员；不能操作自己的账号）。扣减不会使余额为负。增减超过 `LINLI_POINTS_APPROVAL_OVER` 时暂不写入：返回 202 和一条待审申请，
/// 由另一名工作人员批准。
///
/// Add or take points with a note (staff; never on their own account). A deduction never makes
/// the balance negative. An amount beyond `LINLI_POINTS_APPROVAL_OVER` either way is not
/// written yet: it answers 202 with a pending request a second staff member approves.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = AdjustPointsRequest,
    responses(
        (status = 201, description = "The ledger entry", body = LedgerEntryView),
        (status = 202, description = "Waiting for a second staff member", body = AdjustmentRequestView),
        (status = 403, description = "`forbidden` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 422, description = "`insufficient_points` or `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/users/{id}/points/adjustments")]
pub async fn adjust(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<AdjustPointsRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let amount = body.amount;
    if amount == 0 || amount.unsigned_abs() > MAX_ADJUSTMENT.unsigned_abs() {
        return Err(ApiError::validation(
            "amount",
            "must be non-zero and at most 100000 either way",
        ));
    }
    let note = body.0.note;
    let now = state.clock.now_naive();
    let sid = staff.user_id;
    if id == sid {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    if amount.unsigned_abs() > state.config.points_approval_over.unsigned_abs() {
        let req = state
            .db(move |c| adjustments::request(c, id, amount, &note, sid, now))
            .await?;
        return Ok(HttpResponse::Accepted()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/api/v1/points/adjustment-requests/{}", req.id),
            ))
            .json(req));
    }
    let entry = state
        .db(move |c| model::adjust(c, id, amount, &note, sid, now))
        .await?;
    Ok(created(format!("/api/v1/users/{id}/points"), &entry))
}

/// Filter of the adjustment requests.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdjustmentFilter {
    /// Only requests in this state (default `pending`).
    pub status: Option<AdjustmentStatus>,
}

/// 待复核的大额积分调整
///
/// 等待（或已由）另一名工作人员审批的大额积分调整，最早在前。
///
/// Large adjustments waiting for (or decided by) a second staff member, oldest first.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(AdjustmentFilter, PageParams),
    responses(
        (status = 200, description = "One page of requests", body = Page<AdjustmentRequestView>),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
#[get("/points/adjustment-requests")]
pub async fn list_adjustment_requests(
    state: web::Data<AppState>,
    _staff: Staff,
    f: Query<AdjustmentFilter>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let status = f.status.unwrap_or(AdjustmentStatus::Pending);
    let (items, total) = state.db(move |c| adjustments::list(c, status, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

async fn decide(state: &AppState, staff: Staff, id: i64, approve: bool) -> ApiResult<HttpResponse> {
    let sid = staff.user_id;
    let now = state.clock.now_naive();
    let r = state
        .db(move |c| adjustments::decide(c, id, sid, approve, now))
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

/// 批准大额积分调整（第二位工作人员）
///
/// 批准大额积分调整（须为申请人以外的工作人员，且不能是自己的积分）：积分流水此时写入，且只写一次。
///
/// Approve a large adjustment (a staff member other than the one who asked, and not for
/// their own points): the ledger entry is written now, once.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "Approved", body = AdjustmentRequestView),
        (status = 403, description = "`forbidden`, `second_approver_required` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`adjustment_not_pending`", body = crate::error::ErrorBody),
        (status = 422, description = "`insufficient_points`", body = crate::error::ErrorBody),
    )
)]
#[post("/points/adjustment-requests/{id}/approve")]
pub async fn approve_adjustment(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    decide(&state, staff, id.into_inner(), true).await
}

/// 驳回大额积分调整
///
/// 驳回大额积分调整（须为申请人以外的工作人员）：不写入任何记录。
///
/// Reject a large adjustment (a staff member other than the one who asked): nothing is
/// written.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Request id")),
    responses(
        (status = 200, description = "Rejected", body = AdjustmentRequestView),
        (status = 403, description = "`forbidden`, `second_approver_required` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`adjustment_not_pending`", body = crate::error::ErrorBody),
    )
)]
#[post("/points/adjustment-requests/{id}/reject")]
pub async fn reject_adjustment(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    decide(&state, staff, id.into_inner(), false).await
}
