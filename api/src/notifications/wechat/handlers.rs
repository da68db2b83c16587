//! `GET /me/subscriptions`, `POST /me/subscriptions`.

use actix_web::{get, post, web, HttpResponse};

use super::dto::{SubscribeRequest, TemplateGrantView};
use super::grants;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::idempotency::IdempotencyClaim;
use crate::http::Json;
use crate::state::AppState;

/// 我的订阅消息授权
///
/// 小程序的订阅消息模板，每个模板可承载的通知类型，以及居民还允许发送的条数。
/// 当居民做了与某条消息相关的事（例如刚预约完）时，为 `remaining` 为 0 的模板调用 `wx.requestSubscribeMessage` 申请。
///
/// The subscription-message templates of the mini-program, each with the notification kinds
/// it carries and how many messages the resident still allows. Ask
/// (`wx.requestSubscribeMessage`) for templates whose `remaining` is 0 when the resident does
/// something the message would be about (e.g. right after booking).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, description = "Templates and grants left", body = Vec<TemplateGrantView>))
)]
#[get("/me/subscriptions")]
pub async fn list_wechat_subscriptions(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let view = state.db(move |conn| grants::view(conn, uid)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 上报订阅消息授权结果
///
/// 原样上报 `wx.requestSubscribeMessage` 的回答：每个 `accept` 允许该模板再发一条（有上限），`reject` 和 `ban` 清零，
/// `filter` 不改变。请带上 `Idempotency-Key`（重试只计一次）。应答为各模板及剩余条数。
///
/// Report what `wx.requestSubscribeMessage` answered, as it answered: each `accept` allows
/// one more message of that template (up to a cap), `reject` and `ban` allow none, `filter`
/// changes nothing. Send an `Idempotency-Key` (a retry then counts once). Answers the
/// templates and grants left.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A random key per prompt; resend it on retries")),
    request_body = SubscribeRequest,
    responses(
        (status = 200, description = "Recorded; templates and grants left", body = Vec<TemplateGrantView>),
        (status = 422, description = "`validation_failed`: an unknown template id (field `results.<id>`), or no or more than 10 results", body = crate::error::ErrorBody),
    )
)]
#[post("/me/subscriptions")]
pub async fn report_wechat_subscriptions(
    state: web::Data<AppState>,
    user: AuthUser,
    claim: IdempotencyClaim,
    body: Json<SubscribeRequest>,
) -> ApiResult<HttpResponse> {
    let results = body.0.results;
    if results.is_empty() || results.len() > 10 {
        return Err(ApiError::validation(
            "results",
            "需要 1 到 10 个模板的授权结果",
        ));
    }
    let (uid, now, cap) = (
        user.user_id,
        state.clock.now_naive(),
        state.config.wechat_grant_cap,
    );
    let view = state
        .db(move |conn| {
            crate::db::transaction(conn, |c| {
                if claim.begin(c, "wechat_subscription")?.is_none() {
                    grants::record(c, uid, &results, cap, now)?;
                    claim.mark_done(c, "wechat_subscription", uid)?;
                }
                grants::view(c, uid)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
