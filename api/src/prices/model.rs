//! Price plans in the database. A plan is never edited: a change inserts the next version
//! (UNIQUE `(compound_id, version)`: of two racing writers one wins, the other gets 409
//! `price_plan_changed`) with its bands, and an audit entry with the plan before and after,
//! all in one transaction. Saving the plan that is already current changes nothing, so a
//! repeated PUT is idempotent.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::dto::{PriceBandView, PricePlanView};
use super::fee::{Band, Plan};
use crate::db::schema::{compounds, price_bands as pb, price_plans as pp};
use crate::db::{self, is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::partners::model::audit::{self, AuditEntry};

/// Who changes a plan: staff (`user:<id>`) or a firm's API client (`client:<id>`).
#[derive(Clone, Debug)]
pub struct Author {
    /// The firm, for a partner's change; `None` for staff.
    pub partner_id: Option<i64>,
    pub actor: String,
}

/// A compound's current plan with its version and when it was set.
#[derive(Clone, Debug)]
pub struct Current {
    pub compound_id: i64,
    pub version: i32,
    pub plan: Plan,
    pub set_at: NaiveDateTime,
}

impl Current {
    pub fn view(&self) -> PricePlanView {
        let p = &self.plan;
        PricePlanView {
            compound_id: self.compound_id,
            version: self.version.into(),
            bands: p
                .bands
                .iter()
                .map(|b| PriceBandView {
                    from_w: b.from_w.into(),
                    to_w: b.to_w.into(),
                    fen_per_hour: b.fen_per_hour.into(),
                })
                .collect(),
            unit_minutes: p.unit_minutes.into(),
            min_fee_fen: p.min_fee_fen.into(),
            max_hours: p.max_hours.into(),
            fault_waiver_minutes: p.fault_waiver_minutes.into(),
            highest_fen_per_hour: p.highest_band().fen_per_hour.into(),
            updated_at: self.set_at.and_utc(),
        }
    }
}

/// The compound's current plan, if it has one.
pub fn current(conn: &mut DbConn, compound_id: i64) -> ApiResult<Option<Current>> {
    let row: Option<(i64, i32, i32, i32, i32, i32, NaiveDateTime)> = pp::table
        .filter(pp::compound_id.eq(compound_id))
        .order(pp::version.desc())
        .select((
            pp::id,
            pp::version,
            pp::unit_minutes,
            pp::min_fee_fen,
            pp::max_hours,
            pp::fault_waiver_minutes,
            pp::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, version, unit_minutes, min_fee_fen, max_hours, fault_waiver_minutes, set_at)) =
        row
    else {
        return Ok(None);
    };
    let bands = pb::table
        .filter(pb::plan_id.eq(id))
        .order(pb::from_w.asc())
        .select((pb::from_w, pb::to_w, pb::fen_per_hour))
        .load::<(i32, i32, i32)>(conn)?
        .into_iter()
        .map(|(from_w, to_w, fen_per_hour)| Band {
            from_w,
            to_w,
            fen_per_hour,
        })
        .collect();
    Ok(Some(Current {
        compound_id,
        version,
        plan: Plan {
            bands,
            unit_minutes,
            min_fee_fen,
            max_hours,
            fault_waiver_minutes,
        },
        set_at,
    }))
}

/// The compound's current plan, or 404 `price_plan_missing` (404 `not_found` when there is
/// no such compound).
pub fn current_or_missing(conn: &mut DbConn, compound_id: i64) -> ApiResult<Current> {
    if let Some(current) = current(conn, compound_id)? {
        return Ok(current);
    }
    compound_exists(conn, compound_id)?;
    Err(ApiError::new(ErrorCode::PricePlanMissing)
        .with_details(json!({"compound_id": compound_id})))
}

fn compound_exists(conn: &mut DbConn, compound_id: i64) -> ApiResult<()> {
    let found: Option<i64> = compounds::table
        .find(compound_id)
        .select(compounds::id)
        .first(conn)
        .optional()?;
    found.map(|_| ()).ok_or_else(ApiError::not_found)
}

/// Make `plan` the compound's current plan: a new version, audited, unless it already is.
pub fn save(
    conn: &mut DbConn,
    compound_id: i64,
    plan: &Plan,
    author: &Author,
    now: NaiveDateTime,
) -> ApiResult<Current> {
    compound_exists(conn, compound_id)?;
    db::transaction(conn, |c| {
        let before = current(c, compound_id)?;
        if let Some(before) = before.as_ref().filter(|b| &b.plan == plan) {
            return Ok(before.clone());
        }
        let version = before.as_ref().map_or(1, |b| b.version + 1);
        let inserted = diesel::insert_into(pp::table)
            .values((
                pp::compound_id.eq(compound_id),
                pp::version.eq(version),
                pp::unit_minutes.eq(plan.unit_minutes),
                pp::min_fee_fen.eq(plan.min_fee_fen),
                pp::max_hours.eq(plan.max_hours),
                pp::fault_waiver_minutes.eq(plan.fault_waiver_minutes),
                pp::set_by.eq(&author.actor),
                pp::created_at.eq(now),
            ))
            .execute(c);
        match inserted {
            Err(e) if is_unique_violation(&e) => {
                return Err(ApiError::new(ErrorCode::PricePlanChanged))
            }
            other => other?,
        };
        let plan_id = last_insert_id(c)?;
        // One row at a time: the SQLite backend of a MultiConnection takes no batch insert.
        for b in &plan.bands {
            diesel::insert_into(pb::table)
                .values((
                    pb::plan_id.eq(plan_id),
                    pb::from_w.eq(b.from_w),
                    pb::to_w.eq(b.to_w),
                    pb::fen_per_hour.eq(b.fen_per_hour),
                ))
                .execute(c)?;
        }
        let after = Current {
            compound_id,
            version,
            plan: plan.clone(),
            set_at: now,
        };
        let entry = AuditEntry {
            partner_id: author.partner_id.unwrap_or_default(),
            actor: &author.actor,
            action: "price_plan.set",
            target_type: "compound",
            target_id: Some(compound_id),
            before: before.map(|b| json!(b.view())),
            after: Some(json!(after.view())),
            at: now,
        };
        match author.partner_id {
            Some(_) => audit::record(c, entry)?,
            None => audit::record_staff(c, entry)?,
        }
        Ok(after)
    })
}
