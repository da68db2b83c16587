//! The in-process cache behind the card lookup (the most frequent call) and directory search.
//!
//! What it holds is tagged with the directory stamp's version it was read under
//! ([`super::stamp`]). A staff edit bumps the version in its own transaction; the process that
//! made the edit moves its cache at once, and every process re-reads the version every
//! [`REFRESH_EVERY`] in the background, dropping everything when it changed. So after an edit
//! any process serves the old data for at most about one refresh interval. If the version
//! cannot be read for [`TRUST_FOR`] (database down, refresher stopped), the cache is not used
//! at all and requests go to the database. After each change of version the refresher loads
//! every active card in one query (up to [`MAX_CARDS`]), so a lookup of any card is answered
//! from memory from the start, not only after its first miss.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::rules::{DatedException, WeeklyHours};
use crate::cards::lookup::{BuildingEntry, CardEntry};
use crate::http::cached::Rendered;
use crate::state::AppState;

/// How often each process re-reads the directory stamp.
pub const REFRESH_EVERY: Duration = Duration::from_millis(250);
/// How long a successful read of the stamp vouches for the cache.
pub const TRUST_FOR: Duration = Duration::from_millis(1000);
/// Cached cards (including unknown numbers) before the card map is emptied.
const MAX_CARDS: usize = 200_000;
/// Cached buildings before the building map is emptied.
const MAX_BUILDINGS: usize = 50_000;
/// Cached search answers (ids per distinct question) before that map is emptied.
const MAX_SEARCHES: usize = 10_000;
/// Rendered search pages kept before that map is emptied.
const MAX_PAGES: usize = 10_000;
/// Longer query strings are not kept as keys.
const MAX_PAGE_KEY: usize = 256;

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

/// What the database is asked in a search: keyword, categories, community.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchKey {
    pub q: Option<String>,
    pub category: Option<i64>,
    pub community: Option<i64>,
}

/// The code of the category that marks a community's service centre.
pub const SERVICE_CENTRE: &str = "service_centre";

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

/// A cached card with its building's view and the snapshot, when cached.
pub type CardHit = (CardEntry, Option<Arc<BuildingEntry>>, Option<Arc<Snapshot>>);

#[derive(Default)]
struct Inner {
    version: i64,
    snapshot: Option<Arc<Snapshot>>,
    cards: HashMap<String, CardEntry>,
    buildings: HashMap<i64, Arc<BuildingEntry>>,
    searches: HashMap<SearchKey, Arc<Vec<i64>>>,
    /// Rendered search pages by query string.
    pages: HashMap<String, Rendered>,
    /// Whether every active card was loaded at this version (or found too many to hold).
    cards_preloaded: bool,
}

/// The process's cache; shared by every worker through [`AppState`].
pub struct DirectoryCache {
    started: Instant,
    /// Milliseconds after `started` of the last successful stamp read (0: never).
    checked_ms: AtomicU64,
    inner: RwLock<Inner>,
}

impl Default for DirectoryCache {
    fn default() -> Self {
        DirectoryCache {
            started: Instant::now(),
            checked_ms: AtomicU64::new(0),
            inner: RwLock::new(Inner::default()),
        }
    }
}

impl DirectoryCache {
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        // +1 so that a check in the first millisecond is not read as "never".
        self.started.elapsed().as_millis() as u64 + 1
    }

    /// Whether the stamp was read recently enough for the cache to be used.
    pub fn is_trusted(&self) -> bool {
        let checked = self.checked_ms.load(Ordering::Acquire);
        checked != 0 && self.now_ms().saturating_sub(checked) < TRUST_FOR.as_millis() as u64
    }

    /// Record a version just read from the database: drops everything when it is newer than
    /// what the cache holds. Versions only grow, so an older read (a slow refresher racing a
    /// local edit) changes nothing.
    pub fn observe(&self, version: i64) {
        {
            let current = self.read().version;
            if version > current {
                let mut inner = self.write();
                if version > inner.version {
                    *inner = Inner {
                        version,
                        ..Inner::default()
                    };
                }
            }
        }
        self.checked_ms.store(self.now_ms(), Ordering::Release);
    }

    /// The version the cache holds, when it may be used.
    pub fn version(&self) -> Option<i64> {
        self.is_trusted().then(|| self.read().version)
    }

    /// The hot path of a card lookup, under one read lock: the cached card with, when it is
    /// active, its building and the snapshot (either may be missing).
    pub fn card_with_view(&self, number: &str) -> Option<CardHit> {
        if !self.is_trusted() {
            return None;
        }
        let inner = self.read();
        let entry = inner.cards.get(number)?;
        let building = match entry {
            CardEntry::Active { building_id, .. } => inner.buildings.get(building_id).cloned(),
            CardEntry::Missing => None,
        };
        Some((entry.clone(), building, inner.snapshot.clone()))
    }

    /// A cached building view, when the cache may be used.
    pub fn building(&self, id: i64) -> Option<Arc<BuildingEntry>> {
        if !self.is_trusted() {
            return None;
        }
        self.read().buildings.get(&id).cloned()
    }

    /// The cached directory snapshot, when the cache may be used.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        if !self.is_trusted() {
            return None;
        }
        self.read().snapshot.clone()
    }

    /// The ids the database answered for this search, when the cache may be used.
    pub fn search_ids(&self, key: &SearchKey) -> Option<Arc<Vec<i64>>> {
        if !self.is_trusted() {
            return None;
        }
        self.read().searches.get(key).cloned()
    }

    /// Keep a search answer read at (or after) `version`.
    pub fn put_search(&self, version: i64, key: SearchKey, ids: Arc<Vec<i64>>) {
        let mut inner = self.write();
        if inner.version != version {
            return;
        }
        if inner.searches.len() >= MAX_SEARCHES {
            inner.searches.clear();
        }
        inner.searches.insert(key, ids);
    }

    /// A rendered search page for this query string that holds in this minute.
    pub fn page(&self, query: &str, minute: i64) -> Option<Rendered> {
        if !self.is_trusted() {
            return None;
        }
        self.read()
            .pages
            .get(query)
            .filter(|r| r.holds_at(minute))
            .cloned()
    }

    /// Keep a rendered search page computed from what the cache held at `version`.
    pub fn put_page(&self, version: i64, query: &str, page: Rendered) {
        if query.len() > MAX_PAGE_KEY {
            return;
        }
        let mut inner = self.write();
        if inner.version != version {
            return;
        }
        if inner.pages.len() >= MAX_PAGES {
            inner.pages.clear();
        }
        inner.pages.insert(query.to_owned(), page);
    }

    /// Whether the card map still waits for its bulk load at the current version.
    pub fn needs_card_preload(&self) -> bool {
        self.is_trusted() && !self.read().cards_preloaded
    }

    /// Load every active card read at `version` (unknown numbers stay unknown: a lookup of
    /// one still asks the database once). More than [`MAX_CARDS`] are not held; lookups then
    /// fill the map card by card.
    pub fn preload_cards(&self, version: i64, rows: Vec<(String, String, i64)>) {
        let fits = rows.len() <= MAX_CARDS;
        // Built outside the lock, so lookups do not wait while 100,000 entries go in.
        let mut loaded: HashMap<String, CardEntry> = HashMap::new();
        if fits {
            loaded.reserve(rows.len());
            for (number, check_code, building_id) in rows {
                loaded.insert(
                    number,
                    CardEntry::Active {
                        check_code,
                        building_id,
                    },
                );
            }
        }
        let mut inner = self.write();
        if inner.version != version {
            return;
        }
        inner.cards_preloaded = true;
        if fits {
            // What lookups cached meanwhile (unknown numbers) stays.
            for (number, entry) in inner.cards.drain() {
                loaded.entry(number).or_insert(entry);
            }
            inner.cards = loaded;
        }
    }

    /// Keep what was read at `version`, unless the cache has moved on since.
    pub fn put(
        &self,
        version: i64,
        card: Option<(String, CardEntry)>,
        building: Option<(i64, Arc<BuildingEntry>)>,
        snapshot: Option<Arc<Snapshot>>,
    ) {
        let mut inner = self.write();
        if inner.version != version {
            return;
        }
        if let Some((number, entry)) = card {
            if inner.cards.len() >= MAX_CARDS {
                inner.cards.clear();
            }
            inner.cards.insert(number, entry);
        }
        if let Some((id, entry)) = building {
            if inner.buildings.len() >= MAX_BUILDINGS {
                inner.buildings.clear();
            }
            inner.buildings.insert(id, entry);
        }
        if let Some(s) = snapshot {
            inner.snapshot = Some(s);
        }
    }
}

/// Re-read the stamp every [`REFRESH_EVERY`] for as long as the server runs.
pub fn spawn_refresher(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(REFRESH_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match state.db(super::stamp::current).await {
                Ok(v) => state.directory.observe(v),
                Err(e) => tracing::debug!(error = %e, "directory stamp not readable"),
            }
            if state.directory.needs_card_preload() {
                // The stamp first, then the cards: never filed under a newer version.
                let limit = i64::try_from(MAX_CARDS).unwrap_or(i64::MAX) + 1;
                let read = state
                    .db(move |c| {
                        let version = super::stamp::current(c)?;
                        Ok((version, crate::cards::model::active_cards(c, limit)?))
                    })
                    .await;
                match read {
                    Ok((version, rows)) => state.directory.preload_cards(version, rows),
                    Err(e) => tracing::debug!(error = %e, "cards not preloaded"),
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_drop_entries_and_stale_puts_are_ignored() {
        let c = DirectoryCache::default();
        assert!(!c.is_trusted() && c.version().is_none());
        c.observe(3);
        assert_eq!(c.version(), Some(3));
        c.put(3, Some(("JC1".into(), CardEntry::Missing)), None, None);
        assert!(c.card_with_view("JC1").is_some());
        c.observe(2); // an older read changes nothing
        assert!(c.card_with_view("JC1").is_some());
        c.observe(4);
        assert!(c.card_with_view("JC1").is_none());
        c.put(3, Some(("JC1".into(), CardEntry::Missing)), None, None); // read before the edit
        assert!(c.card_with_view("JC1").is_none());
    }

    #[test]
    fn preloaded_cards_hold_at_their_version_only() {
        let c = DirectoryCache::default();
        c.observe(5);
        assert!(c.needs_card_preload());
        c.put(5, Some(("JC9".into(), CardEntry::Missing)), None, None);
        // Read before an edit that moved the cache to 6: not kept, still needed.
        c.observe(6);
        c.preload_cards(5, vec![("JC1".into(), "ABCD".into(), 7)]);
        assert!(c.card_with_view("JC1").is_none());
        assert!(c.needs_card_preload());
        c.put(6, Some(("JC9".into(), CardEntry::Missing)), None, None);
        c.preload_cards(
            6,
            vec![
                ("JC1".into(), "ABCD".into(), 7),
                ("JC2".into(), "EFGH".into(), 8),
            ],
        );
        assert!(!c.needs_card_preload());
        let (entry, _, _) = c.card_with_view("JC2").expect("preloaded");
        assert!(matches!(entry, CardEntry::Active { building_id: 8, .. }));
        // What lookups cached before the load stays.
        assert!(matches!(
            c.card_with_view("JC9"),
            Some((CardEntry::Missing, _, _))
        ));
        // Too many to hold: marked done, nothing loaded, lookups fill the map one by one.
        c.observe(7);
        let many = (0..=MAX_CARDS)
            .map(|i| (format!("JC{i}"), "X".to_owned(), 1))
            .collect();
        c.preload_cards(7, many);
        assert!(!c.needs_card_preload());
        assert!(c.card_with_view("JC1").is_none());
    }
}
