//! Card endpoints: the public lookup (rate-limited, cached, revalidated by ETag), the
//! resident's own card, and staff administration of cards, role contacts and assignments.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;

use super::dto::{
    AssignmentView, CardAdminView, CardFilter, CardView, CheckCodeQuery, CreateAssignment,
    CreateRoleContact, IssueCard, RoleContactFilter, RoleContactView, UpdateRoleContact,
};
use super::lookup;
use super::model::{assignments, card, contacts};
use super::rules::CardNumber;
use crate::auth::model::User;
use crate::auth::{Resident, Staff};
use crate::directory::stamp;
use crate::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::http::cached::respond;
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::limits::client_key;
use crate::state::AppState;

/// Phones may show a card view for a minute before revalidating it.
const CARD_CACHE_CONTROL: &str = "private, max-age=60";

/// The caller's address is within its card-lookup limit (429 with `Retry-After` otherwise).
/// An extractor placed before the card number and check code, so a malformed lookup counts
/// against the limit too and a limited caller hears 429 whatever it sent.
pub struct WithinLookupLimit;

impl FromRequest for WithinLookupLimit {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let key = state
            .as_ref()
            .map(|s| client_key(req, s.config.trust_proxy));
        Box::pin(async move {
            let (Some(state), Some(key)) = (state, key) else {
                return Err(ApiError::internal("application state missing"));
            };
            state.limits.card_lookup.enforce(&key).await?;
            Ok(WithinLookupLimit)
        })
    }
}

/// 扫码查询便民服务卡（无需登录）
///
/// 查询便民服务卡（无需登录）：二维码中的卡号和校验码可查到楼栋地址（社区 › 网格 › 小区 › 楼栋）、
/// 七个角色联系人、社区服务中心、按类别的15分钟生活圈（含按当地时间“正在营业”）与紧急电话。
/// 从不显示家庭住户。校验码错误、卡号不存在或已吊销都返回相同的 404。按客户端地址限频（429，
/// 带 `Retry-After`）。返回 `ETag` 和 `Cache-Control`；带 `If-None-Match` 可得到 304。
///
/// Look up a convenience card (no login): the number and check code from its QR code give
/// the building's address (community › grid › compound › building), its seven role contacts,
/// the community service centre, the 15-minute circle by category with "open now" (local
/// time) and emergency numbers. Never who lives in the household. A wrong check code and an
/// unknown or revoked card answer the same 404. Limited per client address (429 with
/// `Retry-After`). Sends `ETag` and `Cache-Control`; `If-None-Match` gives 304.
#[utoipa::path(
    tag = "cards",
    security(),
    params(
        ("card_number" = inline(CardNumber), Path, description = "Printed card number", example = "JC00001"),
        CheckCodeQuery,
    ),
    responses(
        (status = 200, description = "The card's view", body = CardView,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (the `If-None-Match` ETag is current)"),
        (status = 404, description = "`card_not_found`: wrong number or check code, or revoked", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody),
    )
)]
#[get("/cards/{card_number}")]
pub async fn lookup_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    _within: WithinLookupLimit,
    number: Path<CardNumber>,
    check: Query<CheckCodeQuery>,
) -> ApiResult<HttpResponse> {
    let rendered = lookup::by_card(&state, number.into_inner(), check.0.check_code).await?;
    Ok(respond(&req, &rendered, CARD_CACHE_CONTROL))
}

/// 我家的服务卡
///
/// 我家服务卡的内容：与扫描我家的卡相同（卡在重印期间也可用）。账号绑定家庭之前返回 404 `household_not_bound`。
///
/// My household's card view: the same as scanning our card (works even while our card is
/// being reprinted). 404 `household_not_bound` until the account is bound to a household.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The card's view", body = CardView,
         headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "`household_not_bound`", body = ErrorBody),
    )
)]
#[get("/me/card")]
pub async fn my_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Resident,
) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let household = state
        .db(move |conn| User::find(conn, uid))
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?
        .household_id
        .ok_or_else(|| ApiError::new(ErrorCode::HouseholdNotBound))?;
    let rendered = lookup::by_household(&state, household).await?;
    Ok(respond(&req, &rendered, CARD_CACHE_CONTROL))
}

/// 服务卡列表（工作人员）
///
/// 工作人员：按家庭和状态列出服务卡及其校验码（用于打印）。
///
/// Staff: cards, by household and status, with their check codes (for printing).
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(CardFilter),
    responses((status = 200, description = "One page of cards", body = Page<CardAdminView>))
)]
#[get("/cards")]
pub async fn list_cards(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<CardFilter>,
) -> ApiResult<HttpResponse> {
    let filter = filter.0;
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let (items, total) = state
        .db(move |c| card::list_cards(c, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

async fn card_admin(state: &AppState, number: String) -> ApiResult<CardAdminView> {
    state
        .db(move |c| card::card_admin(c, &number))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// 发放服务卡（工作人员）
///
/// 工作人员：为没有有效卡的家庭发卡（下一个卡号，随机校验码）。
///
/// Staff: issue a card (next number, random check code) to a household without an active one.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    request_body = IssueCard,
    responses(
        (status = 201, description = "Issued", body = CardAdminView),
        (status = 409, description = "`household_has_active_card`: revoke or reissue that one", body = ErrorBody),
    )
)]
#[post("/cards")]
pub async fn issue_card(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<IssueCard>,
) -> ApiResult<HttpResponse> {
    let (household, now) = (body.household_id, state.clock.now_naive());
    let number = stamp::edit(&state, move |c| card::issue_card(c, household, now)).await?;
    let card = card_admin(&state, number).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/cards/{}", card.card_number),
        ))
        .json(card))
}

/// 注销服务卡（工作人员）
///
/// 工作人员：吊销服务卡（遗失、搬走）。其二维码立即失效。
///
/// Staff: revoke a card (lost, moved out). Its QR code stops working at once.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(("card_number" = inline(CardNumber), Path, description = "Printed card number")),
    responses(
        (status = 200, description = "Revoked", body = CardAdminView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`card_not_active`: already revoked", body = ErrorBody),
    )
)]
#[post("/cards/{card_number}/revoke")]
pub async fn revoke_card(
    state: web::Data<AppState>,
    _staff: Staff,
    number: Path<CardNumber>,
) -> ApiResult<HttpResponse> {
    let (number, now) = (number.into_inner(), state.clock.now_naive());
    let n = number.clone();
    stamp::edit(&state, move |c| card::revoke_card(c, &n, now)).await?;
    Ok(HttpResponse::Ok().json(card_admin(&state, number.to_string()).await?))
}

/// 补办服务卡（新校验码，工作人员）
///
/// 工作人员：重印服务卡：卡号不变，换新的随机校验码。旧二维码随即失效。
///
/// Staff: reprint a card: same number, new random check code. The old QR code stops working.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(("card_number" = inline(CardNumber), Path, description = "Printed card number")),
    responses(
        (status = 200, description = "Reissued with a new check code", body = CardAdminView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`card_not_active`: a revoked card is not reprinted; issue a new one", body = ErrorBody),
    )
)]
#[post("/cards/{card_number}/reissue")]
pub async fn reissue_card(
    state: web::Data<AppState>,
    _staff: Staff,
    number: Path<CardNumber>,
) -> ApiResult<HttpResponse> {
    let (number, now) = (number.into_inner(), state.clock.now_naive());
    let n = number.clone();
    stamp::edit(&state, move |c| card::reissue_card(c, &n, now)).await?;
    Ok(HttpResponse::Ok().json(card_admin(&state, number.to_string()).await?))
}

/// 工作人员：角色联系人（三长三员一民警）及其负责范围（Role contacts）。
///
/// 工作人员：角色联系人列表，含每人负责的小区或楼栋。
///
/// Staff: role contacts (三长三员一民警) with what they cover.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(RoleContactFilter),
    responses((status = 200, description = "One page of role contacts", body = Page<RoleContactView>))
)]
#[get("/role-contacts")]
pub async fn list_role_contacts(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<RoleContactFilter>,
) -> ApiResult<HttpResponse> {
    let filter = filter.0;
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let (items, total) = state
        .db(move |c| contacts::list_role_contacts(c, &filter, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

async fn role_contact(state: &AppState, id: i64) -> ApiResult<RoleContactView> {
    state
        .db(move |c| contacts::role_contact(c, id))
        .await?
        .ok_or_else(ApiError::not_found)
}

/// 新增“三长三员一民警”联系人（工作人员）
///
/// 工作人员：添加角色联系人。
///
/// Staff: add a role contact.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    request_body = CreateRoleContact,
    responses(
        (status = 201, description = "Created", body = RoleContactView),
        (status = 422, description = "`validation_failed` naming the field", body = ErrorBody),
    )
)]
#[post("/role-contacts")]
pub async fn create_role_contact(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateRoleContact>,
) -> ApiResult<HttpResponse> {
    let (input, now) = (body.0, state.clock.now_naive());
    let id = stamp::edit(&state, move |c| {
        contacts::create_role_contact(c, &input, now)
    })
    .await?;
    let view = role_contact(&state, id).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/role-contacts/{id}")))
        .json(view))
}

/// 更正联系人姓名或电话（工作人员）
///
/// 工作人员：更正角色联系人的姓名或电话（同时标记为现已确认）。其负责楼栋的每张卡在下次查询时显示更新。
///
/// Staff: correct a role contact's name or phone (marks it confirmed now). Every card of the
/// buildings they cover shows the change on its next lookup.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Role contact id")),
    request_body = UpdateRoleContact,
    responses(
        (status = 200, description = "Updated", body = RoleContactView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`role_contact_retired`", body = ErrorBody),
    )
)]
#[patch("/role-contacts/{id}")]
pub async fn update_role_contact(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<UpdateRoleContact>,
) -> ApiResult<HttpResponse> {
    let (id, input, now) = (id.into_inner(), body.0, state.clock.now_naive());
    stamp::edit(&state, move |c| {
        contacts::update_role_contact(c, id, &input, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(role_contact(&state, id).await?))
}

/// 联系人卸任（工作人员）
///
/// 工作人员：停用已不负责任何范围的角色联系人。
///
/// Staff: retire a role contact who covers nothing any more.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Role contact id")),
    responses(
        (status = 200, description = "Retired", body = RoleContactView),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "`role_contact_in_use` (reassign first) or `role_contact_retired`", body = ErrorBody),
    )
)]
#[post("/role-contacts/{id}/retire")]
pub async fn retire_role_contact(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.clock.now_naive());
    stamp::edit(&state, move |c| contacts::retire_role_contact(c, id, now)).await?;
    Ok(HttpResponse::Ok().json(role_contact(&state, id).await?))
}

/// Filters for assignments.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentFilter {
    /// Only this role contact's.
    pub role_contact_id: Option<i64>,
    /// Only this compound's.
    pub compound_id: Option<i64>,
    /// Only this building's own.
    pub building_id: Option<i64>,
}

/// 联系人负责范围列表（工作人员）
///
/// 工作人员：某个联系人、小区或楼栋的角色指派（至多 1000 条）。
///
/// Staff: role assignments of a contact, a compound or a building (at most 1000).
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(AssignmentFilter),
    responses((status = 200, description = "Assignments", body = Vec<AssignmentView>))
)]
#[get("/role-assignments")]
pub async fn list_assignments(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: Query<AssignmentFilter>,
) -> ApiResult<HttpResponse> {
    let f = filter.0;
    if f.role_contact_id.is_none() && f.compound_id.is_none() && f.building_id.is_none() {
        return Err(ApiError::validation(
            "role_contact_id",
            "name a role_contact_id, compound_id or building_id",
        ));
    }
    let list = state
        .db(move |c| {
            assignments::list_assignments(c, f.role_contact_id, f.compound_id, f.building_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// 指派楼栋或小区联系人（工作人员）
///
/// 工作人员：为本社区的小区或某一楼栋指定角色联系人，替换原先担任该角色的人。
///
/// Staff: assign a role contact to a compound or one building of their community, replacing
/// whoever held that role there.
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    request_body = CreateAssignment,
    responses(
        (status = 201, description = "Assigned", body = AssignmentView),
        (status = 409, description = "`role_contact_retired`", body = ErrorBody),
        (status = 422, description = "`role_contact_wrong_community` or `validation_failed`", body = ErrorBody),
    )
)]
#[post("/role-assignments")]
pub async fn create_assignment(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateAssignment>,
) -> ApiResult<HttpResponse> {
    let (input, now) = (body.0, state.clock.now_naive());
    let view = stamp::edit(&state, move |c| assignments::assign(c, &input, now)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/role-assignments/{}", view.id),
        ))
        .json(view))
}

/// 撤销联系人指派（工作人员）
///
/// 工作人员：删除指派（该楼栋回到其小区的担任者，若有）。
///
/// Staff: remove an assignment (the building falls back to its compound's holder, if any).
#[utoipa::path(
    tag = "cards",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Assignment id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "`not_found`", body = ErrorBody),
    )
)]
#[delete("/role-assignments/{id}")]
pub async fn delete_assignment(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    stamp::edit(&state, move |c| assignments::unassign(c, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
