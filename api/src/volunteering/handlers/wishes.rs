//! Micro-wishes (微心愿).

use actix_web::{get, post, web, HttpResponse};

use crate::auth::{Resident, Staff};
use crate::config::WishLimits;
use crate::error::ApiResult;
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::wishes::{
    CreateWishRequest, DisputeWishRequest, SettleWishRequest, WishFilter, WishReport,
    WishReportQuery, WishStatus, WishView,
};
use crate::volunteering::model::{quotas, wish_report, wishes as model};

/// 微心愿列表
///
/// 微心愿，默认只列待认领的，最新在前。
///
/// Micro-wishes, open ones by default, newest first.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(WishFilter, PageParams),
    responses((status = 200, description = "One page of wishes", body = Page<WishView>))
)]
#[get("/wishes")]
pub async fn list_wishes(
    state: web::Data<AppState>,
    _user: Resident,
    q: Query<WishFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = page.0.validate()?;
    let status = q.status.unwrap_or(WishStatus::Open);
    let community = q.community_id;
    let (items, total) = state
        .db(move |c| model::list(c, status, community, p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 发布微心愿
///
/// 发布微心愿（同时未结清的至多 `LINLI_WISH_OPEN_POSTS_MAX` 个）。
///
/// Post a micro-wish (at most `LINLI_WISH_OPEN_POSTS_MAX` unsettled at once).
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    request_body = CreateWishRequest,
    responses(
        (status = 201, description = "Posted", body = WishView),
        (status = 422, description = "`wish_post_limit_reached` or `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes")]
pub async fn create_wish(
    state: web::Data<AppState>,
    user: Resident,
    body: Json<CreateWishRequest>,
) -> ApiResult<HttpResponse> {
    let CreateWishRequest {
        title,
        description,
        community_id: community,
    } = body.0;
    let uid = user.user_id;
    let now = state.clock.now_naive();
    let limits = state.config.wish_limits();
    let wish = state
        .db(move |c| {
            let id = model::create(c, uid, &title, &description, community, limits, now)?;
            model::view(c, id)
        })
        .await?;
    Ok(created(format!("/api/v1/wishes/{}", wish.id), &wish))
}

/// 查看微心愿
///
/// 单个微心愿。
///
/// One micro-wish.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses((status = 200, description = "The wish", body = WishView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/wishes/{id}")]
pub async fn get_wish(
    state: web::Data<AppState>,
    _user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let w = state.db(move |c| model::view(c, id)).await?;
    Ok(HttpResponse::Ok().json(w))
}

/// 我的微心愿（发布的与认领的）
///
/// 我发布或认领的心愿。
///
/// Wishes I posted or claimed.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of wishes", body = Page<WishView>))
)]
#[get("/me/wishes")]
pub async fn my_wishes(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::mine(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

type Action =
    fn(&mut crate::db::DbConn, i64, i64, WishLimits, chrono::NaiveDateTime) -> ApiResult<()>;

async fn act(state: &AppState, user: Resident, id: i64, action: Action) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let now = state.clock.now_naive();
    let limits = state.config.wish_limits();
    let w = state
        .db(move |c| {
            action(c, id, uid, limits, now)?;
            model::view(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(w))
}

/// 认领微心愿
///
/// 认领待认领的心愿（已批准的服务队成员和已登记的党员，且不属于发布者家庭；同一时间只有一名认领者；
/// 每名志愿者未完成的认领至多 `LINLI_WISH_OPEN_CLAIMS_MAX` 个）。
///
/// Claim an open wish (approved team members and registered party members, not of the
/// poster's household; one claimer at a time; at most `LINLI_WISH_OPEN_CLAIMS_MAX` claims not
/// yet fulfilled per volunteer).
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses(
        (status = 200, description = "Claimed", body = WishView),
        (status = 403, description = "`volunteer_required`", body = crate::error::ErrorBody),
        (status = 409, description = "`wish_already_claimed` or `wish_not_open`", body = crate::error::ErrorBody),
        (status = 422, description = "`cannot_claim_own_wish`, `same_household` or `wish_claim_limit_reached`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/claim")]
pub async fn claim(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    act(&state, user, id.into_inner(), model::claim).await
}

/// 放弃认领的微心愿
///
/// 交还已认领的心愿；心愿重新开放认领。
///
/// Give a claimed wish back; it is open again.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses(
        (status = 200, description = "Open again", body = WishView),
        (status = 409, description = "`wish_not_claimed_by_you`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/release")]
pub async fn release(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    act(&state, user, id.into_inner(), |c, id, u, _, now| {
        model::release(c, id, u, now)
    })
    .await
}

/// 标记微心愿已完成
///
/// 将我认领的心愿标为已完成；由发布者确认（或 7 天后自动确认）。
///
/// Mark a wish I claimed as fulfilled; its poster confirms (or it confirms itself after 7 days).
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses(
        (status = 200, description = "Fulfilled", body = WishView),
        (status = 409, description = "`wish_not_claimed_by_you`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/fulfil")]
pub async fn fulfil(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    act(&state, user, id.into_inner(), |c, id, u, _, now| {
        model::fulfil(c, id, u, now)
    })
    .await
}

/// 确认微心愿已完成
///
/// 确认我已完成的心愿：认领者在同一事务中获得积分（只发一次，不超过其每月心愿积分上限，同一家庭内从不发放）。
///
/// Confirm my fulfilled wish: the claimer gets the points (once, within their monthly cap of
/// wish points, never within one household), in the same transaction.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses(
        (status = 200, description = "Confirmed", body = WishView),
        (status = 403, description = "`forbidden`: not my wish", body = crate::error::ErrorBody),
        (status = 409, description = "`wish_not_fulfilled`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    act(&state, user, id.into_inner(), model::confirm).await
}

/// 撤回我的微心愿
///
/// 无人认领时撤回我的心愿。
///
/// Withdraw my wish while nobody has claimed it.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    responses(
        (status = 200, description = "Withdrawn", body = WishView),
        (status = 403, description = "`forbidden`: not my wish", body = crate::error::ErrorBody),
        (status = 409, description = "`wish_not_open`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    act(&state, user, id.into_inner(), |c, id, u, _, now| {
        model::withdraw(c, id, u, now)
    })
    .await
}

/// 对微心愿完成情况提出异议
///
/// 对我已完成的心愿提出异议：不再自动确认，由工作人员裁定。
///
/// Dispute my fulfilled wish: it no longer confirms itself; staff settle it.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    request_body = DisputeWishRequest,
    responses(
        (status = 200, description = "Disputed", body = WishView),
        (status = 403, description = "`forbidden`: not my wish", body = crate::error::ErrorBody),
        (status = 409, description = "`wish_not_fulfilled`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/dispute")]
pub async fn dispute(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
    body: Json<DisputeWishRequest>,
) -> ApiResult<HttpResponse> {
    let (id, uid) = (id.into_inner(), user.user_id);
    let reason = body.0.reason;
    let now = state.clock.now_naive();
    let w = state
        .db(move |c| {
            model::dispute(c, id, uid, &reason, now)?;
            model::view(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(w))
}

/// 裁定有异议的微心愿（工作人员）
///
/// 裁定有争议的心愿（工作人员，不能是自己的）：向认领者发放积分（确认）或不发放（驳回）。裁定及其理由写入审计日志。
///
/// Settle a disputed wish (staff, never their own): pay the claimer (confirmed) or not
/// (rejected). The decision and its reason go to the audit log.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Wish id")),
    request_body = SettleWishRequest,
    responses(
        (status = 200, description = "Settled", body = WishView),
        (status = 403, description = "`forbidden` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 409, description = "`wish_not_disputed`", body = crate::error::ErrorBody),
    )
)]
#[post("/wishes/{id}/settle")]
pub async fn settle(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<SettleWishRequest>,
) -> ApiResult<HttpResponse> {
    let (id, sid) = (id.into_inner(), staff.user_id);
    let SettleWishRequest { pay, reason } = body.0;
    let now = state.clock.now_naive();
    let limits = state.config.wish_limits();
    let w = state
        .db(move |c| {
            model::settle(c, id, sid, pay, &reason, limits, now)?;
            model::view(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(w))
}

/// 微心愿积分月报（工作人员）
///
/// 某月的心愿积分（工作人员）：收入最高的志愿者，以及反复互相交易心愿的账号对。
///
/// Wish points of a month (staff): the top earners and the pairs of accounts that keep
/// trading wishes with each other.
#[utoipa::path(
    tag = "wishes",
    security(("bearer" = [])),
    params(WishReportQuery),
    responses(
        (status = 200, description = "The report", body = WishReport),
        (status = 403, description = "`forbidden`", body = crate::error::ErrorBody),
    )
)]
#[get("/reports/wish-points")]
pub async fn report(
    state: web::Data<AppState>,
    _staff: Staff,
    q: Query<WishReportQuery>,
) -> ApiResult<HttpResponse> {
    let month = match q.0.month {
        Some(m) => m,
        None => quotas::month_of(state.clock.now_naive()),
    };
    let first = wish_report::parse_month(&month)?;
    let r = state.db(move |c| wish_report::report(c, first)).await?;
    Ok(HttpResponse::Ok().json(r))
}
