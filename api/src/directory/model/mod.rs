//! Directory queries, one file per concept: the snapshot that card lookups and search are
//! served from, categories, services with their hours, organizations and locations. Staff
//! edits run through [`super::stamp::edit`], so every process's cache follows.

pub mod categories;
pub mod hours;
pub mod locations;
pub mod organizations;
pub mod services;
pub mod snapshot;

use diesel::prelude::*;

use crate::db::schema::communities;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

use super::dto::EntryStatus;

/// Status of a listed service, organization or role contact.
pub const ACTIVE: EntryStatus = EntryStatus::Active;
/// Status of an entry taken off cards and search (its history stays).
pub const RETIRED: EntryStatus = EntryStatus::Retired;

/// An optional community id in a staff edit names an existing community (`field` is named
/// otherwise).
fn check_community(conn: &mut DbConn, field: &str, id: Option<i64>) -> ApiResult<()> {
    if let Some(id) = id {
        let n: i64 = communities::table
            .filter(communities::id.eq(id))
            .count()
            .get_result(conn)?;
        if n == 0 {
            return Err(ApiError::validation(field, "no such community"));
        }
    }
    Ok(())
}
