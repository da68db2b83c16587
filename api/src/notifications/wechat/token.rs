//! WeChat's access token, fetched from the stable-token endpoint in normal mode
//! (`force_refresh: false`: repeated calls return the token in force, so processes never
//! invalidate each other's) and kept in `wechat_access_tokens`, shared by every process.
//! A token is used until five minutes before it expires (WeChat renews that early and keeps
//! the old one valid meanwhile).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::wechat_access_tokens as tk;
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::outbound::describe;
use crate::state::AppState;

/// Seconds before its expiry a stored token is no longer used.
const MARGIN_SECS: i64 = 300;

/// Why no token could be had.
#[derive(Debug)]
pub enum TokenError {
    /// WeChat could not be reached or answered garbage (retry later).
    Network(String),
    /// WeChat refused (e.g. a wrong secret): `errcode` and its message.
    Refused(i64, String),
    Db(ApiError),
}

#[derive(Deserialize)]
struct StableToken {
    access_token: Option<String>,
    expires_in: Option<i64>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

/// The token in force: the stored one while it has more than five minutes left, else a
/// fresh one from WeChat (stored for the other processes).
pub async fn current(state: &AppState) -> Result<String, TokenError> {
    let appid = state.config.wechat_appid.clone();
    let now = state.clock.now_naive();
    let stored = state
        .db(move |conn| stored(conn, &appid, now))
        .await
        .map_err(TokenError::Db)?;
    match stored {
        Some(token) => Ok(token),
        None => refresh(state).await,
    }
}

fn stored(conn: &mut DbConn, appid: &str, now: NaiveDateTime) -> ApiResult<Option<String>> {
    Ok(tk::table
        .filter(
            tk::appid
                .eq(appid)
                .and(tk::expires_at.gt(now + Duration::seconds(MARGIN_SECS))),
        )
        .select(tk::token)
        .first(conn)
        .optional()?)
}

/// Ask WeChat for the token (normal mode) and store it.
pub async fn refresh(state: &AppState) -> Result<String, TokenError> {
    let config = &state.config;
    let url = format!(
        "{}/cgi-bin/stable_token",
        config.wechat_api_base.trim_end_matches('/')
    );
    let response = state
        .outbound
        .wechat()
        .post(&url)
        .json(&serde_json::json!({
            "grant_type": "client_credential",
            "appid": config.wechat_appid,
            "secret": config.wechat_secret.expose(),
            "force_refresh": false,
        }))
        .send()
        .await
        .map_err(|e| TokenError::Network(describe(&e)))?;
    if !response.status().is_success() {
        return Err(TokenError::Network(format!(
            "stable_token answered HTTP {}",
            response.status()
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| TokenError::Network(describe(&e)))?;
    let answer: StableToken = serde_json::from_slice(&bytes)
        .map_err(|e| TokenError::Network(format!("unreadable stable_token answer: {e}")))?;
    let (token, expires_in) = match (answer.errcode.unwrap_or(0), answer.access_token) {
        (0, Some(t)) if !t.is_empty() && t.len() <= 1024 => (t, answer.expires_in.unwrap_or(7200)),
        (0, _) => {
            return Err(TokenError::Network(
                "stable_token answer without a token".into(),
            ))
        }
        (code, _) => return Err(TokenError::Refused(code, answer.errmsg.unwrap_or_default())),
    };
    let appid = config.wechat_appid.clone();
    let now = state.clock.now_naive();
    let expires_at = now + Duration::seconds(expires_in.clamp(0, 7200));
    let t = token.clone();
    state
        .db(move |conn| store(conn, &appid, &t, expires_at, now))
        .await
        .map_err(TokenError::Db)?;
    Ok(token)
}

fn store(
    conn: &mut DbConn,
    appid: &str,
    token: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let values = (
        tk::token.eq(token),
        tk::expires_at.eq(expires_at),
        tk::fetched_at.eq(now),
    );
    let updated = diesel::update(tk::table.filter(tk::appid.eq(appid)))
        .set(values)
        .execute(conn)?;
    if updated == 0 {
        match diesel::insert_into(tk::table)
            .values((tk::appid.eq(appid), values))
            .execute(conn)
        {
            Ok(_) => {}
            // Another process stored the same token (normal mode) a moment earlier.
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
