//! Directory queries: the snapshot the cache serves, search, one service in full, and staff
//! edits (run through [`super::stamp::edit`] so caches follow).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::cache::{Category, Place, ServiceEntry, Snapshot, SERVICE_CENTRE};
use super::dto::{
    CategoryRef, CategoryView, ContactView, CreateLocation, CreateOrganization, CreateService,
    ExceptionView, LocationView, OrganizationView, PhoneView, UpdateService, WeeklyHoursView,
};
use super::rules::{self, DatedException, WeeklyHours};
use crate::db::paging::PageRequest;
use crate::db::schema::{
    communities, contacts, locations, organizations, phones, schedule_exceptions, schedules,
    service_at_locations as sal, services, taxonomy_terms,
};
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

pub const ACTIVE: &str = "active";
pub const RETIRED: &str = "retired";

fn categories(conn: &mut DbConn) -> ApiResult<HashMap<i64, Category>> {
    let rows: Vec<(i64, String, String, Option<i64>, i32)> = taxonomy_terms::table
        .select((
            taxonomy_terms::id,
            taxonomy_terms::code,
            taxonomy_terms::name,
            taxonomy_terms::parent_id,
            taxonomy_terms::position,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, parent_id, position)| {
            (
                id,
                Category {
                    id,
                    code,
                    name,
                    parent_id,
                    position,
                },
            )
        })
        .collect())
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

/// Every active service with its places, phones and hours, and the taxonomy.
pub fn load_snapshot(conn: &mut DbConn) -> ApiResult<Snapshot> {
    let categories = categories(conn)?;
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
    for (sid, hours) in load_weekly(conn, None)? {
        if let Some(s) = map.get_mut(&sid) {
            s.weekly.push(hours);
        }
    }
    for (sid, ex) in load_exceptions(conn, None)? {
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
    let compounds = crate::db::schema::compounds::table
        .select((
            crate::db::schema::compounds::id,
            (
                crate::db::schema::compounds::latitude,
                crate::db::schema::compounds::longitude,
            ),
        ))
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

fn load_weekly(conn: &mut DbConn, service: Option<i64>) -> ApiResult<Vec<(i64, WeeklyHours)>> {
    let mut q = schedules::table.into_boxed();
    if let Some(id) = service {
        q = q.filter(schedules::service_id.eq(id));
    }
    let rows: Vec<(i64, i32, i32, i32)> = q
        .order((
            schedules::service_id,
            schedules::weekday,
            schedules::opens_minute,
        ))
        .select((
            schedules::service_id,
            schedules::weekday,
            schedules::opens_minute,
            schedules::closes_minute,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(sid, weekday, opens, closes)| {
            (
                sid,
                WeeklyHours {
                    weekday,
                    opens,
                    closes,
                },
            )
        })
        .collect())
}

type ExceptionRow = (i64, String, bool, Option<i32>, Option<i32>, String);

fn load_exceptions(
    conn: &mut DbConn,
    service: Option<i64>,
) -> ApiResult<Vec<(i64, DatedException)>> {
    let mut q = schedule_exceptions::table.into_boxed();
    if let Some(id) = service {
        q = q.filter(schedule_exceptions::service_id.eq(id));
    }
    let rows: Vec<ExceptionRow> = q
        .order((
            schedule_exceptions::service_id,
            schedule_exceptions::on_date,
        ))
        .select((
            schedule_exceptions::service_id,
            schedule_exceptions::on_date,
            schedule_exceptions::closed,
            schedule_exceptions::opens_minute,
            schedule_exceptions::closes_minute,
            schedule_exceptions::note,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(sid, date, closed, opens, closes, note)| {
            let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok()?;
            Some((
                sid,
                DatedException {
                    date,
                    closed,
                    opens,
                    closes,
                    note,
                },
            ))
        })
        .collect())
}

/// Ids of active services whose name or description contains `q` (a plain substring, also
/// for Chinese), in the given categories and community, in id order.
pub fn matching_service_ids(
    conn: &mut DbConn,
    q: Option<&str>,
    categories: Option<&[i64]>,
    community_id: Option<i64>,
) -> ApiResult<Vec<i64>> {
    let mut query = services::table
        .filter(services::status.eq(ACTIVE))
        .into_boxed();
    if let Some(text) = q {
        let pattern = like_contains(text);
        query = query.filter(
            services::name
                .like(pattern.clone())
                .escape('\\')
                .or(services::description.like(pattern).escape('\\')),
        );
    }
    if let Some(ids) = categories {
        query = query.filter(services::category_id.eq_any(ids.to_vec()));
    }
    if let Some(c) = community_id {
        query = query.filter(services::community_id.eq(c));
    }
    Ok(query.order(services::id).select(services::id).load(conn)?)
}

/// Every category, parents before children, siblings by position.
pub fn category_tree(conn: &mut DbConn) -> ApiResult<Vec<CategoryView>> {
    let all = categories(conn)?;
    let mut out = Vec::with_capacity(all.len());
    fn walk(
        all: &HashMap<i64, Category>,
        parent: Option<i64>,
        depth: i32,
        out: &mut Vec<CategoryView>,
    ) {
        let mut children: Vec<&Category> = all.values().filter(|c| c.parent_id == parent).collect();
        children.sort_by_key(|c| (c.position, c.id));
        for c in children {
            out.push(CategoryView {
                id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                parent_id: c.parent_id,
                depth,
            });
            if depth < 16 {
                walk(all, Some(c.id), depth + 1, out);
            }
        }
    }
    walk(&all, None, 0, &mut out);
    Ok(out)
}

fn category_ref(c: &Category) -> CategoryRef {
    CategoryRef {
        id: c.id,
        code: c.code.clone(),
        name: c.name.clone(),
    }
}

/// Category and its ancestors, top first.
fn category_path(all: &HashMap<i64, Category>, id: i64) -> Vec<CategoryRef> {
    let mut path = Vec::new();
    let mut cur = Some(id);
    while let Some(c) = cur.and_then(|i| all.get(&i)) {
        path.push(category_ref(c));
        cur = c.parent_id;
        if path.len() > 16 {
            break;
        }
    }
    path.reverse();
    path
}

/// The organization row as a view.
pub fn organization(conn: &mut DbConn, id: i64) -> ApiResult<Option<OrganizationView>> {
    let row: Option<(i64, String, String, Option<String>, String, NaiveDateTime)> =
        organizations::table
            .find(id)
            .select((
                organizations::id,
                organizations::name,
                organizations::description,
                organizations::url,
                organizations::status,
                organizations::last_confirmed_at,
            ))
            .first(conn)
            .optional()?;
    Ok(row.map(
        |(id, name, description, url, status, confirmed)| OrganizationView {
            id,
            name,
            description,
            url,
            status,
            last_confirmed_at: confirmed.and_utc(),
        },
    ))
}

type LocationRow = (i64, String, String, f64, f64, Option<i64>, Option<i64>);

fn location_view(r: LocationRow) -> LocationView {
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

fn location_columns() -> (
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

/// One service in full, retired or not.
pub fn service_detail(
    conn: &mut DbConn,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Option<super::dto::ServiceDetail>> {
    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        i64,
        Option<i64>,
        NaiveDateTime,
        NaiveDateTime,
    );
    let row: Option<Row> = services::table
        .find(id)
        .select((
            services::id,
            services::name,
            services::description,
            services::status,
            services::organization_id,
            services::category_id,
            services::community_id,
            services::last_confirmed_at,
            services::updated_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, description, status, org_id, cat_id, community_id, confirmed, updated)) =
        row
    else {
        return Ok(None);
    };
    let all = categories(conn)?;
    let category = all
        .get(&cat_id)
        .map(category_ref)
        .ok_or_else(|| ApiError::internal("service without category"))?;
    let organization =
        organization(conn, org_id)?.ok_or_else(|| ApiError::internal("service without org"))?;
    let locations: Vec<LocationRow> = sal::table
        .inner_join(locations::table)
        .filter(sal::service_id.eq(id))
        .order(sal::id)
        .select(location_columns())
        .load(conn)?;
    let phone_rows: Vec<(String, String)> = phones::table
        .filter(phones::service_id.eq(id))
        .order(phones::id)
        .select((phones::number, phones::description))
        .load(conn)?;
    let contact_rows: Vec<(String, String, Option<String>)> = contacts::table
        .filter(contacts::service_id.eq(id))
        .order(contacts::id)
        .select((contacts::name, contacts::title, contacts::phone))
        .load(conn)?;
    let weekly: Vec<WeeklyHours> = load_weekly(conn, Some(id))?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    let exceptions: Vec<DatedException> = load_exceptions(conn, Some(id))?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let open_now = status == ACTIVE && rules::is_open(now, &weekly, &exceptions);
    Ok(Some(super::dto::ServiceDetail {
        id,
        name,
        description,
        status,
        category_path: category_path(&all, cat_id),
        category,
        organization,
        community_id,
        locations: locations.into_iter().map(location_view).collect(),
        phones: phone_rows
            .into_iter()
            .map(|(number, description)| PhoneView {
                number,
                description,
            })
            .collect(),
        contacts: contact_rows
            .into_iter()
            .map(|(name, title, phone)| ContactView { name, title, phone })
            .collect(),
        schedule: weekly
            .iter()
            .map(|h| WeeklyHoursView {
                weekday: h.weekday,
                opens_at: rules::fmt_hhmm(h.opens),
                closes_at: rules::fmt_hhmm(h.closes),
            })
            .collect(),
        exceptions: exceptions
            .iter()
            .map(|e| ExceptionView {
                date: e.date.format("%Y-%m-%d").to_string(),
                closed: e.closed,
                opens_at: e.opens.map(rules::fmt_hhmm),
                closes_at: e.closes.map(rules::fmt_hhmm),
                note: e.note.clone(),
            })
            .collect(),
        open_now,
        last_confirmed_at: confirmed.and_utc(),
        updated_at: updated.and_utc(),
    }))
}

/// Validated lists of a service, ready to store.
#[derive(Debug, Clone, Default)]
pub struct ServiceLists {
    pub phones: Option<Vec<PhoneView>>,
    pub contacts: Option<Vec<ContactView>>,
    pub weekly: Option<Vec<WeeklyHours>>,
    pub exceptions: Option<Vec<DatedException>>,
}

/// Check the lists staff send; errors name the field (`schedule[1].closes_at`).
pub fn validate_lists(
    phones: Option<&[PhoneView]>,
    contacts: Option<&[ContactView]>,
    schedule: Option<&[WeeklyHoursView]>,
    exceptions: Option<&[ExceptionView]>,
) -> ApiResult<ServiceLists> {
    let mut out = ServiceLists::default();
    if let Some(list) = phones {
        if list.len() > 10 {
            return Err(ApiError::validation("phones", "at most 10 phone numbers"));
        }
        let mut v = Vec::new();
        for (i, p) in list.iter().enumerate() {
            if !rules::valid_phone(p.number.trim()) {
                return Err(ApiError::validation(
                    format!("phones[{i}].number"),
                    "must be a phone number (3 to 20 digits, optional +, - or spaces)",
                ));
            }
            if p.description.chars().count() > 64 {
                return Err(ApiError::validation(
                    format!("phones[{i}].description"),
                    "must be at most 64 characters",
                ));
            }
            v.push(PhoneView {
                number: p.number.trim().to_owned(),
                description: p.description.trim().to_owned(),
            });
        }
        out.phones = Some(v);
    }
    if let Some(list) = contacts {
        if list.len() > 20 {
            return Err(ApiError::validation("contacts", "at most 20 contacts"));
        }
        let mut v = Vec::new();
        for (i, c) in list.iter().enumerate() {
            let name = rules::required_text(&c.name, 64)
                .map_err(|r| ApiError::validation(format!("contacts[{i}].name"), r))?;
            if c.title.chars().count() > 64 {
                return Err(ApiError::validation(
                    format!("contacts[{i}].title"),
                    "must be at most 64 characters",
                ));
            }
            if let Some(p) = &c.phone {
                if !rules::valid_phone(p.trim()) {
                    return Err(ApiError::validation(
                        format!("contacts[{i}].phone"),
                        "must be a phone number",
                    ));
                }
            }
            v.push(ContactView {
                name,
                title: c.title.trim().to_owned(),
                phone: c.phone.as_ref().map(|p| p.trim().to_owned()),
            });
        }
        out.contacts = Some(v);
    }
    if let Some(list) = schedule {
        if list.len() > 50 {
            return Err(ApiError::validation("schedule", "at most 50 intervals"));
        }
        let mut v = Vec::new();
        for (i, h) in list.iter().enumerate() {
            if !(1..=7).contains(&h.weekday) {
                return Err(ApiError::validation(
                    format!("schedule[{i}].weekday"),
                    "must be 1 (Monday) to 7 (Sunday)",
                ));
            }
            let opens = rules::parse_hhmm(&h.opens_at).ok_or_else(|| {
                ApiError::validation(format!("schedule[{i}].opens_at"), "must be HH:MM")
            })?;
            let closes = rules::parse_hhmm(&h.closes_at).ok_or_else(|| {
                ApiError::validation(format!("schedule[{i}].closes_at"), "must be HH:MM")
            })?;
            if !rules::valid_interval(opens, closes) {
                return Err(ApiError::validation(
                    format!("schedule[{i}].closes_at"),
                    "must be after opens_at on the same day",
                ));
            }
            v.push(WeeklyHours {
                weekday: h.weekday,
                opens,
                closes,
            });
        }
        out.weekly = Some(v);
    }
    if let Some(list) = exceptions {
        if list.len() > 100 {
            return Err(ApiError::validation("exceptions", "at most 100 exceptions"));
        }
        let mut v: Vec<DatedException> = Vec::new();
        for (i, e) in list.iter().enumerate() {
            let date = NaiveDate::parse_from_str(&e.date, "%Y-%m-%d").map_err(|_| {
                ApiError::validation(format!("exceptions[{i}].date"), "must be YYYY-MM-DD")
            })?;
            if v.iter().any(|x| x.date == date) {
                return Err(ApiError::validation(
                    format!("exceptions[{i}].date"),
                    "each date at most once",
                ));
            }
            let (opens, closes) =
                if e.closed {
                    (None, None)
                } else {
                    let o = e.opens_at.as_deref().and_then(rules::parse_hhmm);
                    let c = e.closes_at.as_deref().and_then(rules::parse_hhmm);
                    match (o, c) {
                        (Some(o), Some(c)) if rules::valid_interval(o, c) => (Some(o), Some(c)),
                        _ => return Err(ApiError::validation(
                            format!("exceptions[{i}].opens_at"),
                            "when not closed, opens_at and closes_at must be HH:MM, opens first",
                        )),
                    }
                };
            if e.note.chars().count() > 128 {
                return Err(ApiError::validation(
                    format!("exceptions[{i}].note"),
                    "must be at most 128 characters",
                ));
            }
            v.push(DatedException {
                date,
                closed: e.closed,
                opens,
                closes,
                note: e.note.trim().to_owned(),
            });
        }
        out.exceptions = Some(v);
    }
    Ok(out)
}

fn check_category(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    let n: i64 = taxonomy_terms::table
        .filter(taxonomy_terms::id.eq(id))
        .count()
        .get_result(conn)?;
    if n == 0 {
        return Err(ApiError::validation("category_id", "no such category"));
    }
    Ok(())
}

fn check_locations(conn: &mut DbConn, ids: &[i64]) -> ApiResult<()> {
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

/// Replace the lists that were sent.
fn store_lists(
    conn: &mut DbConn,
    service_id: i64,
    locations_ids: Option<&[i64]>,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if let Some(ids) = locations_ids {
        diesel::delete(sal::table.filter(sal::service_id.eq(service_id))).execute(conn)?;
        for id in ids {
            diesel::insert_into(sal::table)
                .values((sal::service_id.eq(service_id), sal::location_id.eq(id)))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.phones {
        diesel::delete(phones::table.filter(phones::service_id.eq(service_id))).execute(conn)?;
        for p in list {
            diesel::insert_into(phones::table)
                .values((
                    phones::service_id.eq(service_id),
                    phones::number.eq(&p.number),
                    phones::description.eq(&p.description),
                    phones::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.contacts {
        diesel::delete(contacts::table.filter(contacts::service_id.eq(service_id)))
            .execute(conn)?;
        for c in list {
            diesel::insert_into(contacts::table)
                .values((
                    contacts::service_id.eq(service_id),
                    contacts::name.eq(&c.name),
                    contacts::title.eq(&c.title),
                    contacts::phone.eq(c.phone.as_deref()),
                    contacts::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.weekly {
        diesel::delete(schedules::table.filter(schedules::service_id.eq(service_id)))
            .execute(conn)?;
        for h in list {
            diesel::insert_into(schedules::table)
                .values((
                    schedules::service_id.eq(service_id),
                    schedules::weekday.eq(h.weekday),
                    schedules::opens_minute.eq(h.opens),
                    schedules::closes_minute.eq(h.closes),
                    schedules::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    if let Some(list) = &lists.exceptions {
        diesel::delete(
            schedule_exceptions::table.filter(schedule_exceptions::service_id.eq(service_id)),
        )
        .execute(conn)?;
        for e in list {
            diesel::insert_into(schedule_exceptions::table)
                .values((
                    schedule_exceptions::service_id.eq(service_id),
                    schedule_exceptions::on_date.eq(e.date.format("%Y-%m-%d").to_string()),
                    schedule_exceptions::closed.eq(e.closed),
                    schedule_exceptions::opens_minute.eq(e.opens),
                    schedule_exceptions::closes_minute.eq(e.closes),
                    schedule_exceptions::note.eq(&e.note),
                    schedule_exceptions::created_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Create a service (inside a staff edit). Returns its id.
pub fn create_service(
    conn: &mut DbConn,
    input: &CreateService,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let name =
        rules::required_text(&input.name, 128).map_err(|r| ApiError::validation("name", r))?;
    if input.description.chars().count() > 2000 {
        return Err(ApiError::validation(
            "description",
            "must be at most 2000 characters",
        ));
    }
    let org: i64 = organizations::table
        .filter(organizations::id.eq(input.organization_id))
        .filter(organizations::status.eq(ACTIVE))
        .count()
        .get_result(conn)?;
    if org == 0 {
        return Err(ApiError::validation(
            "organization_id",
            "no such active organization",
        ));
    }
    check_category(conn, input.category_id)?;
    check_community(conn, "community_id", input.community_id)?;
    check_locations(conn, &input.location_ids)?;
    diesel::insert_into(services::table)
        .values((
            services::organization_id.eq(input.organization_id),
            services::category_id.eq(input.category_id),
            services::community_id.eq(input.community_id),
            services::name.eq(&name),
            services::description.eq(input.description.trim()),
            services::status.eq(ACTIVE),
            services::last_confirmed_at.eq(now),
            services::created_at.eq(now),
            services::updated_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    store_lists(conn, id, Some(&input.location_ids), lists, now)?;
    Ok(id)
}

/// Change an active service; marks it confirmed now.
pub fn update_service(
    conn: &mut DbConn,
    id: i64,
    input: &UpdateService,
    lists: &ServiceLists,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let status: Option<String> = services::table
        .find(id)
        .select(services::status)
        .first(conn)
        .optional()?;
    match status.as_deref() {
        None => return Err(ApiError::not_found()),
        Some(RETIRED) => return Err(ApiError::new(ErrorCode::ServiceRetired)),
        _ => {}
    }
    if let Some(c) = input.category_id {
        check_category(conn, c)?;
    }
    if let Some(ids) = &input.location_ids {
        check_locations(conn, ids)?;
    }
    let name = input
        .name
        .as_deref()
        .map(|n| rules::required_text(n, 128).map_err(|r| ApiError::validation("name", r)))
        .transpose()?;
    if input
        .description
        .as_deref()
        .is_some_and(|d| d.chars().count() > 2000)
    {
        return Err(ApiError::validation(
            "description",
            "must be at most 2000 characters",
        ));
    }
    // Conditional on still being active: a concurrent retire wins cleanly.
    let target = services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE)));
    let changed = diesel::update(target)
        .set((
            services::last_confirmed_at.eq(now),
            services::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(ApiError::new(ErrorCode::ServiceRetired));
    }
    if let Some(c) = input.category_id {
        diesel::update(services::table.find(id))
            .set(services::category_id.eq(c))
            .execute(conn)?;
    }
    if let Some(n) = name {
        diesel::update(services::table.find(id))
            .set(services::name.eq(n))
            .execute(conn)?;
    }
    if let Some(d) = &input.description {
        diesel::update(services::table.find(id))
            .set(services::description.eq(d.trim()))
            .execute(conn)?;
    }
    store_lists(conn, id, input.location_ids.as_deref(), lists, now)
}

/// Retire an active service (it disappears from cards and search; its history stays).
pub fn retire_service(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE))),
    )
    .set((
        services::status.eq(RETIRED),
        services::retired_at.eq(Some(now)),
        services::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(service_missing_or_retired(conn, id)?);
    }
    Ok(())
}

/// Mark an active service confirmed now, unchanged.
pub fn confirm_service(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        services::table.filter(services::id.eq(id).and(services::status.eq(ACTIVE))),
    )
    .set(services::last_confirmed_at.eq(now))
    .execute(conn)?;
    if changed == 0 {
        return Err(service_missing_or_retired(conn, id)?);
    }
    Ok(())
}

/// The error for a service that a conditional update did not find active.
pub fn service_missing_or_retired(conn: &mut DbConn, id: i64) -> ApiResult<ApiError> {
    let exists: i64 = services::table
        .filter(services::id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::ServiceRetired)
    })
}

/// Organizations, by name filter, one page.
pub fn list_organizations(
    conn: &mut DbConn,
    q: Option<&str>,
    page: PageRequest,
) -> ApiResult<(Vec<OrganizationView>, i64)> {
    let query = || {
        let mut x = organizations::table.into_boxed();
        if let Some(t) = q {
            x = x.filter(organizations::name.like(like_contains(t)).escape('\\'));
        }
        x
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<(i64, String, String, Option<String>, String, NaiveDateTime)> = query()
        .order(organizations::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            organizations::id,
            organizations::name,
            organizations::description,
            organizations::url,
            organizations::status,
            organizations::last_confirmed_at,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(|(id, name, description, url, status, c)| OrganizationView {
                id,
                name,
                description,
                url,
                status,
                last_confirmed_at: c.and_utc(),
            })
            .collect(),
        total,
    ))
}

/// Create an organization; a taken name → 409.
pub fn create_organization(
    conn: &mut DbConn,
    input: &CreateOrganization,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let name =
        rules::required_text(&input.name, 128).map_err(|r| ApiError::validation("name", r))?;
    if input.description.chars().count() > 2000 {
        return Err(ApiError::validation(
            "description",
            "must be at most 2000 characters",
        ));
    }
    if input.url.as_deref().is_some_and(|u| u.len() > 255) {
        return Err(ApiError::validation(
            "url",
            "must be at most 255 characters",
        ));
    }
    let res = diesel::insert_into(organizations::table)
        .values((
            organizations::name.eq(&name),
            organizations::description.eq(input.description.trim()),
            organizations::url.eq(input.url.as_deref()),
            organizations::status.eq(ACTIVE),
            organizations::last_confirmed_at.eq(now),
            organizations::created_at.eq(now),
            organizations::updated_at.eq(now),
        ))
        .execute(conn);
    match res {
        Err(e) if crate::db::is_unique_violation(&e) => {
            Err(ApiError::new(ErrorCode::OrganizationNameTaken).with_field("name"))
        }
        Err(e) => Err(e.into()),
        Ok(_) => Ok(last_insert_id(conn)?),
    }
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
        .select(location_columns())
        .load(conn)?;
    Ok((rows.into_iter().map(location_view).collect(), total))
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
        let n: i64 = organizations::table
            .filter(organizations::id.eq(o))
            .count()
            .get_result(conn)?;
        if n == 0 {
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
