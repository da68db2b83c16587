//! `linli seed --demo`: loads the demo data set of every area. Safe to run twice: each area
//! loads only into an empty database, in one transaction.

use crate::db::{self, DbConn};
use crate::error::ApiResult;

/// Load the demo data; returns a line per area saying what was loaded or skipped.
pub fn demo(conn: &mut DbConn, scale: usize) -> ApiResult<Vec<String>> {
    let mut lines = Vec::new();
    let places = db::transaction(conn, |c| crate::places::seed::seed(c, scale))?;
    lines.push(match places {
        Some(r) => format!(
            "places: {} communities, {} grids, {} compounds, {} buildings, {} households with cards",
            r.communities, r.grids, r.compounds, r.buildings, r.households
        ),
        None => "places: already loaded, left as they are".to_owned(),
    });
    // charging: piles and sockets in the charging compounds
    let charging = db::transaction(conn, |c| crate::charging::seed::seed(c, scale))?;
    lines.push(match charging {
        Some((piles, sockets)) => {
            format!("charging: {piles} piles with {sockets} sockets in the charging compounds")
        }
        None => "charging: already loaded, left as they are".to_owned(),
    });
    // the service directory and role contacts (cards come with places)
    let directory = db::transaction(conn, crate::directory::seed::seed)?;
    lines.push(match directory {
        Some(r) => format!(
            "directory: {} categories, {} services, {} role contacts in {} assignments",
            r.categories, r.services, r.role_contacts, r.assignments
        ),
        None => "directory: already loaded, left as they are".to_owned(),
    });
    // volunteering: a team, upcoming activities, the points supermarket
    let now = chrono::Utc::now().naive_utc();
    let vol = db::transaction(conn, |c| crate::volunteering::seed::seed(c, now))?;
    lines.push(match vol {
        Some(r) => format!(
            "volunteering: {} team, {} upcoming activities, {} points-supermarket items",
            r.teams, r.activities, r.items
        ),
        None => "volunteering: already loaded, left as it is".to_owned(),
    });
    Ok(lines)
}
