//! `GET /me`, `POST /me/household` (bind with a card), `DELETE /me/household`.

use actix_web::{delete, get, post, web, HttpResponse};

use super::dto::{BindHouseholdRequest, MeView};
use super::model::me_view;
use crate::auth::{AuthUser, Role};
use crate::cards;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::guesses::{self, Kind};
use crate::http::Json;
use crate::notifications::{notify, Notice, NotificationKind};
use crate::state::AppState;

/// 我的账号、角色与家庭
///
/// 我是谁：用户、角色和家庭。
///
/// Who am I: user, role and household.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = MeView))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let keys = state.pii.clone();
    let me = state
        .db(move |conn| me_view(conn, &keys, user.user_id))
        .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// 用服务卡绑定我家
///
/// 凭服务卡申请加入家庭：申请处于待审批（`membership.status` 为 `pending`），由该户的在册户主或社区工作人员批准；
/// 批准前账号不属于任何家庭。对同一家庭再次申请不产生变化；已属于（或已申请）其他家庭的账号须先退出（409
/// `membership_exists`）。错误的校验码按卡和按账号计数：一张卡一小时内错 5 次（一个账号 10 次）后，一小时内返回
/// 429，工作人员可在审计日志中看到。
///
/// Ask to join a household with its card: the request waits (`membership.status` `pending`)
/// until an active owner of the household or community staff approve it; until then the
/// account has no household. Asking again for the same household changes nothing; an account
/// that belongs to (or asked to join) another household must leave it first (409
/// `membership_exists`). Wrong codes are counted per card and per account: after 5 for one
/// card within an hour (10 for one account) binding it answers 429 for an hour, and staff see
/// it in the audit log.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = BindHouseholdRequest,
    responses(
        (status = 202, description = "Asked; the user with the pending (or already active) membership", body = MeView),
        (status = 404, description = "`card_not_found`: wrong number or check code, or the card was revoked", body = crate::error::ErrorBody),
        (status = 409, description = "`membership_exists`: the account belongs to, or asked to join, another household", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes for this card or account; `Retry-After` says when to try again", body = crate::error::ErrorBody),
    )
)]
#[post("/me/household")]
pub async fn bind_household(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<BindHouseholdRequest>,
) -> ApiResult<HttpResponse> {
    let (number, check) = cards::model::validate_pair(&body.card_number, &body.check_code)?;
    let now = state.clock.now_naive();
    let keys = state.pii.clone();
    let me = state
        .db(move |conn| {
            let account = guesses::reserve(conn, Kind::Account, &user.user_id.to_string(), now)?;
            let card = match guesses::reserve(conn, Kind::Card, number.as_str(), now) {
                Ok(card) => card,
                Err(e) => {
                    guesses::succeeded(conn, &account)?;
                    return Err(e);
                }
            };
            let Some(household) = cards::model::household_of(conn, &number, &check)? else {
                guesses::failed(conn, &account, now)?;
                if guesses::failed(conn, &card, now)? {
                    tell_staff(conn, number.as_str(), user.user_id, now)?;
                }
                return Err(ApiError::new(ErrorCode::CardNotFound));
            };
            guesses::succeeded(conn, &account)?;
            guesses::succeeded(conn, &card)?;
            crate::households::model::request(conn, user.user_id, household, now)?;
            me_view(conn, &keys, user.user_id)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(me))
}

/// 退出我家（解除绑定）
///
/// 退出我的家庭（例如搬走之后），或撤回待审批的申请。我尚未开始的充电预约将被取消，并通知该户户主。
///
/// Leave my household (for example after moving out), or withdraw my pending request. My
/// charging bookings that have not started are cancelled and the household's owners told.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 204, description = "Unbound"))
)]
#[delete("/me/household")]
pub async fn unbind_household(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now_naive();
    state
        .db(move |conn| crate::households::model::leave(conn, user.user_id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A card locked after repeated wrong codes goes to the audit log, and to the inbox of the
/// staff of the card's community (staff and admins bound to a household there); when the card
/// is unknown or its community has no such staff, to every staff member and admin. Called
/// once per lock (by the one attempt that set it); the dedupe key keeps it once per staff
/// member and lock even so.
fn tell_staff(
    conn: &mut crate::db::DbConn,
    card_number: &str,
    user_id: i64,
    now: chrono::NaiveDateTime,
) -> crate::error::ApiResult<()> {
    use crate::db::schema::{buildings, cards as c, compounds, households, users};
    use diesel::prelude::*;
    let actor = format!("user:{user_id}");
    crate::partners::model::audit::record_staff(
        conn,
        crate::partners::model::audit::AuditEntry {
            partner_id: 0,
            actor: &actor,
            action: "card.bind_locked",
            target_type: "card",
            target_id: None,
            before: None,
            after: Some(serde_json::json!({
                "card_number": card_number,
                "locked_for_secs": guesses::WINDOW_SECS,
            })),
            at: now,
        },
    )?;
    let community: Option<i64> = c::table
        .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
        .filter(c::card_number.eq(card_number))
        .select(compounds::community_id)
        .first(conn)
        .optional()?;
    let staff_roles = [Role::Staff.as_str(), Role::Admin.as_str()];
    let mut staff: Vec<i64> = match community {
        Some(community) => users::table
            .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
            .filter(
                users::role
                    .eq_any(staff_roles)
                    .and(compounds::community_id.eq(community)),
            )
            .select(users::id)
            .load(conn)?,
        None => Vec::new(),
    };
    if staff.is_empty() {
        staff = users::table
            .filter(users::role.eq_any(staff_roles))
            .select(users::id)
            .load(conn)?;
    }
    let until = now + chrono::Duration::seconds(guesses::WINDOW_SECS);
    let notice = Notice {
        kind: NotificationKind::CardLocked,
        title: "门牌卡已锁定".into(),
        body: format!(
            "门牌卡 {card_number} 一小时内校验码错误 5 次，已锁定一小时，请留意是否有人冒用。"
        ),
        data: serde_json::json!({
            "card_number": card_number,
            "locked_until": until.and_utc(),
        }),
        dedupe_key: Some(format!(
            "card.locked:{card_number}:{}",
            until.and_utc().timestamp()
        )),
    };
    for id in staff {
        notify(conn, id, &notice, now)?;
    }
    Ok(())
}
