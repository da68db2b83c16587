//! Large staff adjustments need two people: one asks (a pending request), a different staff
//! member approves (the ledger entry is written then, once: the request's status moves from
//! `pending` by a conditional update and the ledger reference `adjustment-request:<id>` is
//! UNIQUE) or rejects. Nobody approves their own request or a request for their own points.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::points::{self, Entry};
use crate::db::paging::PageRequest;
use crate::db::schema::points_adjustments as pa;
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::partners::model::audit::{self, AuditEntry};
use crate::volunteering::dto::points::{AdjustmentRequestView, AdjustmentStatus, PointsReason};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = pa)]
struct Request {
    id: i64,
    user_id: i64,
    amount: i32,
    note: String,
    status: AdjustmentStatus,
    requested_by: i64,
    decided_by: Option<i64>,
    created_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
}

impl From<Request> for AdjustmentRequestView {
    fn from(r: Request) -> Self {
        AdjustmentRequestView {
            id: r.id,
            user_id: r.user_id,
            amount: r.amount,
            note: r.note,
            status: r.status,
            requested_by: r.requested_by,
            decided_by: r.decided_by,
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
        }
    }
}

fn get(conn: &mut DbConn, id: i64) -> ApiResult<Request> {
    pa::table
        .find(id)
        .select(Request::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

pub fn view(conn: &mut DbConn, id: i64) -> ApiResult<AdjustmentRequestView> {
    Ok(get(conn, id)?.into())
}

/// A staff decision in the audit log.
fn log(
    conn: &mut DbConn,
    staff_id: i64,
    action: &str,
    target: i64,
    after: serde_json::Value,
    at: NaiveDateTime,
) -> ApiResult<()> {
    let actor = format!("user:{staff_id}");
    audit::record_staff(
        conn,
        AuditEntry {
            partner_id: 0,
            actor: &actor,
            action,
            target_type: "points_adjustment",
            target_id: Some(target),
            before: None,
            after: Some(after),
            at,
        },
    )
}

/// Ask for an adjustment that needs a second staff member.
pub fn request(
    conn: &mut DbConn,
    user_id: i64,
    amount: i32,
    note: &str,
    staff_id: i64,
    now: NaiveDateTime,
) -> ApiResult<AdjustmentRequestView> {
    points::user_must_exist(conn, user_id)?;
    crate::db::transaction(conn, |conn| {
        diesel::insert_into(pa::table)
            .values((
                pa::user_id.eq(user_id),
                pa::amount.eq(amount),
                pa::note.eq(note),
                pa::status.eq(AdjustmentStatus::Pending),
                pa::requested_by.eq(staff_id),
                pa::created_at.eq(now),
            ))
            .execute(conn)?;
        let id = last_insert_id(conn)?;
        log(
            conn,
            staff_id,
            "points.adjustment_requested",
            id,
            serde_json::json!({"user_id": user_id, "amount": amount, "note": note}),
            now,
        )?;
        view(conn, id)
    })
}

/// Approve (`true`) or reject a pending request, as a staff member other than the one who
/// asked and other than its beneficiary. Approving writes the ledger entry in the same
/// transaction. Deciding a request already decided the same way answers the same.
pub fn decide(
    conn: &mut DbConn,
    id: i64,
    staff_id: i64,
    approve: bool,
    now: NaiveDateTime,
) -> ApiResult<AdjustmentRequestView> {
    let req = get(conn, id)?;
    if req.user_id == staff_id {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    if req.requested_by == staff_id {
        return Err(ApiError::new(ErrorCode::SecondApproverRequired));
    }
    let to = if approve {
        AdjustmentStatus::Approved
    } else {
        AdjustmentStatus::Rejected
    };
    crate::db::transaction(conn, |conn| {
        let n = diesel::update(
            pa::table.filter(pa::id.eq(id).and(pa::status.eq(AdjustmentStatus::Pending))),
        )
        .set((
            pa::status.eq(to),
            pa::decided_by.eq(Some(staff_id)),
            pa::decided_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if n == 0 {
            let again = get(conn, id)?;
            if again.status == to && again.decided_by == Some(staff_id) {
                return Ok(again.into());
            }
            return Err(ApiError::new(ErrorCode::AdjustmentNotPending));
        }
        if approve {
            let reference = format!("adjustment-request:{id}");
            let entry = Entry {
                user_id: req.user_id,
                amount: req.amount,
                reason: PointsReason::Adjustment,
                reference: &reference,
                note: Some(&req.note),
                created_by: Some(req.requested_by),
            };
            points::apply(conn, &entry, now)?;
        }
        log(
            conn,
            staff_id,
            if approve {
                "points.adjustment_approved"
            } else {
                "points.adjustment_rejected"
            },
            id,
            serde_json::json!({"user_id": req.user_id, "amount": req.amount, "requested_by": req.requested_by}),
            now,
        )?;
        view(conn, id)
    })
}

/// Requests in a state, oldest first (pending ones are the queue a second staff member works).
pub fn list(
    conn: &mut DbConn,
    status: AdjustmentStatus,
    page: PageRequest,
) -> ApiResult<(Vec<AdjustmentRequestView>, i64)> {
    let total: i64 = pa::table
        .filter(pa::status.eq(status))
        .count()
        .get_result(conn)?;
    let rows: Vec<Request> = pa::table
        .filter(pa::status.eq(status))
        .order((pa::created_at, pa::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Request::as_select())
        .load(conn)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}
