//! Request and response bodies of the login endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;
use crate::error::ApiError;
use crate::text::Text;

/// 用小程序 `wx.login()` 得到的 code 登录。
///
/// Log in with a code from the mini-program's `wx.login()`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "081Kq4Ga1sXQbN0ZxlJa1eN4Ga1Kq4GA"}))]
pub struct WechatLoginRequest {
    /// The one-time login code (valid 5 minutes, usable once).
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub code: Text<1, 128>,
}

impl WechatLoginRequest {
    /// The code, when it is visible ASCII (WeChat's codes are; anything else cannot be one).
    pub fn validated_code(&self) -> Result<&str, ApiError> {
        let code = self.code.as_str();
        if !code.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::validation(
                "code",
                "must be 1 to 128 visible ASCII characters",
            ));
        }
        Ok(code)
    }
}

/// 开发登录：以任意 openid 登录，可指定角色。仅在 `LINLI_DEV_LOGIN=1` 时可用，生产环境从不开启。
///
/// Development login: act as any openid, optionally with a role. Only when
/// `LINLI_DEV_LOGIN=1`, never in production.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"openid": "demo-resident-1", "role": "resident"}))]
pub struct DevLoginRequest {
    /// Any stable identifier for the test user.
    #[schema(value_type = String, min_length = 1, max_length = 124)]
    pub openid: Text<1, 124>,
    /// Role given to the user (also changes an existing user's role). Default: resident.
    pub role: Option<Role>,
}

/// 换取新的刷新令牌，或结束登录。
///
/// Exchange a refresh token, or end a login.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q9V2mJ0w..."}))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub refresh_token: Text<1, 128>,
}

/// 当前登录用户简况。
///
/// The signed-in user in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    /// User id.
    pub id: i64,
    /// Display name.
    pub nickname: String,
    /// Role, which decides what the user may do.
    pub role: Role,
    /// The household the user is bound to, if any.
    pub household_id: Option<i64>,
}

/// 登录或刷新后得到的令牌。
///
/// Tokens after a login or refresh.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiJ9...",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "q9V2mJ0w...",
    "refresh_expires_at": "2026-12-30T02:00:00Z",
    "user": {"id": 42, "nickname": "居民3fa2c1", "role": "resident", "household_id": null}
}))]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (about 15 minutes).
    pub expires_in: i64,
    /// Opaque token for `POST /api/v1/auth/refresh`; single use, rotated every time.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The user the tokens belong to.
    pub user: UserSummary,
}

/// 用户的新角色。
///
/// A new role for a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "staff"}))]
pub struct SetRoleRequest {
    /// The role to give.
    pub role: Role,
}
