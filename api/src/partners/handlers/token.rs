//! The token endpoint: client credentials in, a short-lived partner access token out.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits::client_key;
use crate::partners::credentials::TokenGrant;
use crate::partners::dto::{PartnerToken, TokenRequest};
use crate::partners::model;
use crate::partners::rules::{grant_scopes, NotGranted};
use crate::partners::scope::Scope;
use crate::state::AppState;

/// 用客户端凭据换取访问令牌（OAuth 2 client-credentials grant）。
///
/// `client_id` 和 `client_secret` 可放在表单（`application/x-www-form-urlencoded`，OAuth 2 客户端的
/// 通常做法）或 JSON 请求体中，也可用 HTTP Basic 认证（`client_basic`：用户名为 client id，密码为
/// secret，此时请求体只需 `grant_type`）。令牌有效 `expires_in` 秒（默认 10 分钟）。
///
/// 得到的访问令牌放在 `Authorization: Bearer` 头中调用其余物业接口；令牌只带客户端持有的权限范围（可用 `scope` 请求其中一部分）。
#[utoipa::path(
    tag = "partner",
    security((), ("client_basic" = [])),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "访问令牌", body = PartnerToken),
        (status = 401, description = "`invalid_client`：凭据无效", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`，带 `Retry-After`：该 client id 或该地址请求令牌过于频繁", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`：共享限流存储无响应", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/token")]
pub async fn token(
    req: HttpRequest,
    grant: TokenGrant,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now_naive();
    let TokenGrant {
        client_id,
        client_secret,
        scope,
    } = grant;
    // Counted before the secret is checked: every attempt, right or wrong, uses allowance.
    let addr = client_key(&req, state.config.trust_proxy);
    state.limits.partner_token_addr.enforce(&addr).await?;
    state
        .limits
        .partner_token_client
        .enforce(&client_id)
        .await?;
    let id = client_id.clone();
    let model::clients::ClientGrant {
        partner_id,
        scopes: held,
        version,
    } = state
        .db(move |conn| model::clients::authenticate_client(conn, &id, client_secret.expose(), now))
        .await?;
    let granted = grant_scopes(&held, scope.as_deref()).map_err(|NotGranted(name)| {
        ApiError::new(ErrorCode::InsufficientScope)
            .with_field("scope")
            .with_details(json!({ "not_allowed": name }))
    })?;
    let ttl = state.config.partner_token_ttl_secs;
    let scope = Scope::join(&granted);
    let access_token = state.jwt.issue_partner(
        &client_id,
        partner_id,
        granted,
        version,
        ttl,
        state.clock.now(),
    )?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PartnerToken {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ttl,
            scope,
        }))
}
