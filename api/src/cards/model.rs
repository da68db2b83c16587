//! Card queries. A card is found only by its number *and* its check code; a wrong code and an
//! unknown number look the same to the caller.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::dto::{
    AssignmentView, CardAdminView, CardFilter, CreateAssignment, CreateRoleContact,
    RoleContactFilter, RoleContactView, UpdateRoleContact,
};
use super::lookup::BuildingBase;
use super::rules::{self, ContactRole};
use crate::db::paging::PageRequest;
use crate::db::schema::{
    buildings, cards, communities, compounds, grids, households, role_assignments as ra,
    role_contacts as rc,
};
use crate::db::{last_insert_id, like_contains, DbConn};
use crate::directory::rules::{required_text, valid_phone};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::places::dto::NamedRef;

const ACTIVE: &str = "active";
const REVOKED: &str = "revoked";
const RETIRED: &str = "retired";

/// Normalise a typed or scanned card number: trimmed, upper-case.
pub fn normalize(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

/// Validate the shape of a card number / check code pair before touching the database.
pub fn validate_pair(number: &str, check: &str) -> ApiResult<(String, String)> {
    let number = normalize(number);
    let check = normalize(check);
    if number.is_empty() || number.len() > 16 || !number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(ApiError::validation(
            "card_number",
            "must be 1 to 16 letters or digits",
        ));
    }
    if check.is_empty() || check.len() > 16 || !check.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::validation(
            "check_code",
            "must be 1 to 16 letters or digits",
        ));
    }
    Ok((number, check))
}

/// Compare without an early exit, so timing does not reveal how much of a code was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The household of the active card with this number and check code.
pub fn household_of(conn: &mut DbConn, number: &str, check: &str) -> ApiResult<Option<i64>> {
    let row: Option<(i64, String)> = cards::table
        .filter(
            cards::card_number
                .eq(number)
                .and(cards::status.eq("active")),
        )
        .select((cards::household_id, cards::check_code))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(household, code)| {
        constant_time_eq(code.as_bytes(), check.as_bytes()).then_some(household)
    }))
}

/// The number of the household's active card, if it has one.
pub fn active_card_number(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<String>> {
    Ok(cards::table
        .filter(
            cards::household_id
                .eq(household_id)
                .and(cards::status.eq("active")),
        )
        .select(cards::card_number)
        .first(conn)
        .optional()?)
}

/// The check code and building of the active card with this number.
pub fn active_card(conn: &mut DbConn, number: &str) -> ApiResult<Option<(String, i64)>> {
    Ok(cards::table
        .inner_join(households::table)
        .filter(cards::card_number.eq(number).and(cards::status.eq(ACTIVE)))
        .select((cards::check_code, households::building_id))
        .first(conn)
        .optional()?)
}

/// Every active card: (number, check code, building), at most `limit` of them.
pub fn active_cards(conn: &mut DbConn, limit: i64) -> ApiResult<Vec<(String, String, i64)>> {
    Ok(cards::table
        .inner_join(households::table)
        .filter(cards::status.eq(ACTIVE))
        .select((
            cards::card_number,
            cards::check_code,
            households::building_id,
        ))
        .limit(limit)
        .load(conn)?)
}

/// The building of a household.
pub fn building_of_household(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<i64>> {
    Ok(households::table
        .find(household_id)
        .select(households::building_id)
        .first(conn)
        .optional()?)
}

type PlaceRow = (
    (i64, String, f64, f64),
    (i64, String),
    (i64, String),
    (i64, String),
);

/// What a card shows about its building: the address and the seven role slots (a building's
/// own holder of a role, else its compound's).
pub fn building_base(conn: &mut DbConn, building_id: i64) -> ApiResult<Option<BuildingBase>> {
    let row: Option<PlaceRow> = buildings::table
        .inner_join(
            compounds::table
                .inner_join(communities::table)
                .inner_join(grids::table),
        )
        .filter(buildings::id.eq(building_id))
        .select((
            (
                buildings::id,
                buildings::name,
                buildings::latitude,
                buildings::longitude,
            ),
            (compounds::id, compounds::name),
            (grids::id, grids::name),
            (communities::id, communities::name),
        ))
        .first(conn)
        .optional()?;
    let Some(((b_id, b_name, lat, lon), (c_id, c_name), (g_id, g_name), (m_id, m_name))) = row
    else {
        return Ok(None);
    };
    let holders: Vec<(String, Option<i64>, i64, String, String, NaiveDateTime)> = ra::table
        .inner_join(rc::table)
        .filter(ra::building_id.eq(b_id).or(ra::compound_id.eq(c_id)))
        .filter(rc::status.eq(ACTIVE))
        .select((
            ra::role,
            ra::building_id,
            rc::id,
            rc::name,
            rc::phone,
            rc::last_confirmed_at,
        ))
        .load(conn)?;
    let roles = ContactRole::ALL
        .iter()
        .map(|role| {
            let mine = |building: bool| {
                holders
                    .iter()
                    .find(|h| h.0 == role.as_str() && h.1.is_some() == building)
            };
            let holder = mine(true).or_else(|| mine(false));
            super::dto::RoleSlot {
                role: *role,
                title: role.title().to_owned(),
                contact_id: holder.map(|h| h.2),
                name: holder.map(|h| h.3.clone()),
                phone: holder.map(|h| h.4.clone()),
                last_confirmed_at: holder.map(|h| h.5.and_utc()),
            }
        })
        .collect();
    let text = format!("{m_name} › {g_name} › {c_name} › {b_name}");
    Ok(Some(BuildingBase {
        address: super::dto::BuildingAddress {
            community: NamedRef {
                id: m_id,
                name: m_name,
            },
            grid: NamedRef {
                id: g_id,
                name: g_name,
            },
            compound: NamedRef {
                id: c_id,
                name: c_name,
            },
            building: NamedRef {
                id: b_id,
                name: b_name,
            },
            text,
        },
        community_id: m_id,
        latitude: lat,
        longitude: lon,
        roles,
    }))
}

type CardRow = (
    String,
    String,
    i64,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn card_view(r: CardRow) -> CardAdminView {
    CardAdminView {
        card_number: r.0,
        check_code: r.1,
        household_id: r.2,
        status: r.3,
        issued_at: r.4.and_utc(),
        revoked_at: r.5.map(|t| t.and_utc()),
    }
}

fn card_columns() -> (
    cards::card_number,
    cards::check_code,
    cards::household_id,
    cards::status,
    cards::issued_at,
    cards::revoked_at,
) {
    (
        cards::card_number,
        cards::check_code,
        cards::household_id,
        cards::status,
        cards::issued_at,
        cards::revoked_at,
    )
}

/// One card as staff see it.
pub fn card_admin(conn: &mut DbConn, number: &str) -> ApiResult<Option<CardAdminView>> {
    Ok(cards::table
        .filter(cards::card_number.eq(number))
        .select(card_columns())
        .first::<CardRow>(conn)
        .optional()?
        .map(card_view))
}

/// Cards by household and status, one page.
pub fn list_cards(
    conn: &mut DbConn,
    filter: &CardFilter,
    page: PageRequest,
) -> ApiResult<(Vec<CardAdminView>, i64)> {
    if let Some(s) = filter.status.as_deref() {
        if s != ACTIVE && s != REVOKED {
            return Err(ApiError::validation("status", "must be active or revoked"));
        }
    }
    let query = || {
        let mut q = cards::table.into_boxed();
        if let Some(h) = filter.household_id {
            q = q.filter(cards::household_id.eq(h));
        }
        if let Some(s) = filter.status.clone() {
            q = q.filter(cards::status.eq(s));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<CardRow> = query()
        .order(cards::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(card_columns())
        .load(conn)?;
    Ok((rows.into_iter().map(card_view).collect(), total))
}

/// Issue a card with the next free number and a random check code to a household without an
/// active card (the UNIQUE active-household key decides between two staff members at once).
pub fn issue_card(conn: &mut DbConn, household_id: i64, now: NaiveDateTime) -> ApiResult<String> {
    let exists: i64 = households::table
        .filter(households::id.eq(household_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(ApiError::validation("household_id", "no such household"));
    }
    for _ in 0..5 {
        let highest: Option<String> = cards::table
            .filter(cards::card_number.like("JC%"))
            .order((
                diesel::dsl::sql::<diesel::sql_types::Integer>("LENGTH(card_number)").desc(),
                cards::card_number.desc(),
            ))
            .select(cards::card_number)
            .first(conn)
            .optional()?;
        let number = rules::next_card_number(highest.as_deref());
        let code = rules::new_check_code().map_err(ApiError::internal)?;
        let inserted = diesel::insert_into(cards::table)
            .values((
                cards::household_id.eq(household_id),
                cards::card_number.eq(&number),
                cards::check_code.eq(&code),
                cards::status.eq(ACTIVE),
                cards::issued_at.eq(now),
                cards::active_household_id.eq(Some(household_id)),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(number),
            Err(e) if crate::db::is_unique_violation(&e) => {
                let active: i64 = cards::table
                    .filter(cards::active_household_id.eq(household_id))
                    .count()
                    .get_result(conn)?;
                if active > 0 {
                    return Err(ApiError::new(ErrorCode::HouseholdHasActiveCard)
                        .with_details(serde_json::json!({"household_id": household_id})));
                }
                // Another issue took this number at the same moment: take the next.
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable("card numbers contended"))
}

fn card_missing_or_revoked(conn: &mut DbConn, number: &str) -> ApiResult<ApiError> {
    let exists: i64 = cards::table
        .filter(cards::card_number.eq(number))
        .count()
        .get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::CardNotActive)
    })
}

/// Revoke an active card: its QR code stops working at once.
pub fn revoke_card(conn: &mut DbConn, number: &str, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        cards::table.filter(cards::card_number.eq(number).and(cards::status.eq(ACTIVE))),
    )
    .set((
        cards::status.eq(REVOKED),
        cards::revoked_at.eq(Some(now)),
        cards::active_household_id.eq(None::<i64>),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(card_missing_or_revoked(conn, number)?);
    }
    Ok(())
}

/// Reprint an active card: same number, new random check code; the old QR code stops working.
pub fn reissue_card(conn: &mut DbConn, number: &str, now: NaiveDateTime) -> ApiResult<()> {
    let code = rules::new_check_code().map_err(ApiError::internal)?;
    let changed = diesel::update(
        cards::table.filter(cards::card_number.eq(number).and(cards::status.eq(ACTIVE))),
    )
    .set((cards::check_code.eq(&code), cards::issued_at.eq(now)))
    .execute(conn)?;
    if changed == 0 {
        return Err(card_missing_or_revoked(conn, number)?);
    }
    Ok(())
}

type ContactRow = (i64, i64, String, String, String, String, NaiveDateTime);

fn contact_columns() -> (
    rc::id,
    rc::community_id,
    rc::role,
    rc::name,
    rc::phone,
    rc::status,
    rc::last_confirmed_at,
) {
    (
        rc::id,
        rc::community_id,
        rc::role,
        rc::name,
        rc::phone,
        rc::status,
        rc::last_confirmed_at,
    )
}

type AssignmentRow = (i64, i64, String, Option<i64>, Option<i64>);

fn assignment_view(r: AssignmentRow) -> AssignmentView {
    AssignmentView {
        id: r.0,
        role_contact_id: r.1,
        role: ContactRole::parse(&r.2).unwrap_or(ContactRole::GridWorker),
        compound_id: r.3,
        building_id: r.4,
    }
}

fn assignment_columns() -> (
    ra::id,
    ra::role_contact_id,
    ra::role,
    ra::compound_id,
    ra::building_id,
) {
    (
        ra::id,
        ra::role_contact_id,
        ra::role,
        ra::compound_id,
        ra::building_id,
    )
}

fn contact_views(conn: &mut DbConn, rows: Vec<ContactRow>) -> ApiResult<Vec<RoleContactView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut by_contact: HashMap<i64, Vec<AssignmentView>> = HashMap::new();
    let list: Vec<AssignmentRow> = ra::table
        .filter(ra::role_contact_id.eq_any(&ids))
        .order(ra::id)
        .select(assignment_columns())
        .load(conn)?;
    for a in list {
        by_contact.entry(a.1).or_default().push(assignment_view(a));
    }
    Ok(rows
        .into_iter()
        .map(|(id, community_id, role, name, phone, status, confirmed)| {
            let role = ContactRole::parse(&role).unwrap_or(ContactRole::GridWorker);
            RoleContactView {
                id,
                community_id,
                role,
                title: role.title().to_owned(),
                name,
                phone,
                status,
                last_confirmed_at: confirmed.and_utc(),
                assignments: by_contact.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

/// One role contact with its assignments.
pub fn role_contact(conn: &mut DbConn, id: i64) -> ApiResult<Option<RoleContactView>> {
    let rows: Vec<ContactRow> = rc::table
        .filter(rc::id.eq(id))
        .select(contact_columns())
        .load(conn)?;
    Ok(contact_views(conn, rows)?.pop())
}

/// Role contacts by community, role, name and status, one page.
pub fn list_role_contacts(
    conn: &mut DbConn,
    filter: &RoleContactFilter,
    page: PageRequest,
) -> ApiResult<(Vec<RoleContactView>, i64)> {
    let status = filter.status.clone().unwrap_or_else(|| ACTIVE.to_owned());
    if !matches!(status.as_str(), "active" | "retired" | "all") {
        return Err(ApiError::validation(
            "status",
            "must be active, retired or all",
        ));
    }
    let q = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if q.is_some_and(|t| t.chars().count() > 64) {
        return Err(ApiError::validation("q", "must be at most 64 characters"));
    }
    let query = || {
        let mut x = rc::table.into_boxed();
        if let Some(c) = filter.community_id {
            x = x.filter(rc::community_id.eq(c));
        }
        if let Some(r) = filter.role {
            x = x.filter(rc::role.eq(r.as_str()));
        }
        if let Some(t) = q {
            x = x.filter(rc::name.like(like_contains(t)).escape('\\'));
        }
        if status != "all" {
            x = x.filter(rc::status.eq(status.clone()));
        }
        x
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<ContactRow> = query()
        .order(rc::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(contact_columns())
        .load(conn)?;
    Ok((contact_views(conn, rows)?, total))
}

fn checked_name_phone(
    name: Option<&str>,
    phone: Option<&str>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let name = name
        .map(|n| required_text(n, 64).map_err(|r| ApiError::validation("name", r)))
        .transpose()?;
    let phone = phone
        .map(|p| {
            let p = p.trim();
            if valid_phone(p) {
                Ok(p.to_owned())
            } else {
                Err(ApiError::validation(
                    "phone",
                    "must be a phone number (3 to 20 digits, optional +, - or spaces)",
                ))
            }
        })
        .transpose()?;
    Ok((name, phone))
}

/// Create a role contact; returns its id.
pub fn create_role_contact(
    conn: &mut DbConn,
    input: &CreateRoleContact,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let (name, phone) = checked_name_phone(Some(&input.name), Some(&input.phone))?;
    let community: i64 = communities::table
        .filter(communities::id.eq(input.community_id))
        .count()
        .get_result(conn)?;
    if community == 0 {
        return Err(ApiError::validation("community_id", "no such community"));
    }
    diesel::insert_into(rc::table)
        .values((
            rc::community_id.eq(input.community_id),
            rc::role.eq(input.role.as_str()),
            rc::name.eq(name.unwrap_or_default()),
            rc::phone.eq(phone.unwrap_or_default()),
            rc::status.eq(ACTIVE),
            rc::last_confirmed_at.eq(now),
            rc::created_at.eq(now),
            rc::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

fn contact_missing_or_retired(conn: &mut DbConn, id: i64) -> ApiResult<ApiError> {
    let exists: i64 = rc::table.filter(rc::id.eq(id)).count().get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::RoleContactRetired)
    })
}

/// Change an active role contact's name or phone; marks it confirmed now.
pub fn update_role_contact(
    conn: &mut DbConn,
    id: i64,
    input: &UpdateRoleContact,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (name, phone) = checked_name_phone(input.name.as_deref(), input.phone.as_deref())?;
    let target = rc::table.filter(rc::id.eq(id).and(rc::status.eq(ACTIVE)));
    let changed = diesel::update(target)
        .set((rc::last_confirmed_at.eq(now), rc::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(contact_missing_or_retired(conn, id)?);
    }
    if let Some(n) = name {
        diesel::update(rc::table.find(id))
            .set(rc::name.eq(n))
            .execute(conn)?;
    }
    if let Some(p) = phone {
        diesel::update(rc::table.find(id))
            .set(rc::phone.eq(p))
            .execute(conn)?;
    }
    Ok(())
}

/// Retire a role contact who no longer covers anything (reassign their places first, so no
/// building is left without its contact by accident).
pub fn retire_role_contact(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let assigned: i64 = ra::table
        .filter(ra::role_contact_id.eq(id))
        .count()
        .get_result(conn)?;
    if assigned > 0 {
        return Err(ApiError::new(ErrorCode::RoleContactInUse)
            .with_details(serde_json::json!({"assignments": assigned})));
    }
    let changed = diesel::update(rc::table.filter(rc::id.eq(id).and(rc::status.eq(ACTIVE))))
        .set((rc::status.eq(RETIRED), rc::updated_at.eq(now)))
        .execute(conn)?;
    if changed == 0 {
        return Err(contact_missing_or_retired(conn, id)?);
    }
    // An assignment committed while this update waited for the row would now point at a
    // retired contact: look again after taking the row.
    let assigned: i64 = ra::table
        .filter(ra::role_contact_id.eq(id))
        .count()
        .get_result(conn)?;
    if assigned > 0 {
        return Err(ApiError::new(ErrorCode::RoleContactInUse));
    }
    Ok(())
}

/// Assignments of a contact, a compound or a building.
pub fn list_assignments(
    conn: &mut DbConn,
    contact: Option<i64>,
    compound: Option<i64>,
    building: Option<i64>,
) -> ApiResult<Vec<AssignmentView>> {
    let mut q = ra::table.into_boxed();
    if let Some(c) = contact {
        q = q.filter(ra::role_contact_id.eq(c));
    }
    if let Some(c) = compound {
        q = q.filter(ra::compound_id.eq(c));
    }
    if let Some(b) = building {
        q = q.filter(ra::building_id.eq(b));
    }
    let rows: Vec<AssignmentRow> = q
        .order(ra::id)
        .limit(1000)
        .select(assignment_columns())
        .load(conn)?;
    Ok(rows.into_iter().map(assignment_view).collect())
}

/// Assign a contact to a compound or building, replacing whoever held the role there.
pub fn assign(
    conn: &mut DbConn,
    input: &CreateAssignment,
    now: NaiveDateTime,
) -> ApiResult<AssignmentView> {
    let contact: Option<(i64, String, String)> = rc::table
        .find(input.role_contact_id)
        .select((rc::community_id, rc::role, rc::status))
        .first(conn)
        .optional()?;
    let Some((community, role, _)) = contact else {
        return Err(ApiError::validation(
            "role_contact_id",
            "no such role contact",
        ));
    };
    // A conditional update, not the status read above, decides against a concurrent retire:
    // it locks the contact's row until this transaction ends.
    let still_active = diesel::update(
        rc::table.filter(rc::id.eq(input.role_contact_id).and(rc::status.eq(ACTIVE))),
    )
    .set(rc::updated_at.eq(now))
    .execute(conn)?;
    if still_active == 0 {
        return Err(ApiError::new(ErrorCode::RoleContactRetired));
    }
    let place_community: Option<i64> = match (input.compound_id, input.building_id) {
        (Some(c), None) => compounds::table
            .find(c)
            .select(compounds::community_id)
            .first(conn)
            .optional()?,
        (None, Some(b)) => buildings::table
            .inner_join(compounds::table)
            .filter(buildings::id.eq(b))
            .select(compounds::community_id)
            .first(conn)
            .optional()?,
        _ => {
            return Err(ApiError::validation(
                "compound_id",
                "name exactly one of compound_id and building_id",
            ))
        }
    };
    let field = if input.compound_id.is_some() {
        "compound_id"
    } else {
        "building_id"
    };
    let Some(place_community) = place_community else {
        return Err(ApiError::validation(field, "no such place"));
    };
    if place_community != community {
        return Err(ApiError::new(ErrorCode::RoleContactWrongCommunity)
            .with_field(field)
            .with_details(serde_json::json!({
                "contact_community_id": community,
                "place_community_id": place_community,
            })));
    }
    // Replace the current holder; the UNIQUE keys refuse a second holder if two staff
    // members assign the same place and role at once.
    match input.compound_id {
        Some(c) => diesel::delete(ra::table.filter(ra::compound_id.eq(c).and(ra::role.eq(&role))))
            .execute(conn)?,
        None => diesel::delete(
            ra::table.filter(
                ra::building_id
                    .eq(input.building_id)
                    .and(ra::role.eq(&role)),
            ),
        )
        .execute(conn)?,
    };
    diesel::insert_into(ra::table)
        .values((
            ra::role_contact_id.eq(input.role_contact_id),
            ra::role.eq(&role),
            ra::compound_id.eq(input.compound_id),
            ra::building_id.eq(input.building_id),
            ra::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    Ok(AssignmentView {
        id,
        role_contact_id: input.role_contact_id,
        role: ContactRole::parse(&role).unwrap_or(ContactRole::GridWorker),
        compound_id: input.compound_id,
        building_id: input.building_id,
    })
}

/// Remove an assignment.
pub fn unassign(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    let n = diesel::delete(ra::table.find(id)).execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_normalised_and_checked() {
        assert_eq!(
            validate_pair(" jc00001 ", "abc234").unwrap(),
            ("JC00001".to_owned(), "ABC234".to_owned())
        );
        assert_eq!(
            validate_pair("", "x").unwrap_err().field.as_deref(),
            Some("card_number")
        );
        assert_eq!(
            validate_pair("JC1", "a b").unwrap_err().field.as_deref(),
            Some("check_code")
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
