//! Locations (HSDS `location`): where services are offered, with coordinates for distances.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{check_community, organizations};
use crate::db::paging::PageRequest;
use crate::db::schema::{locations, service_at_locations as sal};
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::directory::dto::{CreateLocation, LocationView};
use crate::directory::rules;
use crate::error::{ApiError, ApiResult};

type LocationRow = (i64, String, String, f64, f64, Option<i64>, Option<i64>);

fn view(r: LocationRow) -> LocationView {
    LocationView {
        id: r.0,
        name: r.1,
        address: r.2,
        latitude: r.3,
        longitude: r.4,
        community_id: r.5,
        organization_id: r.6,
    }
}

fn columns() -> (
    locations::id,
    locations::name,
    locations::address,
    locations::latitude,
    locations::longitude,
    locations::community_id,
    locations::organization_id,
) {
    (
        locations::id,
        locations::name,
        locations::address,
        locations::latitude,
        locations::longitude,
        locations::community_id,
        locations::organization_id,
    )
}

/// The locations of a service, in the order they were given.
pub fn of_service(conn: &mut DbConn, service_id: i64) -> ApiResult<Vec<LocationView>> {
    let rows: Vec<LocationRow> = sal::table
        .inner_join(locations::table)
        .filter(sal::service_id.eq(service_id))
        .order(sal::id)
        .select(columns())
        .load(conn)?;
    Ok(rows.into_iter().map(view).collect())
}

/// A service's `location_ids`: 1 to 20 existing locations, each once.
pub fn check_ids(conn: &mut DbConn, ids: &[i64]) -> ApiResult<()> {
    if ids.is_empty() || ids.len() > 20 {
        return Err(ApiError::validation(
            "location_ids",
            "must name 1 to 20 locations",
        ));
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let n: i64 = locations::table
        .filter(locations::id.eq_any(&unique))
        .count()
        .get_result(conn)?;
    if n != unique.len() as i64 || unique.len() != ids.len() {
        return Err(ApiError::validation(
            "location_ids",
            "every id must be an existing location, each once",
        ));
    }
    Ok(())
}

/// Locations, one page.
pub fn list_locations(
    conn: &mut DbConn,
    community_id: Option<i64>,
    q: Option<&str>,
    page: PageRequest,
) -> ApiResult<(Vec<LocationView>, i64)> {
    let query = || {
        let mut x = locations::table.into_boxed();
        if let Some(c) = community_id {
            x = x.filter(locations::community_id.eq(c));
        }
        if let Some(t) = q {
            x = x.filter(locations::name.like(like_contains(t)).escape('\\'));
        }
        x
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<LocationRow> = query()
        .order(locations::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(columns())
        .load(conn)?;
    Ok((rows.into_iter().map(view).collect(), total))
}

/// Create a location; returns it.
pub fn create_location(
    conn: &mut DbConn,
    input: &CreateLocation,
    now: NaiveDateTime,
) -> ApiResult<LocationView> {
    let name =
        rules::required_text(&input.name, 128).map_err(|r| ApiError::validation("name", r))?;
    let address = rules::required_text(&input.address, 255)
        .map_err(|r| ApiError::validation("address", r))?;
    if !rules::valid_coordinates(input.latitude, input.longitude) {
        return Err(ApiError::validation(
            "latitude",
            "latitude must be -90..90 and longitude -180..180",
        ));
    }
    check_community(conn, "community_id", input.community_id)?;
    if let Some(o) = input.organization_id {
        if !organizations::exists(conn, o)? {
            return Err(ApiError::validation(
                "organization_id",
                "no such organization",
            ));
        }
    }
    diesel::insert_into(locations::table)
        .values((
            locations::organization_id.eq(input.organization_id),
            locations::community_id.eq(input.community_id),
            locations::name.eq(&name),
            locations::address.eq(&address),
            locations::latitude.eq(input.latitude),
            locations::longitude.eq(input.longitude),
            locations::created_at.eq(now),
            locations::updated_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    Ok(LocationView {
        id,
        name,
        address,
        latitude: input.latitude,
        longitude: input.longitude,
        community_id: input.community_id,
        organization_id: input.organization_id,
    })
}
