//! Diesel queries of the volunteering area, one file per sub-area. Every rule that two
//! requests could race on is decided by the database: UNIQUE keys and conditional updates
//! checked by their affected rows. Rows read statuses, roles and reasons as their enums
//! (`dto`), so a value the code does not know fails the query instead of being guessed.

pub mod activities;
pub mod adjustments;
pub mod agenda;
pub mod attendance;
pub mod points;
pub mod quotas;
pub mod shop;
pub mod signups;
pub mod teams;
pub mod wish_report;
pub mod wishes;

use chrono::NaiveDateTime;

use crate::clock::LOCAL_TZ;

/// A stored UTC time as people in the county read it, e.g. `12月05日 09:00`.
fn local_time(t: NaiveDateTime) -> String {
    t.and_utc()
        .with_timezone(&LOCAL_TZ)
        .format("%m月%d日 %H:%M")
        .to_string()
}
