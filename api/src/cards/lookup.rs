//! The card lookup, the most frequent call: served from the process's card index
//! ([`super::cache`]) and the directory's snapshot when they hold it at the directory's
//! current version, from the database otherwise.
//!
//! A card maps to its building; what a card shows is the same for every household of a
//! building, so the rendered JSON (gzip and ETag included) is kept per building and rendered
//! again only when a service it shows opens or closes (or at local midnight).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::cache::{CardCache, CardEntry};
use super::dto::{CardView, EmergencyNumber, NearbyGroup};
use super::model;
use super::model::building::BuildingBase;
use super::rules::{CardNumber, CheckCode, DUMMY_CHECK_CODE, EMERGENCY_NUMBERS};
use crate::directory::cache::{self as directory_cache, DirectoryCache};
use crate::directory::dto::{CategoryRef, ServiceSummary};
use crate::directory::model::categories::category_ref;
use crate::directory::model::snapshot::Snapshot;
use crate::directory::{rules as drules, stamp, view};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::cached::Rendered;
use crate::state::AppState;

/// Services farther than this from the building are not "nearby" unless they belong to the
/// building's own community circle.
pub const NEARBY_RADIUS_M: f64 = 1500.0;
/// Services shown per category.
pub const PER_CATEGORY: usize = 3;

/// A building's view, with its last rendering.
#[derive(Debug)]
pub struct BuildingEntry {
    base: BuildingBase,
    rendered: Mutex<Option<Rendered>>,
}

impl BuildingEntry {
    pub fn new(base: BuildingBase) -> Self {
        BuildingEntry {
            base,
            rendered: Mutex::new(None),
        }
    }

    /// The view at `now`, rendered again only once what it says may have changed: when one of
    /// its services opens or closes, or at local midnight.
    pub fn render(&self, snapshot: &Snapshot, now: DateTime<Utc>) -> ApiResult<Rendered> {
        let minute = drules::minute_stamp(now);
        let mut slot = self.rendered.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = slot.as_ref().filter(|r| r.holds_at(minute)) {
            return Ok(r.clone());
        }
        let view = card_view(&self.base, snapshot, now);
        let shown = view
            .service_centre
            .iter()
            .chain(view.nearby.iter().flat_map(|g| g.services.iter()))
            .filter_map(|s| snapshot.services.get(&s.id));
        let until = shown
            .map(|s| drules::next_change(now, &s.weekly, &s.exceptions))
            .chain(std::iter::once(drules::next_change(now, &[], &[])))
            .min()
            .map_or(minute + 1, drules::minute_stamp)
            .max(minute + 1);
        let rendered = Rendered::json(&view, minute, until)?;
        *slot = Some(rendered.clone());
        Ok(rendered)
    }
}

/// Assemble the view of a building at `now`.
pub fn card_view(base: &BuildingBase, snap: &Snapshot, now: DateTime<Utc>) -> CardView {
    let origin = Some((base.latitude, base.longitude));
    let centre_id = snap.centres.get(&base.community_id).copied();
    let service_centre = centre_id
        .and_then(|id| snap.services.get(&id))
        .and_then(|s| view::summary(s, snap, origin, now));
    // Group by top-level category, ordered by the category's position.
    let mut groups: BTreeMap<(i32, i64), Vec<ServiceSummary>> = BTreeMap::new();
    for s in snap.services.values() {
        if Some(s.id) == centre_id {
            continue;
        }
        let Some(summary) = view::summary(s, snap, origin, now) else {
            continue;
        };
        let own_circle = s.community_id == Some(base.community_id);
        let close = summary
            .distance_m
            .is_some_and(|d| (d as f64) <= NEARBY_RADIUS_M);
        if !(own_circle || (s.community_id.is_none() && close)) {
            continue;
        }
        let root = snap.root_of(s.category_id);
        let position = snap.categories.get(&root).map_or(i32::MAX, |c| c.position);
        groups.entry((position, root)).or_default().push(summary);
    }
    let nearby = groups
        .into_iter()
        .map(|((_, root), mut services)| {
            services.sort_by_key(|s| (s.distance_m, s.id));
            services.truncate(PER_CATEGORY);
            let category = snap
                .categories
                .get(&root)
                .map(category_ref)
                .unwrap_or(CategoryRef {
                    id: root,
                    code: String::new(),
                    name: String::new(),
                });
            NearbyGroup { category, services }
        })
        .collect();
    let mut emergency_numbers: Vec<EmergencyNumber> = EMERGENCY_NUMBERS
        .iter()
        .map(|(name, number)| EmergencyNumber {
            name: (*name).to_owned(),
            number: (*number).to_owned(),
        })
        .collect();
    if let Some(centre) = &service_centre {
        if let Some(phone) = &centre.phone {
            emergency_numbers.push(EmergencyNumber {
                name: centre.name.clone(),
                number: phone.clone(),
            });
        }
    }
    CardView {
        address: base.address.clone(),
        role_contacts: base.roles.clone(),
        service_centre,
        nearby,
        emergency_numbers,
    }
}

fn card_not_found() -> ApiError {
    ApiError::new(ErrorCode::CardNotFound)
}

/// The code a lookup compares the presented one with: the card's, or for an unknown or
/// revoked card the dummy code no card has.
fn code_to_compare(entry: &CardEntry) -> &str {
    match entry {
        CardEntry::Active { check_code, .. } => check_code,
        CardEntry::Missing => DUMMY_CHECK_CODE,
    }
}

/// The view for a card number and check code. A wrong code and an unknown or revoked card
/// give the same `card_not_found` by the same path: the presented code is compared, in
/// constant time, with the card's or with a dummy code, and only a right code goes on to the
/// building (so neither answer reads more than the other).
pub async fn by_card(
    state: &AppState,
    number: CardNumber,
    check: CheckCode,
) -> ApiResult<Rendered> {
    let now = state.clock.now();
    if let Some((version, snapshot)) = state.directory.current() {
        let cached = state.cards.cache.card(version, &number);
        crate::ops::metrics::cache("card_lookup", cached.is_some());
        if let Some((entry, building)) = cached {
            if !check.matches(code_to_compare(&entry)) {
                return Err(card_not_found());
            }
            if let (Some(b), Some(s)) = (building, snapshot) {
                return b.render(&s, now);
            }
        }
    }
    let (directory, cards) = (state.directory.clone(), state.cards.cache.clone());
    let (version, entry, building, snapshot) = state
        .db(move |conn| {
            let version = stamp::current(conn)?;
            let entry = match model::card::active_card(conn, &number)? {
                Some((check_code, building_id)) => CardEntry::Active {
                    check_code,
                    building_id,
                },
                None => CardEntry::Missing,
            };
            let right = check.matches(code_to_compare(&entry));
            let (building, snapshot) = match &entry {
                CardEntry::Active { building_id, .. } if right => {
                    let (b, s) =
                        building_and_snapshot(conn, &directory, &cards, version, *building_id)?;
                    (Some(b), Some(s))
                }
                _ => (None, None),
            };
            Ok((version, (number, entry), building, snapshot))
        })
        .await?;
    let (number, entry) = entry;
    keep(
        state,
        version,
        Some((number, entry)),
        building.clone(),
        snapshot.clone(),
    );
    match (building, snapshot) {
        (Some((_, b)), Some((s, _))) => b.render(&s, now),
        _ => Err(card_not_found()),
    }
}

/// A snapshot and whether it was read now (to be kept).
type ReadSnapshot = (Arc<Snapshot>, bool);

/// Inside a database call at `version`: the building's entry and the snapshot, from the caches
/// when they hold them at this version, else read now.
fn building_and_snapshot(
    conn: &mut crate::db::DbConn,
    directory: &DirectoryCache,
    cards: &CardCache,
    version: i64,
    building_id: i64,
) -> ApiResult<((i64, Arc<BuildingEntry>), ReadSnapshot)> {
    let building = match directory
        .current()
        .filter(|(v, _)| *v == version)
        .and_then(|_| cards.building(version, building_id))
    {
        Some(b) => b,
        None => Arc::new(BuildingEntry::new(
            model::building::building_base(conn, building_id)?
                .ok_or_else(|| ApiError::internal("card without a building"))?,
        )),
    };
    let snapshot = directory_cache::snapshot_in(conn, directory, version)?;
    Ok(((building_id, building), snapshot))
}

/// Keep what a lookup read at `version` in both caches.
fn keep(
    state: &AppState,
    version: i64,
    card: Option<(CardNumber, CardEntry)>,
    building: Option<(i64, Arc<BuildingEntry>)>,
    snapshot: Option<ReadSnapshot>,
) {
    state.directory.observe(version);
    state.cards.cache.put(version, card, building);
    if let Some((s, true)) = snapshot {
        state.directory.put_snapshot(version, s);
    }
}

/// The view of a household's building (for its own members: `GET /me/card`).
pub async fn by_household(state: &AppState, household_id: i64) -> ApiResult<Rendered> {
    let now = state.clock.now();
    let (directory, cards) = (state.directory.clone(), state.cards.cache.clone());
    let (version, building, snapshot) = state
        .db(move |conn| {
            let version = stamp::current(conn)?;
            let building_id = model::card::building_of_household(conn, household_id)?
                .ok_or_else(|| ApiError::new(ErrorCode::HouseholdNotBound))?;
            let (b, s) = building_and_snapshot(conn, &directory, &cards, version, building_id)?;
            Ok((version, b, s))
        })
        .await?;
    let entry = building.1.clone();
    let shown = snapshot.0.clone();
    keep(state, version, None, Some(building), Some(snapshot));
    entry.render(&shown, now)
}
