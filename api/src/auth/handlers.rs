//! Login, refresh and logout endpoints.

use actix_web::{post, put, web, HttpResponse};
use chrono::Duration;

use super::dto::{
    DevLoginRequest, RefreshRequest, SetRoleRequest, TokenResponse, UserSummary, WechatLoginRequest,
};
use super::model::{self, IssuedRefresh, User};
use super::{wechat, Admin, Role};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::{Json, Path};
use crate::state::AppState;

fn token_response(
    state: &AppState,
    user: &User,
    session: IssuedRefresh,
) -> ApiResult<TokenResponse> {
    // Signed from the refresh token's issue time and id: a retried refresh that gets the same
    // refresh token gets the same access token.
    let issued_at = session.issued_at.and_utc();
    let access_token = state.jwt.issue_user_as(
        user.id,
        user.role,
        user.auth_version,
        issued_at,
        session.access_jti(),
    )?;
    let age = (state.clock.now() - issued_at).num_seconds().max(0);
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: (state.jwt.ttl_secs() - age).max(0),
        refresh_token: session.token,
        refresh_expires_at: session.expires_at.and_utc(),
        user: UserSummary {
            id: user.id,
            nickname: user.nickname.clone(),
            role: user.role,
            household_id: user.household_id,
        },
    })
}

async fn start_session(
    state: &AppState,
    openid: String,
    unionid: Option<String>,
    role: Option<Role>,
) -> ApiResult<TokenResponse> {
    let now = state.clock.now_naive();
    let ttl = Duration::days(state.config.refresh_ttl_days);
    let (user, session) = state
        .db(move |conn| {
            let mut user = User::login(
                conn,
                &openid,
                unionid.as_deref(),
                role.unwrap_or(Role::Resident),
                now,
            )?;
            if let Some(role) = role.filter(|r| *r != user.role) {
                User::set_role(conn, &openid, role)?;
                user = User::find(conn, user.id)?
                    .ok_or_else(|| ApiError::internal("user vanished after a role change"))?;
            }
            let session = model::issue_refresh(conn, user.id, None, now, ttl)?;
            Ok((user, session))
        })
        .await?;
    // The development login may have changed the role.
    state.auth.forget_user(user.id);
    token_response(state, &user, session)
}

/// 微信小程序登录
///
/// 用微信小程序的 code 登录。服务器向微信换取用户的 openid，首次登录时创建用户，返回访问令牌（15 分钟）和刷新令牌。
///
/// Log in with a WeChat mini-program code.
///
/// The server exchanges the code with WeChat for the user's openid, creates the user on first
/// login, and returns an access token (15 minutes) and a refresh token.
#[utoipa::path(
    tag = "auth",
    security(),
    request_body = WechatLoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "`wechat_code_invalid` (40029) or `wechat_code_used` (40163)", body = crate::error::ErrorBody),
        (status = 429, description = "`wechat_rate_limited` (45011)", body = crate::error::ErrorBody),
        (status = 502, description = "`upstream_error`: WeChat failed or is unreachable; `upstream_certificate_untrusted`: its TLS certificate was not trusted", body = crate::error::ErrorBody),
        (status = 504, description = "`upstream_timeout`", body = crate::error::ErrorBody),
    )
)]
#[post("/auth/wechat")]
pub async fn wechat_login(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    body: Json<WechatLoginRequest>,
) -> ApiResult<HttpResponse> {
    let addr = crate::limits::client_key(&req, state.config.trust_proxy);
    state.limits.login.enforce(&addr).await?;
    let code = body.validated_code()?;
    let identity = wechat::exchange_code(state.outbound.wechat(), &state.config, code).await?;
    let tokens = start_session(&state, identity.openid, identity.unionid, None).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// 开发登录（仅演示环境）
///
/// 开发登录（仅在 `LINLI_DEV_LOGIN=1` 时可用，生产环境从不开启）。以给定的 openid 登录，用户不存在时创建；
/// 给出角色时设置该角色。
///
/// Development login (only with `LINLI_DEV_LOGIN=1`, never in production).
///
/// Logs in as the given openid, creating the user, and sets the role if one is given.
#[utoipa::path(
    tag = "auth",
    security(),
    request_body = DevLoginRequest,
    responses((status = 200, description = "Logged in", body = TokenResponse))
)]
#[post("/auth/dev")]
pub async fn dev_login(
    state: web::Data<AppState>,
    body: Json<DevLoginRequest>,
) -> ApiResult<HttpResponse> {
    // Stored as `dev:<openid>` in a column of 128 characters (hence at most 124).
    let openid = format!("dev:{}", body.openid);
    let tokens = start_session(&state, openid, None, body.role).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// 刷新令牌
///
/// 用刷新令牌换取新令牌。提交的令牌随即用掉；在其使用后 `LINLI_REFRESH_GRACE_SECS`（30 秒）内且后继令牌未用时再次提交，
/// 得到相同应答（应答丢失后的重试）；之后再次提交，则该次登录的所有令牌都被吊销（`refresh_token_reused`），
/// 用户须重新登录。
///
/// Exchange a refresh token for new tokens.
///
/// The presented token is used up. Presented again within `LINLI_REFRESH_GRACE_SECS` (30 s) of
/// its use, while its successor is unused, it gets the same answer (a retry after a lost
/// answer); presented again later, every token of that login is revoked
/// (`refresh_token_reused`): the user must log in again.
#[utoipa::path(
    tag = "auth",
    security(),
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "`invalid_refresh_token` or `refresh_token_reused`", body = crate::error::ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = body.0.refresh_token;
    let now = state.clock.now_naive();
    let ttl = Duration::days(state.config.refresh_ttl_days);
    let grace = Duration::seconds(state.config.refresh_grace_secs);
    let key = state.config.jwt_secret.clone();
    let rotation = state
        .db(move |conn| {
            let policy = model::RefreshPolicy {
                ttl,
                grace,
                key: key.expose().as_bytes(),
            };
            model::rotate(conn, &token, now, &policy)
        })
        .await?;
    let (user, session) = Result::from(rotation)?;
    let tokens = token_response(&state, &user, session)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// 退出登录
///
/// 退出登录：该刷新令牌及由它轮换出的所有令牌都失效。
///
/// Log out: the refresh token and every token rotated from it stop working.
#[utoipa::path(
    tag = "auth",
    security(),
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also for unknown tokens)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = body.0.refresh_token;
    let now = state.clock.now_naive();
    state
        .db(move |conn| model::logout(conn, &token, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 设置用户角色（管理员）
///
/// 设置用户角色（仅管理员；不能设置自己）。
///
/// Set a user's role (administrators only; never their own).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = SetRoleRequest,
    responses(
        (status = 200, description = "The user with the new role", body = UserSummary),
        (status = 403, description = "`forbidden` or `self_action_forbidden`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
    )
)]
#[put("/users/{id}/role")]
pub async fn set_user_role(
    state: web::Data<AppState>,
    admin: Admin,
    id: Path<i64>,
    body: Json<SetRoleRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if id == admin.user_id {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    let role = body.0.role;
    let user = state
        .db(move |conn| {
            let user = User::find(conn, id)?.ok_or_else(ApiError::not_found)?;
            User::set_role(conn, &user.openid, role)?;
            Ok(User { role, ..user })
        })
        .await?;
    state.auth.forget_user(id);
    Ok(HttpResponse::Ok().json(UserSummary {
        id: user.id,
        nickname: user.nickname,
        role: user.role,
        household_id: user.household_id,
    }))
}
