//! `/households/{id}/members...` (owners and staff) and `/membership-requests` (staff).

use actix_web::{get, patch, post, web, HttpResponse};

use super::dto::{
    ApproveRequest, MemberRole, MembershipView, RequestFilter, UpdateMembershipRequest,
};
use super::model;
use crate::auth::{AuthUser, Staff};
use crate::error::ApiResult;
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// 我家的成员与入户申请
///
/// 本家庭的在册成员和待审批的申请，按时间先后排列：仅该户的在册户主和社区工作人员可看（其他人得到 404）。
///
/// The household's live members and pending requests, oldest first: for its active owners and
/// community staff (404 for anyone else).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Household id")),
    responses(
        (status = 200, description = "Pending and active memberships", body = Vec<MembershipView>),
        (status = 404, description = "`not_found`: no such household, or not yours to manage", body = crate::error::ErrorBody),
    )
)]
#[get("/households/{id}/members")]
pub async fn list_household_members(
    state: web::Data<AppState>,
    user: AuthUser,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let hid = id.into_inner();
    let list = state.db(move |c| model::members(c, &user, hid)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// 同意入户申请
///
/// 批准一条待审批的申请：该户在册户主可批准为家庭成员或租户；社区工作人员可批准为任何身份（只有工作人员在当面核验证件后可设为户主）。
/// 租户须填 `valid_until`。两人同时批准时只有一人成功，另一人得到 409 `member_request_not_pending`；
/// 在册成员已达 `LINLI_HOUSEHOLD_MEMBERS_MAX` 时得到 409 `household_full`。任何人都不能审批自己的申请。
///
/// Approve a pending request as a member or tenant (an active owner of the household) or as
/// any role (community staff; only staff make someone an owner, after checking papers in
/// person). A tenant needs `valid_until`. Of two approvals at once one wins, the other gets
/// 409 `member_request_not_pending`; beyond `LINLI_HOUSEHOLD_MEMBERS_MAX` active members 409
/// `household_full`.
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Household id"), ("member_id" = i64, Path, description = "Membership id")),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "Approved; the membership", body = MembershipView),
        (status = 403, description = "`forbidden`: only staff approve owners", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`member_request_not_pending` or `household_full`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed` (`valid_until`)", body = crate::error::ErrorBody),
    )
)]
#[post("/households/{id}/members/{member_id}/approve")]
pub async fn approve_household_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: Path<(i64, i64)>,
    body: Json<ApproveRequest>,
) -> ApiResult<HttpResponse> {
    let (hid, mid) = path.into_inner();
    let body = body.0;
    let now = state.clock.now_naive();
    let cap = state.config.household_members_max;
    let role = body.role.unwrap_or(MemberRole::Member);
    let view = state
        .db(move |c| model::approve(c, &user, hid, mid, role, body.valid_until, cap, now))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 拒绝入户申请
///
/// 拒绝一条待审批的申请（该户在册户主或社区工作人员）。
///
/// Reject a pending request (an active owner of the household, or community staff).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Household id"), ("member_id" = i64, Path, description = "Membership id")),
    responses(
        (status = 200, description = "Rejected; the membership", body = MembershipView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`member_request_not_pending`", body = crate::error::ErrorBody),
    )
)]
#[post("/households/{id}/members/{member_id}/reject")]
pub async fn reject_household_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (hid, mid) = path.into_inner();
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| model::reject(c, &user, hid, mid, now))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 移除成员
///
/// 结束一条成员资格：可由该户在册户主（不能移除其他户主）、社区工作人员或成员本人操作。
/// 该成员尚未开始的充电预约被取消、名额退回；通知成员本人和户主。
///
/// End a membership: by an active owner (not of another owner), community staff or the member
/// themselves. Their charging bookings that have not started are cancelled and the quota
/// given back; the member and the owners are told.
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Household id"), ("member_id" = i64, Path, description = "Membership id")),
    responses(
        (status = 200, description = "Revoked; the membership", body = MembershipView),
        (status = 403, description = "`forbidden`: only staff remove owners", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`membership_not_active`", body = crate::error::ErrorBody),
    )
)]
#[post("/households/{id}/members/{member_id}/revoke")]
pub async fn revoke_household_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (hid, mid) = path.into_inner();
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| model::revoke(c, &user, hid, mid, now))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 修改成员（租期、身份）
///
/// 修改租户的到期日（在册户主和工作人员；须晚于今天、最多一年以后），或修改成员身份（仅工作人员）。
///
/// Set a tenant's end date (active owners and staff; after today, at most a year ahead) or a
/// member's role (staff only).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Household id"), ("member_id" = i64, Path, description = "Membership id")),
    request_body = UpdateMembershipRequest,
    responses(
        (status = 200, description = "Changed; the membership", body = MembershipView),
        (status = 403, description = "`forbidden`: only staff change roles", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`membership_not_active`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed` (`valid_until`)", body = crate::error::ErrorBody),
    )
)]
#[patch("/households/{id}/members/{member_id}")]
pub async fn update_household_member(
    state: web::Data<AppState>,
    user: AuthUser,
    path: Path<(i64, i64)>,
    body: Json<UpdateMembershipRequest>,
) -> ApiResult<HttpResponse> {
    let (hid, mid) = path.into_inner();
    let body = body.0;
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| model::update(c, &user, hid, mid, body.role, body.valid_until, now))
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 待处理的入户申请（工作人员）
///
/// 某个社区或网格待审批的入户申请，按时间先后排列（仅工作人员）。
///
/// Pending household membership requests of a community or grid, oldest first (staff).
#[utoipa::path(
    tag = "households",
    security(("bearer" = [])),
    params(RequestFilter, PageParams),
    responses(
        (status = 200, description = "One page of pending requests", body = Page<MembershipView>),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
#[get("/membership-requests")]
pub async fn list_membership_requests(
    state: web::Data<AppState>,
    _staff: Staff,
    f: Query<RequestFilter>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let f = f.0;
    let (items, total) = state.db(move |c| model::pending_requests(c, &f, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}
