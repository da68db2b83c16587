//! The snapshot of the active directory that card lookups and search are served from: every
//! active service with its places, phones and hours, the taxonomy, each community's service
//! centre and the compounds' coordinates, read at one version of the directory stamp.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{categories, hours, ACTIVE};
use crate::db::schema::{
    compounds, locations, organizations, phones, service_at_locations as sal, services,
};
use crate::db::DbConn;
use crate::directory::rules::{DatedException, WeeklyHours};
use crate::error::ApiResult;

/// The code of the category that marks a community's service centre.
pub const SERVICE_CENTRE: &str = "service_centre";

/// A taxonomy term.
#[derive(Clone, Debug)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub position: i32,
}

/// Where a service is offered.
#[derive(Clone, Debug)]
pub struct Place {
    pub location_id: i64,
    pub name: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// An active service with everything a lookup or a search result shows.
#[derive(Clone, Debug)]
pub struct ServiceEntry {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub category_id: i64,
    pub community_id: Option<i64>,
    pub places: Vec<Place>,
    /// (number, description)
    pub phones: Vec<(String, String)>,
    pub weekly: Vec<WeeklyHours>,
    pub exceptions: Vec<DatedException>,
    pub last_confirmed_at: NaiveDateTime,
}

/// The active directory, read at one version.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub services: HashMap<i64, ServiceEntry>,
    pub categories: HashMap<i64, Category>,
    /// Community id → the id of its service centre (category `service_centre`).
    pub centres: HashMap<i64, i64>,
    /// Compound id → its coordinates (for "near a compound").
    pub compounds: HashMap<i64, (f64, f64)>,
}

impl Snapshot {
    /// A category and all categories below it.
    pub fn with_descendants(&self, id: i64) -> Vec<i64> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i];
            out.extend(
                self.categories
                    .values()
                    .filter(|c| c.parent_id == Some(parent))
                    .map(|c| c.id),
            );
            i += 1;
        }
        out
    }

    /// The top-level category a category belongs to (itself when it has no parent).
    pub fn root_of(&self, id: i64) -> i64 {
        let mut cur = id;
        for _ in 0..16 {
            match self.categories.get(&cur).and_then(|c| c.parent_id) {
                Some(p) => cur = p,
                None => break,
            }
        }
        cur
    }
}

type ServiceRow = (
    i64,
    String,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    NaiveDateTime,
);

/// Read the snapshot now. Callers read the stamp first, so a snapshot is never filed under a
/// version newer than what it shows.
pub fn load(conn: &mut DbConn) -> ApiResult<Snapshot> {
    let categories = categories::all(conn)?;
    let rows: Vec<ServiceRow> = services::table
        .inner_join(organizations::table)
        .filter(services::status.eq(ACTIVE))
        .select((
            services::id,
            services::name,
            services::description,
            services::organization_id,
            organizations::name,
            services::category_id,
            services::community_id,
            services::last_confirmed_at,
        ))
        .load(conn)?;
    let mut map: HashMap<i64, ServiceEntry> = rows
        .into_iter()
        .map(
            |(id, name, description, org_id, org_name, cat, community, confirmed)| {
                (
                    id,
                    ServiceEntry {
                        id,
                        name,
                        description,
                        organization_id: org_id,
                        organization_name: org_name,
                        category_id: cat,
                        community_id: community,
                        places: Vec::new(),
                        phones: Vec::new(),
                        weekly: Vec::new(),
                        exceptions: Vec::new(),
                        last_confirmed_at: confirmed,
                    },
                )
            },
        )
        .collect();
    let places: Vec<(i64, i64, String, String, f64, f64)> = sal::table
        .inner_join(locations::table)
        .order(sal::id)
        .select((
            sal::service_id,
            locations::id,
            locations::name,
            locations::address,
            locations::latitude,
            locations::longitude,
        ))
        .load(conn)?;
    for (sid, location_id, name, address, latitude, longitude) in places {
        if let Some(s) = map.get_mut(&sid) {
            s.places.push(Place {
                location_id,
                name,
                address,
                latitude,
                longitude,
            });
        }
    }
    let list: Vec<(i64, String, String)> = phones::table
        .order(phones::id)
        .select((phones::service_id, phones::number, phones::description))
        .load(conn)?;
    for (sid, number, description) in list {
        if let Some(s) = map.get_mut(&sid) {
            s.phones.push((number, description));
        }
    }
    for (sid, hours) in hours::weekly(conn, None)? {
        if let Some(s) = map.get_mut(&sid) {
            s.weekly.push(hours);
        }
    }
    for (sid, ex) in hours::exceptions(conn, None)? {
        if let Some(s) = map.get_mut(&sid) {
            s.exceptions.push(ex);
        }
    }
    let centre_category = categories
        .values()
        .find(|c| c.code == SERVICE_CENTRE)
        .map(|c| c.id);
    let mut centres = HashMap::new();
    let mut by_id: Vec<&ServiceEntry> = map.values().collect();
    by_id.sort_by_key(|s| s.id);
    for s in by_id {
        if let (Some(community), true) = (s.community_id, Some(s.category_id) == centre_category) {
            centres.entry(community).or_insert(s.id);
        }
    }
    let compounds = compounds::table
        .select((compounds::id, (compounds::latitude, compounds::longitude)))
        .load::<(i64, (f64, f64))>(conn)?
        .into_iter()
        .collect();
    Ok(Snapshot {
        services: map,
        categories,
        centres,
        compounds,
    })
}
