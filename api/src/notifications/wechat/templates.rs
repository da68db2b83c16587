//! Which notification kinds also go out as a WeChat subscription message: one template per
//! kind with its field mapping, kept in `wechat_templates` (written from
//! `LINLI_WECHAT_TEMPLATES` at start-up) so every process and the transaction that writes a
//! notice read the same set.
//!
//! A field's source is `title`, `body`, `data.<key>` (a value of the notice's data) or
//! `text:<words>` (fixed words). Notices carry no personal data (no names, phone numbers or
//! card numbers), so neither do the messages made from them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::values::{fit, key_type, parse_instant};
use super::MessageStatus;
use crate::db::schema::{wechat_messages as wm, wechat_templates as wt};
use crate::db::{is_unique_violation, DbConn};
use crate::error::ApiResult;
use crate::notifications::{Notice, NotificationKind};

/// One kind's template, as configured.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    /// WeChat's template id (from the mini-program's 订阅消息 settings).
    pub template_id: String,
    /// The mini-program page a tap opens (may be empty).
    #[serde(default)]
    pub page: String,
    /// Template key (`thing1`, `time2`, …) → source (`title`, `body`, `data.<key>`,
    /// `text:<words>`).
    pub fields: BTreeMap<String, String>,
    /// A data key holding an instant (e.g. `starts_at`): after it the message is dropped,
    /// not sent late.
    #[serde(default)]
    pub drop_after: Option<String>,
}

/// The templates of `LINLI_WECHAT_TEMPLATES` (a JSON object, or the path of a file holding
/// one), checked: known kinds, keys of WeChat's types, sources of the forms above.
pub fn parse(setting: &str) -> Result<BTreeMap<String, TemplateConfig>, String> {
    let text = if setting.trim_start().starts_with('{') {
        setting.to_owned()
    } else {
        std::fs::read_to_string(setting).map_err(|e| format!("cannot read {setting}: {e}"))?
    };
    let raw: BTreeMap<String, TemplateConfig> =
        serde_json::from_str(&text).map_err(|e| format!("not a template object: {e}"))?;
    let mut out = BTreeMap::new();
    for (kind, t) in raw {
        NotificationKind::parse(&kind).map_err(|e| e.to_string())?;
        if t.template_id.is_empty() || t.template_id.len() > 128 {
            return Err(format!("{kind}: template_id must have 1–128 characters"));
        }
        if t.page.len() > 255 {
            return Err(format!("{kind}: page is longer than 255 characters"));
        }
        if t.fields.is_empty() {
            return Err(format!("{kind}: no fields"));
        }
        for (key, source) in &t.fields {
            if key_type(key).is_none() {
                return Err(format!(
                    "{kind}: {key} is not a WeChat key (e.g. thing1, time2)"
                ));
            }
            let ok = matches!(source.as_str(), "title" | "body")
                || source.strip_prefix("data.").is_some_and(|k| !k.is_empty())
                || source.starts_with("text:");
            if !ok {
                return Err(format!(
                    "{kind}.{key}: source must be title, body, data.<key> or text:<words>"
                ));
            }
        }
        out.insert(kind, t);
    }
    Ok(out)
}

/// Make `wechat_templates` hold exactly `templates`.
pub fn configure(
    conn: &mut DbConn,
    templates: &BTreeMap<String, TemplateConfig>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    crate::db::transaction(conn, |c| {
        let kinds: Vec<&str> = templates.keys().map(String::as_str).collect();
        diesel::delete(wt::table.filter(wt::kind.ne_all(&kinds))).execute(c)?;
        for (kind, t) in templates {
            let fields =
                serde_json::to_string(&t.fields).map_err(crate::error::ApiError::internal)?;
            let values = (
                wt::template_id.eq(&t.template_id),
                wt::page.eq(&t.page),
                wt::fields.eq(&fields),
                wt::drop_after.eq(t.drop_after.as_deref()),
                wt::updated_at.eq(now),
            );
            let updated = diesel::update(wt::table.filter(wt::kind.eq(kind)))
                .set(values)
                .execute(c)?;
            if updated == 0 {
                match diesel::insert_into(wt::table)
                    .values((wt::kind.eq(kind), values))
                    .execute(c)
                {
                    Ok(_) => {}
                    // Another process configured it at the same moment, from the same setting.
                    Err(e) if is_unique_violation(&e) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    })
}

/// The template ids configured (for checking what a resident reports).
pub fn known_template_ids(conn: &mut DbConn) -> ApiResult<Vec<(String, String)>> {
    Ok(wt::table
        .order(wt::kind)
        .select((wt::template_id, wt::kind))
        .load(conn)?)
}

/// Inside the transaction writing `notice`: when its kind has a template, write the message
/// to send (values already fitted to WeChat's rules).
pub fn enqueue(
    conn: &mut DbConn,
    user_id: i64,
    notice: &Notice,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let template: Option<(String, String, String, Option<String>)> = wt::table
        .filter(wt::kind.eq(notice.kind.as_str()))
        .select((wt::template_id, wt::page, wt::fields, wt::drop_after))
        .first(conn)
        .optional()?;
    let Some((template_id, page, fields, drop_after)) = template else {
        return Ok(());
    };
    let fields: BTreeMap<String, String> =
        serde_json::from_str(&fields).map_err(crate::error::ApiError::internal)?;
    let data = message_data(&fields, notice);
    let expires_at = drop_after
        .and_then(|key| {
            notice
                .data
                .get(&key)
                .and_then(|v| v.as_str().map(str::to_owned))
        })
        .and_then(|s| parse_instant(&s));
    diesel::insert_into(wm::table)
        .values((
            wm::user_id.eq(user_id),
            wm::kind.eq(notice.kind.as_str()),
            wm::template_id.eq(&template_id),
            wm::page.eq(&page),
            wm::data.eq(data.to_string()),
            wm::expires_at.eq(expires_at),
            wm::status.eq(MessageStatus::Pending),
            wm::grant_spent.eq(false),
            wm::attempts.eq(0),
            wm::next_attempt_at.eq(now),
            wm::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The `data` object of the send request: `{"thing1": {"value": "…"}, …}`.
pub fn message_data(fields: &BTreeMap<String, String>, notice: &Notice) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (key, source) in fields {
        let raw = match source.as_str() {
            "title" => notice.title.clone(),
            "body" => notice.body.clone(),
            s => match (s.strip_prefix("data."), s.strip_prefix("text:")) {
                (Some(k), _) => match notice.data.get(k) {
                    Some(serde_json::Value::String(v)) => v.clone(),
                    Some(serde_json::Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                },
                (_, Some(words)) => words.to_owned(),
                _ => String::new(),
            },
        };
        let ty = key_type(key).unwrap_or("thing");
        out.insert(key.clone(), serde_json::json!({"value": fit(ty, &raw)}));
    }
    serde_json::Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked_when_read() {
        let ok = r#"{"booking.reminder": {"template_id": "t1", "fields": {"thing1": "title", "time2": "data.starts_at", "phrase3": "text:待签到"}}}"#;
        assert_eq!(parse(ok).unwrap()["booking.reminder"].fields.len(), 3);
        let unknown_kind =
            r#"{"booking.teleported": {"template_id": "t1", "fields": {"thing1": "title"}}}"#;
        assert!(parse(unknown_kind)
            .unwrap_err()
            .contains("booking.teleported"));
        let bad_key =
            r#"{"booking.reminder": {"template_id": "t1", "fields": {"colour1": "title"}}}"#;
        assert!(parse(bad_key).unwrap_err().contains("colour1"));
        let bad_source =
            r#"{"booking.reminder": {"template_id": "t1", "fields": {"thing1": "phone"}}}"#;
        assert!(parse(bad_source).unwrap_err().contains("source"));
        assert!(parse("/nonexistent/templates.json")
            .unwrap_err()
            .contains("cannot read"));
    }

    #[test]
    fn message_values_come_from_the_notice_and_fit_the_rules() {
        let notice = Notice {
            kind: NotificationKind::BookingReminder,
            title: "充电预约即将开始".into(),
            body: "\u{7}".into(),
            data: serde_json::json!({"booking_id": 12, "starts_at": "2026-12-02T17:30:00Z"}),
            dedupe_key: None,
        };
        let fields: BTreeMap<String, String> = [
            ("thing1", "title"),
            ("thing2", "body"),
            ("time3", "data.starts_at"),
            ("character_string4", "data.booking_id"),
            ("thing5", "data.missing"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let data = message_data(&fields, &notice);
        assert_eq!(data["thing1"]["value"], "充电预约即将开始");
        assert_eq!(data["thing2"]["value"], "-");
        assert_eq!(data["time3"]["value"], "2026-12-03 01:30");
        assert_eq!(data["character_string4"]["value"], "12");
        assert_eq!(data["thing5"]["value"], "-");
    }
}
