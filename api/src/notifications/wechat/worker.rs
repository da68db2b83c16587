//! The subscription-message worker: claims pending messages (a conditional update on
//! `claimed_until`, as the webhook worker does, so several processes never send one message
//! twice at once), spends one grant per message with a conditional update (none left:
//! `skipped_no_grant`, nothing is sent), sends, and acts on WeChat's answer:
//!
//! - 43101 (no grant at WeChat): the grant is set to zero (`no_grant`);
//! - 40037, 47003, 41030, 40003 (our template, value, page or openid is wrong): `failed_config`,
//!   the grant given back, and the administrators alerted in their inbox (once per template
//!   and China day) and through the error log;
//! - 40001, 42001, 40014 (token invalid or expired): the token is fetched again once (normal
//!   mode) and the message sent once more;
//! - no answer (network), or WeChat busy: tried again later with backoff, the grant kept for it.
//!
//! A message whose moment has passed (a reminder for a slot that already started) is dropped
//! (`dropped_late`), not sent late.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use super::token::{self, TokenError};
use super::{grants, MessageStatus};
use crate::db::schema::{users as u, wechat_messages as wm};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::outbound::describe;
use crate::state::AppState;

/// Delays before the 2nd … 5th try after a network error, in seconds.
const RETRY_DELAYS_SECS: [i64; 4] = [5, 30, 120, 600];
/// Tries before a message is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a claim lasts: longer than a send and a token refresh with their timeouts.
const CLAIM_SECS: i64 = 60;

/// One claimed message.
#[derive(Debug, Clone)]
struct Claimed {
    id: i64,
    user_id: i64,
    openid: String,
    template_id: String,
    page: String,
    data: String,
    expires_at: Option<NaiveDateTime>,
    grant_spent: bool,
    attempts: i32,
}

fn claim(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    limit: i64,
) -> ApiResult<Vec<Claimed>> {
    let candidates: Vec<i64> = wm::table
        .filter(
            wm::status
                .eq(MessageStatus::Pending)
                .and(wm::next_attempt_at.le(now)),
        )
        .filter(wm::claimed_until.is_null().or(wm::claimed_until.lt(now)))
        .order((wm::next_attempt_at, wm::id))
        .limit(limit)
        .select(wm::id)
        .load(conn)?;
    let mut out = Vec::new();
    for id in candidates {
        let claimed = diesel::update(
            wm::table
                .filter(wm::id.eq(id).and(wm::status.eq(MessageStatus::Pending)))
                .filter(wm::claimed_until.is_null().or(wm::claimed_until.lt(now))),
        )
        .set((
            wm::claimed_by.eq(worker),
            wm::claimed_until.eq(now + Duration::seconds(CLAIM_SECS)),
        ))
        .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        #[allow(clippy::type_complexity)]
        let row: (
            i64,
            String,
            String,
            String,
            String,
            Option<NaiveDateTime>,
            bool,
            i32,
        ) = wm::table
            .inner_join(u::table)
            .filter(wm::id.eq(id))
            .select((
                wm::user_id,
                u::openid,
                wm::template_id,
                wm::page,
                wm::data,
                wm::expires_at,
                wm::grant_spent,
                wm::attempts,
            ))
            .first(conn)?;
        out.push(Claimed {
            id,
            user_id: row.0,
            openid: row.1,
            template_id: row.2,
            page: row.3,
            data: row.4,
            expires_at: row.5,
            grant_spent: row.6,
            attempts: row.7,
        });
    }
    Ok(out)
}

/// How a send went.
#[derive(Debug)]
enum Outcome {
    Sent,
    Refused(i64, String),
    Network(String),
}

#[derive(Deserialize)]
struct SendAnswer {
    errcode: Option<i64>,
    errmsg: Option<String>,
}

async fn post(state: &AppState, token: &str, m: &Claimed) -> Outcome {
    let data: serde_json::Value = serde_json::from_str(&m.data).unwrap_or_default();
    let url = format!(
        "{}/cgi-bin/message/subscribe/send",
        state.config.wechat_api_base.trim_end_matches('/')
    );
    let mut body = serde_json::json!({
        "touser": m.openid,
        "template_id": m.template_id,
        "data": data,
        "miniprogram_state": state.config.wechat_message_state,
        "lang": "zh_CN",
    });
    if !m.page.is_empty() {
        body["page"] = serde_json::Value::String(m.page.clone());
    }
    let response = match state
        .outbound
        .wechat()
        .post(&url)
        .query(&[("access_token", token)])
        .json(&body)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Outcome::Network(describe(&e)),
    };
    if !response.status().is_success() {
        return Outcome::Network(format!("send answered HTTP {}", response.status()));
    }
    let answer: SendAnswer = match response.bytes().await {
        Ok(b) => match serde_json::from_slice(&b) {
            Ok(a) => a,
            Err(e) => return Outcome::Network(format!("unreadable send answer: {e}")),
        },
        Err(e) => return Outcome::Network(describe(&e)),
    };
    match answer.errcode.unwrap_or(0) {
        0 => Outcome::Sent,
        code => Outcome::Refused(code, answer.errmsg.unwrap_or_default()),
    }
}

fn is_token_error(code: i64) -> bool {
    matches!(code, 40001 | 42001 | 40014)
}

fn is_config_error(code: i64) -> bool {
    matches!(code, 40037 | 47003 | 41030 | 40003)
}

/// Send one claimed message and record what happened.
async fn process(state: &AppState, worker: &str, m: Claimed) -> ApiResult<MessageStatus> {
    let now = state.clock.now_naive();
    let (uid, tid, w, id) = (m.user_id, m.template_id.clone(), worker.to_owned(), m.id);
    if m.expires_at.is_some_and(|e| e <= now) {
        let spent = m.grant_spent;
        return state
            .db(move |conn| {
                crate::db::transaction(conn, |c| {
                    if spent {
                        grants::restore(c, uid, &tid, now)?;
                    }
                    finish(c, id, &w, MessageStatus::DroppedLate, None, None, now)
                })
            })
            .await;
    }
    if !m.grant_spent {
        let (tid, w) = (tid.clone(), w.clone());
        let spent = state
            .db(move |conn| {
                crate::db::transaction(conn, |c| {
                    if !grants::spend(c, uid, &tid, now)? {
                        finish(c, id, &w, MessageStatus::SkippedNoGrant, None, None, now)?;
                        return Ok(false);
                    }
                    let marked =
                        diesel::update(wm::table.filter(wm::id.eq(id).and(wm::claimed_by.eq(&w))))
                            .set(wm::grant_spent.eq(true))
                            .execute(c)?;
                    Ok(marked == 1)
                })
            })
            .await?;
        if !spent {
            return Ok(MessageStatus::SkippedNoGrant);
        }
    }
    let outcome = match token::current(state).await {
        Ok(t) => {
            let first = post(state, &t, &m).await;
            match first {
                Outcome::Refused(code, _) if is_token_error(code) => {
                    match token::refresh(state).await {
                        Ok(t) => post(state, &t, &m).await,
                        Err(e) => token_failure(e)?,
                    }
                }
                other => other,
            }
        }
        Err(e) => token_failure(e)?,
    };
    let attempts = m.attempts + 1;
    let scale = state.config.wechat_retry_scale;
    let now = state.clock.now_naive();
    state
        .db(move |conn| {
            crate::db::transaction(conn, |c| match &outcome {
                Outcome::Sent => {
                    diesel::update(wm::table.filter(wm::id.eq(id).and(wm::claimed_by.eq(&w))))
                        .set((wm::sent_at.eq(Some(now)), wm::attempts.eq(attempts)))
                        .execute(c)?;
                    finish(c, id, &w, MessageStatus::Sent, None, None, now)
                }
                Outcome::Refused(43101, msg) => {
                    grants::zero(c, uid, &tid, now)?;
                    finish(
                        c,
                        id,
                        &w,
                        MessageStatus::NoGrant,
                        Some(43101),
                        Some(msg),
                        now,
                    )
                }
                Outcome::Refused(code, msg) if is_config_error(*code) => {
                    // Staff alert: the configured template (or a value written from it) is
                    // wrong; no resident datum is logged.
                    tracing::error!(
                        message_id = id,
                        template_id = %tid,
                        errcode = code,
                        errmsg = %msg,
                        "WeChat refused a subscription message: check LINLI_WECHAT_TEMPLATES"
                    );
                    grants::restore(c, uid, &tid, now)?;
                    alert_administrators(c, &tid, *code, now)?;
                    finish(
                        c,
                        id,
                        &w,
                        MessageStatus::FailedConfig,
                        Some(*code),
                        Some(msg),
                        now,
                    )
                }
                Outcome::Refused(code, msg) => {
                    retry(c, id, &w, uid, &tid, attempts, Some(*code), msg, now, scale)
                }
                Outcome::Network(msg) => {
                    retry(c, id, &w, uid, &tid, attempts, None, msg, now, scale)
                }
            })
        })
        .await
}

/// Tell every administrator, in the inbox, that WeChat refused a message because of the
/// configuration of `template_id` (once per template and China day: the dedupe key). No
/// resident datum goes into it: the template, WeChat's code and what to check.
fn alert_administrators(
    c: &mut DbConn,
    template_id: &str,
    errcode: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    use crate::notifications::{notify, Notice, NotificationKind};
    let admins: Vec<i64> = u::table
        .filter(u::role.eq(crate::auth::Role::Admin.as_str()))
        .select(u::id)
        .load(c)?;
    let day = now
        .and_utc()
        .with_timezone(&crate::clock::LOCAL_TZ)
        .date_naive();
    let what = match errcode {
        40037 => "模板 ID 不存在或已失效",
        47003 => "模板字段的值不符合微信的规则",
        41030 => "跳转页面路径不存在",
        40003 => "用户 openid 无效",
        _ => "模板配置有误",
    };
    let notice = Notice {
        kind: NotificationKind::WechatTemplateFailed,
        title: "微信订阅消息发送失败".into(),
        body: format!(
            "微信拒收了模板 {template_id} 的消息（错误码 {errcode}：{what}）。\
             在修正 LINLI_WECHAT_TEMPLATES 之前，居民收不到这类提醒，请尽快检查。"
        ),
        data: serde_json::json!({"template_id": template_id, "errcode": errcode}),
        dedupe_key: Some(format!("wechat.template_failed:{template_id}:{day}")),
    };
    for admin in admins {
        notify(c, admin, &notice, now)?;
    }
    Ok(())
}

/// A token that could not be had is a network failure of this try (retried later); the
/// cause is logged without the secret.
fn token_failure(e: TokenError) -> ApiResult<Outcome> {
    match e {
        TokenError::Network(msg) => Ok(Outcome::Network(format!("access token: {msg}"))),
        TokenError::Refused(code, msg) => {
            tracing::error!(errcode = code, errmsg = %msg, "WeChat refused the access token: check LINLI_WECHAT_APPID and LINLI_WECHAT_SECRET");
            Ok(Outcome::Network(format!("access token refused: {code}")))
        }
        TokenError::Db(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
fn retry(
    c: &mut DbConn,
    id: i64,
    worker: &str,
    user_id: i64,
    template_id: &str,
    attempts: i32,
    errcode: Option<i64>,
    error: &str,
    now: NaiveDateTime,
    scale: f64,
) -> ApiResult<MessageStatus> {
    let error: String = error.chars().take(250).collect();
    let errcode = errcode.and_then(|e| i32::try_from(e).ok());
    let q = wm::table.filter(wm::id.eq(id).and(wm::claimed_by.eq(worker)));
    if attempts >= MAX_ATTEMPTS {
        grants::restore(c, user_id, template_id, now)?;
        diesel::update(q)
            .set(wm::attempts.eq(attempts))
            .execute(c)?;
        return finish(
            c,
            id,
            worker,
            MessageStatus::Failed,
            errcode.map(i64::from),
            Some(&error),
            now,
        );
    }
    let idx = usize::try_from(attempts - 1)
        .unwrap_or(0)
        .min(RETRY_DELAYS_SECS.len() - 1);
    let delay_ms = (RETRY_DELAYS_SECS[idx] as f64 * 1000.0 * scale).max(1.0) as i64;
    diesel::update(q)
        .set((
            wm::attempts.eq(attempts),
            wm::next_attempt_at.eq(now + Duration::milliseconds(delay_ms)),
            wm::last_errcode.eq(errcode),
            wm::last_error.eq(Some(&error)),
            wm::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(MessageStatus::Pending)
}

/// Close a message with `status` (only while `worker` holds it).
fn finish(
    c: &mut DbConn,
    id: i64,
    worker: &str,
    status: MessageStatus,
    errcode: Option<i64>,
    error: Option<&str>,
    _now: NaiveDateTime,
) -> ApiResult<MessageStatus> {
    diesel::update(wm::table.filter(wm::id.eq(id).and(wm::claimed_by.eq(worker))))
        .set((
            wm::status.eq(status),
            wm::last_errcode.eq(errcode.and_then(|e| i32::try_from(e).ok())),
            wm::last_error.eq(error.map(|e| e.chars().take(250).collect::<String>())),
            wm::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(status)
}

/// One pass: claim what is due, send, record. Returns what became of each message claimed.
pub async fn send_due(state: &AppState, worker: &str) -> ApiResult<Vec<MessageStatus>> {
    let now = state.clock.now_naive();
    let w = worker.to_owned();
    let due = state
        .db(move |conn| crate::db::transaction(conn, |c| claim(c, &w, now, 20)))
        .await?;
    // One resident's messages of one template spend that template's grants in the order they
    // were claimed (the one due first gets the last grant); different residents and templates
    // are sent side by side.
    let mut queues: Vec<Vec<Claimed>> = Vec::new();
    for m in due {
        match queues
            .iter_mut()
            .find(|q| q[0].user_id == m.user_id && q[0].template_id == m.template_id)
        {
            Some(q) => q.push(m),
            None => queues.push(vec![m]),
        }
    }
    let sends = queues.into_iter().map(|queue| async move {
        let mut done = Vec::with_capacity(queue.len());
        for m in queue {
            done.push(process(state, worker, m).await?);
        }
        Ok::<_, crate::error::ApiError>(done)
    });
    let mut out = Vec::new();
    for done in futures_util::future::join_all(sends).await {
        out.extend(done?);
    }
    Ok(out)
}

/// Run the worker as `worker` until `stop` turns true (claims of a pass cut short expire
/// after a minute and another process sends those messages).
pub fn spawn_worker(
    state: AppState,
    worker: String,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    actix_web::rt::spawn(async move {
        let poll = StdDuration::from_millis(state.config.wechat_message_poll_ms.max(10));
        while !*stop.borrow() {
            match send_due(&state, &worker).await {
                Ok(done) if !done.is_empty() => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "subscription message pass failed"),
            }
            tokio::select! {
                _ = actix_web::rt::time::sleep(poll) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    })
}
