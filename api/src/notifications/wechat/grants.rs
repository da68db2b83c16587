//! Grants: how many one-time subscription messages a resident allowed per template. Each
//! accept the mini-program reports adds one (up to `LINLI_WECHAT_GRANT_CAP`), a reject or ban
//! sets it to zero, and each message sent spends one with a conditional update, so racing
//! workers never spend one grant twice.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dto::{SubscribeAnswer, TemplateGrantView};
use crate::db::schema::wechat_grants as wg;
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult};

/// Record what `wx.requestSubscribeMessage` answered, per template id. An unknown template
/// id is refused (422) and nothing is recorded.
pub fn record(
    conn: &mut DbConn,
    user_id: i64,
    results: &BTreeMap<String, SubscribeAnswer>,
    cap: i32,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let known = super::templates::known_template_ids(conn)?;
    for id in results.keys() {
        if !known.iter().any(|(t, _)| t == id) {
            return Err(ApiError::validation(
                format!("results.{}", id.chars().take(64).collect::<String>()),
                "不是本小程序配置的订阅消息模板",
            ));
        }
    }
    for (template_id, answer) in results {
        let change = match answer {
            SubscribeAnswer::Accept => 1,
            SubscribeAnswer::Reject | SubscribeAnswer::Ban => 0,
            // A duplicate title WeChat filtered out: nothing was asked.
            SubscribeAnswer::Filter => continue,
        };
        ensure_row(conn, user_id, template_id, now)?;
        let row = wg::table.filter(wg::user_id.eq(user_id).and(wg::template_id.eq(template_id)));
        if change == 1 {
            diesel::update(row.filter(wg::accept_count.lt(cap)))
                .set((
                    wg::accept_count.eq(wg::accept_count + 1),
                    wg::updated_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            diesel::update(row)
                .set((wg::accept_count.eq(0), wg::updated_at.eq(now)))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn ensure_row(
    conn: &mut DbConn,
    user_id: i64,
    template_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let exists: i64 = wg::table
        .filter(wg::user_id.eq(user_id).and(wg::template_id.eq(template_id)))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    match diesel::insert_into(wg::table)
        .values((
            wg::user_id.eq(user_id),
            wg::template_id.eq(template_id),
            wg::accept_count.eq(0),
            wg::updated_at.eq(now),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Every configured template with what the resident has left of it.
pub fn view(conn: &mut DbConn, user_id: i64) -> ApiResult<Vec<TemplateGrantView>> {
    let known = super::templates::known_template_ids(conn)?;
    let mine: Vec<(String, i32)> = wg::table
        .filter(wg::user_id.eq(user_id))
        .select((wg::template_id, wg::accept_count))
        .load(conn)?;
    let mut out: Vec<TemplateGrantView> = Vec::new();
    for (template_id, kind) in known {
        if let Some(v) = out.iter_mut().find(|v| v.template_id == template_id) {
            v.kinds.push(kind);
            continue;
        }
        let remaining = mine
            .iter()
            .find(|(t, _)| *t == template_id)
            .map_or(0, |(_, n)| *n);
        out.push(TemplateGrantView {
            template_id,
            kinds: vec![kind],
            remaining,
        });
    }
    Ok(out)
}

/// Spend one of the resident's grants for `template_id`; `false` when none is left.
pub fn spend(
    conn: &mut DbConn,
    user_id: i64,
    template_id: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let spent = diesel::update(
        wg::table.filter(
            wg::user_id
                .eq(user_id)
                .and(wg::template_id.eq(template_id))
                .and(wg::accept_count.gt(0)),
        ),
    )
    .set((
        wg::accept_count.eq(wg::accept_count - 1),
        wg::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(spent == 1)
}

/// Give back a grant spent on a message WeChat did not deliver for a reason of ours.
pub fn restore(
    conn: &mut DbConn,
    user_id: i64,
    template_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(wg::table.filter(wg::user_id.eq(user_id).and(wg::template_id.eq(template_id))))
        .set((
            wg::accept_count.eq(wg::accept_count + 1),
            wg::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// WeChat says the resident has no grant left (43101): believe it.
pub fn zero(
    conn: &mut DbConn,
    user_id: i64,
    template_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(wg::table.filter(wg::user_id.eq(user_id).and(wg::template_id.eq(template_id))))
        .set((wg::accept_count.eq(0), wg::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}
