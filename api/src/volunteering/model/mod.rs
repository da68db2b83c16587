//! Diesel queries of the volunteering area, one file per sub-area. Every rule that two
//! requests could race on is decided by the database: UNIQUE keys and conditional updates
//! checked by their affected rows.

pub mod activities;
pub mod agenda;
pub mod points;
pub mod shop;
pub mod signups;
pub mod teams;
pub mod wishes;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Whether an insert failed on a UNIQUE key.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Display names of these users.
pub fn nicknames(conn: &mut DbConn, ids: &[i64]) -> ApiResult<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::nickname))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// A stored UTC time as people in the county read it, e.g. `12月05日 09:00`.
pub fn local_time(t: NaiveDateTime) -> String {
    t.and_utc()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%m月%d日 %H:%M")
        .to_string()
}
