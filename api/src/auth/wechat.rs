//! The WeChat-style code exchange: a mini-program sends a one-time `code`; the server trades
//! it at `{LINLI_WECHAT_API_BASE}/sns/jscode2session` for the user's `openid`. The
//! `session_key` in the answer is never kept, returned or logged.

use serde::Deserialize;

use crate::config::Config;
use crate::error::{ApiError, ErrorCode};

/// The identity WeChat vouches for.
#[derive(Debug)]
pub struct WechatIdentity {
    pub openid: String,
    pub unionid: Option<String>,
}

/// The fields we read from WeChat's answer; `session_key` is deliberately absent.
#[derive(Deserialize)]
struct Code2Session {
    openid: Option<String>,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

pub async fn exchange_code(
    http: &reqwest::Client,
    config: &Config,
    code: &str,
) -> Result<WechatIdentity, ApiError> {
    let url = format!(
        "{}/sns/jscode2session",
        config.wechat_api_base.trim_end_matches('/')
    );
    let response = http
        .get(&url)
        .query(&[
            ("appid", config.wechat_appid.as_str()),
            ("secret", config.wechat_secret.expose()),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .map_err(upstream_failure)?;
    if !response.status().is_success() {
        return Err(internal_upstream(
            ErrorCode::UpstreamError,
            format!("code exchange answered HTTP {}", response.status()),
        ));
    }
    // WeChat answers JSON with a text/plain content type: parse the bytes ourselves.
    let bytes = response.bytes().await.map_err(upstream_failure)?;
    let answer: Code2Session = serde_json::from_slice(&bytes).map_err(|e| {
        internal_upstream(
            ErrorCode::UpstreamError,
            format!("unreadable code exchange answer: {e}"),
        )
    })?;
    match answer.errcode.unwrap_or(0) {
        0 => answer
            .openid
            .filter(|o| !o.is_empty() && o.len() <= 128)
            .map(|openid| WechatIdentity {
                openid,
                unionid: answer.unionid.filter(|u| !u.is_empty() && u.len() <= 128),
            })
            .ok_or_else(|| internal_upstream(ErrorCode::UpstreamError, "answer without openid")),
        40029 => Err(ApiError::new(ErrorCode::WechatCodeInvalid).with_field("code")),
        40163 => Err(ApiError::new(ErrorCode::WechatCodeUsed).with_field("code")),
        45011 => Err(ApiError::new(ErrorCode::WechatRateLimited).with_retry_after(60)),
        other => Err(internal_upstream(
            ErrorCode::UpstreamError,
            format!("errcode {other}: {}", answer.errmsg.unwrap_or_default()),
        )),
    }
}

fn internal_upstream(code: ErrorCode, cause: impl Into<String>) -> ApiError {
    let mut e = ApiError::new(code);
    e.internal = Some(cause.into());
    e
}

/// Map a transport failure (an untrusted certificate among them); the logged cause never
/// holds the URL, which carries the app secret.
fn upstream_failure(e: reqwest::Error) -> ApiError {
    let code = if e.is_timeout() {
        ErrorCode::UpstreamTimeout
    } else if crate::outbound::is_untrusted_certificate(&e) {
        ErrorCode::UpstreamCertificateUntrusted
    } else {
        ErrorCode::UpstreamError
    };
    internal_upstream(code, crate::outbound::describe(&e))
}
