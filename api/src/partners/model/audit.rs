//! The audit log of partner writes: who, what, when, before and after. Each entry is written
//! in the transaction of the write it records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use crate::db::paging::PageRequest;
use crate::db::schema::audit_log as al;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::partners::dto::AuditView;

/// One partner write, as the audit log keeps it.
#[derive(Debug)]
pub struct AuditEntry<'a> {
    pub partner_id: i64,
    /// Who: `client:<id>` (see `Partner::actor`).
    pub actor: &'a str,
    /// What, e.g. `pile.create`, `socket.state`.
    pub action: &'a str,
    /// The kind of object written, e.g. `pile`.
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    /// The object's state before and after, where it has one.
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub at: NaiveDateTime,
}

/// Record a partner write, in the same transaction as the write.
pub fn record(conn: &mut DbConn, entry: AuditEntry<'_>) -> ApiResult<()> {
    insert(conn, Some(entry.partner_id), entry)
}

/// Record a staff decision (no partner; the actor is `user:<id>`), in the same transaction as
/// the change it records. `entry.partner_id` is ignored.
pub fn record_staff(conn: &mut DbConn, entry: AuditEntry<'_>) -> ApiResult<()> {
    insert(conn, None, entry)
}

fn insert(conn: &mut DbConn, partner_id: Option<i64>, entry: AuditEntry<'_>) -> ApiResult<()> {
    diesel::insert_into(al::table)
        .values((
            al::partner_id.eq(partner_id),
            al::actor.eq(entry.actor),
            al::action.eq(entry.action),
            al::target_type.eq(entry.target_type),
            al::target_id.eq(entry.target_id),
            al::before_json.eq(entry.before.map(|v| v.to_string())),
            al::after_json.eq(entry.after.map(|v| v.to_string())),
            al::created_at.eq(entry.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// One page of the log, newest first, of one partner or of all.
pub fn page(
    conn: &mut DbConn,
    partner_id: Option<i64>,
    page: PageRequest,
) -> ApiResult<(Vec<AuditView>, i64)> {
    let query = || {
        let mut q = al::table.into_boxed();
        if let Some(pid) = partner_id {
            q = q.filter(al::partner_id.eq(pid));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    type Row = (
        i64,
        Option<i64>,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = query()
        .order((al::created_at.desc(), al::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            al::id,
            al::partner_id,
            al::actor,
            al::action,
            al::target_type,
            al::target_id,
            al::before_json,
            al::after_json,
            al::created_at,
        ))
        .load(conn)?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok((
        rows.into_iter()
            .map(
                |(
                    id,
                    partner_id,
                    actor,
                    action,
                    target_type,
                    target_id,
                    before,
                    after,
                    created_at,
                )| AuditView {
                    id,
                    partner_id,
                    actor,
                    action,
                    target_type,
                    target_id,
                    before: parse(before),
                    after: parse(after),
                    created_at: created_at.and_utc(),
                },
            )
            .collect(),
        total,
    ))
}
