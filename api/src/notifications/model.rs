//! The `notifications` table: writing a notice in the caller's transaction, reading and
//! marking a user's inbox.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dto::{NotificationKind, NotificationView};
use crate::db::paging::PageRequest;
use crate::db::schema::notifications as n;
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult};

/// One message to one user.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What it is about; the app switches on it.
    pub kind: NotificationKind,
    /// Short title (Chinese).
    pub title: String,
    /// The message (Chinese).
    pub body: String,
    /// Ids and facts for the app to link to, e.g. `{"booking_id": 12}`.
    pub data: serde_json::Value,
    /// When set, a second notice with the same key to the same user is dropped (e.g. one
    /// reminder per booking even if two sweeper processes race).
    pub dedupe_key: Option<String>,
}

/// Record a notice in the user's inbox, inside the caller's transaction, and, when its kind
/// has a WeChat template, the subscription message to send. A duplicate `dedupe_key` is
/// silently ignored (and sends nothing).
pub fn notify(
    conn: &mut DbConn,
    user_id: i64,
    notice: &Notice,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let result = diesel::insert_into(n::table)
        .values((
            n::user_id.eq(user_id),
            n::kind.eq(notice.kind),
            n::title.eq(&notice.title),
            n::body.eq(&notice.body),
            n::data.eq(notice.data.to_string()),
            n::dedupe_key.eq(notice.dedupe_key.as_deref()),
            n::created_at.eq(now),
        ))
        .execute(conn);
    match result {
        Ok(_) => super::wechat::templates::enqueue(conn, user_id, notice, now),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

type Row = (
    i64,
    NotificationKind,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// A user's notifications (only unread ones when `unread`), newest first: one page and the
/// total.
pub fn inbox(
    conn: &mut DbConn,
    user_id: i64,
    unread: bool,
    page: PageRequest,
) -> ApiResult<(Vec<NotificationView>, i64)> {
    let query = || {
        let mut q = n::table.filter(n::user_id.eq(user_id)).into_boxed();
        if unread {
            q = q.filter(n::read_at.is_null());
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Row> = query()
        .order((n::created_at.desc(), n::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            n::id,
            n::kind,
            n::title,
            n::body,
            n::data,
            n::created_at,
            n::read_at,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, kind, title, body, data, created_at, read_at)| {
            Ok(NotificationView {
                id,
                kind,
                title,
                body,
                // Written by `notify` from a JSON value: text that does not parse is a fault.
                data: serde_json::from_str(&data).map_err(ApiError::internal)?,
                created_at: created_at.and_utc(),
                read_at: read_at.map(|t| t.and_utc()),
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok((items, total))
}

/// Mark one of the user's notifications read; another user's is not found.
pub fn mark_read(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let mine: i64 = n::table
        .filter(n::id.eq(id).and(n::user_id.eq(user_id)))
        .count()
        .get_result(conn)?;
    if mine == 0 {
        return Err(ApiError::not_found());
    }
    diesel::update(n::table.filter(n::id.eq(id).and(n::read_at.is_null())))
        .set(n::read_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Mark all the user's notifications read.
pub fn mark_all_read(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(n::table.filter(n::user_id.eq(user_id).and(n::read_at.is_null())))
        .set(n::read_at.eq(now))
        .execute(conn)?;
    Ok(())
}
