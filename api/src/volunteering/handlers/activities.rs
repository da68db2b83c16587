//! Activities: list, show, create, edit, cancel, close; the roster and its CSV export.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};

use crate::auth::{Resident, TeamLeader};
use crate::clock::LOCAL_TZ;
use crate::csv_export::CsvExport;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::activities::{
    ActivityDetail, ActivityFilter, ActivitySummary, CancelActivityRequest, CloseReport,
    CreateActivityRequest, UpdateActivityRequest,
};
use crate::volunteering::dto::signups::{RosterEntry, SignupStatus};
use crate::volunteering::model::activities::{self as model, Edit, NewActivity};
use crate::volunteering::model::{attendance, signups, teams};
use crate::volunteering::rules::{normalize_skills, skills_from_text, validate_numbers, Schedule};

/// 志愿活动列表（即将开始）
///
/// 即将进行的活动（已开放、尚未结束），最早开始的在前：可按社区、类别、当地日期、服务队以及是否还有名额筛选。
///
/// Upcoming activities (open, not yet ended), soonest first: by community, category, local
/// date, team, and whether seats are left.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(ActivityFilter, PageParams),
    responses((status = 200, description = "One page of activities", body = Page<ActivitySummary>))
)]
#[get("/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    _user: Resident,
    filter: Query<ActivityFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let filter = filter.0;
    let p = page.0.validate()?;
    let now = state.clock.now_naive();
    let (items, total) = state.db(move |c| model::list(c, &filter, now, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 查看志愿活动详情
///
/// 单个活动，含剩余名额和我的报名（含我的候补位次）。
///
/// One activity with seats left and my own sign-up (with my waitlist position).
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "The activity", body = ActivityDetail),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let d = state.db(move |c| model::detail(c, id, me)).await?;
    Ok(HttpResponse::Ok().json(d))
}

fn naive(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.naive_utc()
}

/// 创建志愿活动
///
/// 为服务队创建活动（其队长或工作人员）。
///
/// Create an activity for a team (its leaders or staff).
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    request_body = CreateActivityRequest,
    responses(
        (status = 201, description = "Created", body = ActivityDetail),
        (status = 403, description = "`forbidden` or `not_team_leader`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed` naming the field", body = crate::error::ErrorBody),
    )
)]
#[post("/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    user: TeamLeader,
    body: Json<CreateActivityRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let now = state.clock.now_naive();
    let schedule = Schedule {
        starts_at: naive(b.starts_at),
        ends_at: naive(b.ends_at),
        signup_deadline: naive(b.signup_deadline.unwrap_or(b.starts_at)),
    };
    schedule.validate_start(now)?;
    schedule.validate()?;
    validate_numbers(Some(b.capacity), Some(b.points_per_hour))?;
    let new = NewActivity {
        team_id: b.team_id,
        community_id: b.community_id,
        title: b.title.into_string(),
        category: b.category,
        description: b.description.into_string(),
        place: b.place.into_string(),
        schedule,
        capacity: b.capacity,
        required_skills: normalize_skills("required_skills", &b.required_skills)?,
        points_per_hour: b.points_per_hour,
    };
    let me = user.0;
    let detail = state
        .db(move |c| {
            if !teams::team_exists(c, new.team_id)? {
                return Err(ApiError::validation("team_id", "no such team"));
            }
            teams::require_manage(c, me, new.team_id)?;
            let id = model::create(c, &new, me.user_id, now)?;
            model::detail(c, id, me)
        })
        .await?;
    Ok(created(
        format!("/api/v1/activities/{}", detail.activity.id),
        &detail,
    ))
}

/// 修改志愿活动
///
/// 活动开始前修改活动（其服务队队长或工作人员）。名额不能低于已确认人数；提高名额会立即递补候补的人。
///
/// Edit an activity before it starts (its team's leaders or staff). The capacity cannot go
/// below the confirmed seats; raising it promotes waitlisted people at once.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    request_body = UpdateActivityRequest,
    responses(
        (status = 200, description = "The edited activity", body = ActivityDetail),
        (status = 409, description = "`activity_not_open` or `activity_already_started`", body = crate::error::ErrorBody),
        (status = 422, description = "`capacity_below_confirmed` or `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[patch("/activities/{id}")]
pub async fn update_activity(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
    body: Json<UpdateActivityRequest>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let b = body.0;
    validate_numbers(b.capacity, b.points_per_hour)?;
    let skills = b
        .required_skills
        .as_deref()
        .map(|s| normalize_skills("required_skills", s))
        .transpose()?;
    let now = state.clock.now_naive();
    let detail = state
        .db(move |c| {
            let cur = model::get(c, id)?;
            teams::require_manage(c, me, cur.team_id)?;
            let schedule = Schedule {
                starts_at: b.starts_at.map(naive).unwrap_or(cur.starts_at),
                ends_at: b.ends_at.map(naive).unwrap_or(cur.ends_at),
                signup_deadline: b.signup_deadline.map(naive).unwrap_or(cur.signup_deadline),
            };
            if b.starts_at.is_some() {
                schedule.validate_start(now)?;
            }
            schedule.validate()?;
            let edit = Edit {
                team_id: cur.team_id,
                community_id: cur.community_id,
                title: b.title.map_or(cur.title, String::from),
                category: b.category.unwrap_or(cur.category),
                description: b.description.map_or(cur.description, String::from),
                place: b.place.map_or(cur.place, String::from),
                schedule,
                capacity: b.capacity.unwrap_or(cur.capacity),
                required_skills: skills.unwrap_or_else(|| skills_from_text(&cur.required_skills)),
                points_per_hour: b.points_per_hour.unwrap_or(cur.points_per_hour),
            };
            model::update(c, id, &edit, now)?;
            model::detail(c, id, me)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// 取消志愿活动
///
/// 活动开始前取消活动（其服务队队长或工作人员）；通知所有已报名的人。
///
/// Cancel an activity before it starts (its team's leaders or staff); everyone signed up is
/// told.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    request_body = CancelActivityRequest,
    responses(
        (status = 200, description = "The cancelled activity", body = ActivityDetail),
        (status = 409, description = "`activity_not_open` or `activity_already_started`", body = crate::error::ErrorBody),
    )
)]
#[post("/activities/{id}/cancel")]
pub async fn cancel_activity(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
    body: Json<CancelActivityRequest>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    // An empty reason is no reason.
    let reason = body.0.reason.map(String::from).filter(|r| !r.is_empty());
    let now = state.clock.now_naive();
    let detail = state
        .db(move |c| {
            let cur = model::get(c, id)?;
            teams::require_manage(c, me, cur.team_id)?;
            model::cancel(c, id, reason.as_deref(), now)?;
            model::detail(c, id, me)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// 结束志愿活动
///
/// 结束已结束的活动（其服务队队长或工作人员）：从未签到的已确认者记为缺席；已签到未签退的人按到结束时计时。
/// 无人结束时，后台任务在结束两小时后自动完成。
///
/// Close an ended activity (its team's leaders or staff): confirmed people who never checked
/// in become no-shows; checked-in people not checked out are credited until the end. Done by
/// a background job two hours after the end when nobody closes it.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 200, description = "What was settled", body = CloseReport),
        (status = 409, description = "`activity_not_ended` or `activity_not_open`", body = crate::error::ErrorBody),
    )
)]
#[post("/activities/{id}/close")]
pub async fn close_activity(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let now = state.clock.now_naive();
    let report = state
        .db(move |c| {
            let cur = model::get(c, id)?;
            teams::require_manage(c, me, cur.team_id)?;
            attendance::close(c, id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// 活动报名名单
///
/// 实时名单（其服务队队长或工作人员）：先列已确认的人，再按顺序列出候补及位次。
///
/// The live roster (its team's leaders or staff): confirmed first, then the waitlist in
/// order with positions.
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id"), PageParams),
    responses((status = 200, description = "One page of the roster", body = Page<RosterEntry>))
)]
#[get("/activities/{id}/signups")]
pub async fn roster(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let (id, me) = (id.into_inner(), user.0);
    let (items, total) = state
        .db(move |c| {
            let cur = model::get(c, id)?;
            teams::require_manage(c, me, cur.team_id)?;
            signups::roster(c, id, Some(p))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

fn local(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&LOCAL_TZ)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    })
    .unwrap_or_default()
}

/// 导出报名名单（CSV）
///
/// 下载名单 CSV，可用 Excel 打开（其服务队队长或工作人员）：UTF-8 带 BOM，当地时间（Asia/Shanghai）。
///
/// Download the roster as CSV for Excel (its team's leaders or staff): UTF-8 with BOM, local
/// times (Asia/Shanghai).
#[utoipa::path(
    tag = "activities",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The roster as CSV", content_type = "text/csv", body = String))
)]
#[get("/activities/{id}/signups.csv")]
pub async fn roster_csv(
    state: web::Data<AppState>,
    user: TeamLeader,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, me) = (id.into_inner(), user.0);
    let rows = state
        .db(move |c| {
            let cur = model::get(c, id)?;
            teams::require_manage(c, me, cur.team_id)?;
            signups::roster(c, id, None).map(|(items, _)| items)
        })
        .await?;
    let mut out = CsvExport::new(
        [
            "序号",
            "用户ID",
            "昵称",
            "状态",
            "候补位置",
            "报名时间",
            "确认时间",
            "签到时间",
            "签退时间",
            "缺席",
            "服务时长(分钟)",
            "积分",
        ],
        true,
    )?;
    for (i, r) in rows.iter().enumerate() {
        let s = &r.signup;
        let status = match s.status {
            SignupStatus::Confirmed => "已确认",
            SignupStatus::Waitlisted => "候补",
            SignupStatus::Cancelled => "已取消",
        };
        out.row([
            (i + 1).to_string(),
            r.user_id.to_string(),
            r.nickname.clone(),
            status.to_owned(),
            s.position.map(|p| p.to_string()).unwrap_or_default(),
            local(Some(s.created_at)),
            local(s.confirmed_at),
            local(s.checked_in_at),
            local(s.checked_out_at),
            if s.no_show { "是" } else { "" }.to_owned(),
            s.service_minutes.map(|m| m.to_string()).unwrap_or_default(),
            s.points_awarded.map(|m| m.to_string()).unwrap_or_default(),
        ])?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"activity-{id}-signups.csv\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(out.finish()?))
}
