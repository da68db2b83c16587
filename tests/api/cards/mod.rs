//! Card lookups: what a scan shows (and never shows), indistinguishable failures, the rate
//! limit, revoked and reissued cards, ETags, the resident's own card, staff edits of role
//! contacts, and the cache's correctness across server processes.

use diesel::prelude::*;
use linli::db::schema::{buildings, households, role_assignments as ra, role_contacts as rc};
use serde_json::Value;

use crate::support::*;

mod caching;
mod contacts;
mod guessing;
mod issuing;
mod lookup;
pub(crate) mod processes;

fn code(n: usize) -> String {
    linli::places::seed::demo_check_codes(n)[n - 1].clone()
}

fn lookup_path(number: &str, check: &str) -> String {
    format!("/api/v1/cards/{number}?check_code={check}")
}

/// The (name, phone) of whoever holds each role for the building of a household, read
/// straight from the tables: the building's own holder, else its compound's.
fn holders_in_db(conn: &mut linli::db::DbConn, household: i64) -> Vec<(String, String, String)> {
    let (building, compound): (i64, i64) = households::table
        .inner_join(buildings::table)
        .filter(households::id.eq(household))
        .select((buildings::id, buildings::compound_id))
        .first(conn)
        .unwrap();
    let rows: Vec<(String, Option<i64>, String, String)> = ra::table
        .inner_join(rc::table)
        .filter(
            ra::building_id
                .eq(building)
                .or(ra::compound_id.eq(compound)),
        )
        .select((ra::role, ra::building_id, rc::name, rc::phone))
        .load(conn)
        .unwrap();
    let mut out = Vec::new();
    for role in linli::directory::roles::ContactRole::ALL {
        let pick = rows
            .iter()
            .find(|r| r.0 == role.as_str() && r.1.is_some())
            .or_else(|| rows.iter().find(|r| r.0 == role.as_str() && r.1.is_none()))
            .unwrap_or_else(|| panic!("no {} for household {household}", role.as_str()));
        out.push((pick.0.clone(), pick.2.clone(), pick.3.clone()));
    }
    out
}

/// The holder of `role` on a card view.
fn holder<'a>(view: &'a Value, role: &str) -> &'a Value {
    view["role_contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["role"] == role)
        .unwrap()
}
