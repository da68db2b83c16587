//! Teams, members and volunteer profiles.

use actix_web::{get, post, put, web, HttpResponse};

use crate::auth::{Resident, Staff, TeamLeader};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::teams::{
    CreateTeamRequest, PartyMemberRequest, SetMemberRoleRequest, TeamMemberView, TeamView,
    UpdateProfileRequest, VolunteerProfileView,
};
use crate::volunteering::model::teams as model;
use crate::volunteering::rules::normalize_skills;

/// 志愿服务队列表及其队长（List volunteer teams）。
///
/// 志愿服务队列表，含各队队长。
///
/// List volunteer teams (志愿服务队) with their leaders.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of teams", body = Page<TeamView>))
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::list_teams(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 创建志愿服务队（工作人员）
///
/// 创建服务队（工作人员）。
///
/// Create a team (staff).
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    request_body = CreateTeamRequest,
    responses(
        (status = 201, description = "Created", body = TeamView),
        (status = 409, description = "`team_name_taken`", body = crate::error::ErrorBody),
    )
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<CreateTeamRequest>,
) -> ApiResult<HttpResponse> {
    let CreateTeamRequest {
        name,
        description,
        community_id: community,
    } = body.0;
    let now = state.clock.now_naive();
    let uid = staff.user_id;
    let team = state
        .db(move |c| {
            let id = model::create_team(c, &name, &description, community, now)?;
            model::team_view(c, id, uid)
        })
        .await?;
    Ok(created(format!("/api/v1/teams/{}", team.id), &team))
}

/// 查看志愿服务队
///
/// 单个服务队。
///
/// One team.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let team = state.db(move |c| model::team_view(c, id, uid)).await?;
    Ok(HttpResponse::Ok().json(team))
}

/// 申请加入志愿服务队
///
/// 申请加入服务队。成员资格为 `pending`，直到服务队队长（或工作人员）批准；只有已批准的成员才能认领微心愿并累计服务时长。
///
/// Ask to join a team. The membership is `pending` until one of the team's leaders (or staff)
/// approves it; only approved members claim micro-wishes and earn service hours.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    responses(
        (status = 200, description = "Asked; the team (`my_status`: `pending`)", body = TeamView),
        (status = 409, description = "`already_team_member`", body = crate::error::ErrorBody),
    )
)]
#[post("/teams/{id}/join")]
pub async fn join_team(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let now = state.clock.now_naive();
    let team = state
        .db(move |c| {
            model::join(c, id, uid, now)?;
            model::team_view(c, id, uid)
        })
        .await?;
    Ok(HttpResponse::Ok().json(team))
}

/// 退出志愿服务队
///
/// 退出服务队。
///
/// Leave a team.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id")),
    responses(
        (status = 204, description = "Left"),
        (status = 409, description = "`not_team_member`", body = crate::error::ErrorBody),
    )
)]
#[post("/teams/{id}/leave")]
pub async fn leave_team(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    state.db(move |c| model::leave(c, id, uid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 服务队成员列表
///
/// 服务队成员及其技能（其队长和工作人员）。
///
/// A team's members with their skills (its leaders and staff).
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), PageParams),
    responses(
        (status = 200, description = "One page of members, leaders first", body = Page<TeamMemberView>),
        (status = 403, description = "`forbidden` or `not_team_leader`", body = crate::error::ErrorBody),
    )
)]
#[get("/teams/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let (id, me) = (id.into_inner(), user.0);
    let (items, total) = state
        .db(move |c| {
            if !model::team_exists(c, id)? {
                return Err(ApiError::not_found());
            }
            model::require_manage(c, me, id)?;
            model::members(c, id, p)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 批准入队申请
///
/// 批准待审的成员资格（服务队队长和工作人员）。对已批准的成员再次批准得到相同应答。
///
/// Approve a pending membership (the team's leaders and staff). Approving an approved member
/// answers the same.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("user_id" = i64, Path, description = "Member's user id")),
    responses(
        (status = 200, description = "Approved; the team", body = TeamView),
        (status = 403, description = "`forbidden` or `not_team_leader`", body = crate::error::ErrorBody),
        (status = 409, description = "`not_team_member`", body = crate::error::ErrorBody),
    )
)]
#[post("/teams/{id}/members/{user_id}/approve")]
pub async fn approve_member(
    state: web::Data<AppState>,
    user: TeamLeader,
    path: Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (team, member) = path.into_inner();
    let me = user.0;
    let now = state.clock.now_naive();
    let view = state
        .db(move |c| {
            if !model::team_exists(c, team)? {
                return Err(ApiError::not_found());
            }
            model::require_manage(c, me, team)?;
            model::approve(c, team, member, me.user_id, now)?;
            model::team_view(c, team, me.user_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 拒绝入队申请
///
/// 拒绝待审的成员资格（服务队队长和工作人员）：删除该申请。
///
/// Reject a pending membership (the team's leaders and staff): the request is removed.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("user_id" = i64, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Rejected"),
        (status = 403, description = "`forbidden` or `not_team_leader`", body = crate::error::ErrorBody),
        (status = 409, description = "`not_team_member` or `membership_not_pending`", body = crate::error::ErrorBody),
    )
)]
#[post("/teams/{id}/members/{user_id}/reject")]
pub async fn reject_member(
    state: web::Data<AppState>,
    user: TeamLeader,
    path: Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (team, member) = path.into_inner();
    let me = user.0;
    state
        .db(move |c| {
            if !model::team_exists(c, team)? {
                return Err(ApiError::not_found());
            }
            model::require_manage(c, me, team)?;
            model::reject(c, team, member)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 设置队长或普通队员（工作人员）
///
/// 设置成员为队长或普通成员（工作人员；不能设置自己）。
///
/// Make a member a leader or a plain member (staff; never oneself).
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Team id"), ("user_id" = i64, Path, description = "Member's user id")),
    request_body = SetMemberRoleRequest,
    responses(
        (status = 200, description = "The team", body = TeamView),
        (status = 403, description = "`forbidden` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 409, description = "`not_team_member`", body = crate::error::ErrorBody),
    )
)]
#[put("/teams/{id}/members/{user_id}/role")]
pub async fn set_member_role(
    state: web::Data<AppState>,
    staff: Staff,
    path: Path<(i64, i64)>,
    body: Json<SetMemberRoleRequest>,
) -> ApiResult<HttpResponse> {
    let (team, member) = path.into_inner();
    let role = body.role;
    let uid = staff.user_id;
    if member == uid {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    let view = state
        .db(move |c| {
            model::set_member_role(c, team, member, role)?;
            model::team_view(c, team, uid)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 我的志愿者资料
///
/// 我的志愿者资料：技能、服务队、党员身份、服务时长。
///
/// My volunteer profile: skills, teams, party membership, service time.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    responses((status = 200, description = "My profile", body = VolunteerProfileView))
)]
#[get("/me/volunteer-profile")]
pub async fn get_profile(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let p = state.db(move |c| model::profile(c, uid)).await?;
    Ok(HttpResponse::Ok().json(p))
}

/// 设置我的技能
///
/// 设置我的技能。
///
/// Set my skills.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses((status = 200, description = "My profile", body = VolunteerProfileView))
)]
#[put("/me/volunteer-profile")]
pub async fn update_profile(
    state: web::Data<AppState>,
    user: Resident,
    body: Json<UpdateProfileRequest>,
) -> ApiResult<HttpResponse> {
    let skills = normalize_skills("skills", &body.skills)?;
    let uid = user.user_id;
    let now = state.clock.now_naive();
    let p = state
        .db(move |c| {
            model::set_skills(c, uid, &skills, now)?;
            model::profile(c, uid)
        })
        .await?;
    Ok(HttpResponse::Ok().json(p))
}

/// 登记或取消登记在职党员（工作人员）（Register a party member）。
///
/// 登记或取消登记在职党员（工作人员；不能登记自己）。党员无需加入服务队即可认领微心愿。
///
/// Register a user as an in-service party member (在职党员), or undo it (staff; never
/// oneself). Party members may claim micro-wishes without joining a team.
#[utoipa::path(
    tag = "volunteer-teams",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = PartyMemberRequest,
    responses(
        (status = 200, description = "The user's volunteer profile", body = VolunteerProfileView),
        (status = 403, description = "`forbidden` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[put("/users/{id}/party-member")]
pub async fn set_party_member(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<PartyMemberRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if id == staff.user_id {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    let flag = body.is_party_member;
    // An empty unit is no unit.
    let unit = body
        .0
        .party_unit
        .map(String::from)
        .filter(|u| !u.is_empty());
    let now = state.clock.now_naive();
    let p = state
        .db(move |c| {
            model::set_party_member(c, id, flag, unit.as_deref(), now)?;
            model::profile(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(p))
}
