//! The card index behind the lookup, the most frequent call: each card's check code and
//! building (or "no active card with this number"), and each building's view with its last
//! rendering, kept in every process.
//!
//! It is keyed on the directory version ([`crate::directory::cache`]): every staff edit of
//! cards or role contacts bumps that version, and what was cached at any other version than
//! the directory cache's current one is never served. While the directory cache is not
//! trusted (the version could not be read for a while), lookups go to the database. After
//! each new version a background task loads every active card in one query (up to
//! [`MAX_CARDS`]), so a lookup of any card is answered from memory from the start, not only
//! after its first miss.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::lookup::BuildingEntry;
use super::model;
use super::rules::CardNumber;
use crate::directory::cache::REFRESH_EVERY;
use crate::directory::stamp;
use crate::state::AppState;

/// Cached cards (including unknown numbers) before the card map is emptied.
pub const MAX_CARDS: usize = 200_000;
/// Cached buildings before the building map is emptied.
const MAX_BUILDINGS: usize = 50_000;

/// A cached card: its check code and building, or "no active card with this number".
#[derive(Clone, Debug)]
pub enum CardEntry {
    Active {
        check_code: String,
        building_id: i64,
    },
    Missing,
}

#[derive(Default)]
struct Inner {
    version: i64,
    cards: HashMap<String, CardEntry>,
    buildings: HashMap<i64, Arc<BuildingEntry>>,
    /// Whether every active card was loaded at this version (or found too many to hold).
    preloaded: bool,
}

impl Inner {
    /// Move to `version` when it is newer (dropping what was held); `false` when it is older
    /// than what is held, so a slow reader's answer is not kept.
    fn at(&mut self, version: i64) -> bool {
        if version > self.version {
            *self = Inner {
                version,
                ..Inner::default()
            };
        }
        version == self.version
    }
}

/// The process's card index; shared by every worker through [`super::Cards`].
#[derive(Default)]
pub struct CardCache {
    inner: RwLock<Inner>,
}

impl CardCache {
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The hot path of a lookup, under one read lock: the card as cached at `version` (the
    /// directory's current one) with, when it is active, its building's view if held.
    pub fn card(
        &self,
        version: i64,
        number: &CardNumber,
    ) -> Option<(CardEntry, Option<Arc<BuildingEntry>>)> {
        let inner = self.read();
        if inner.version != version {
            return None;
        }
        let entry = inner.cards.get(number.as_str())?;
        let building = match entry {
            CardEntry::Active { building_id, .. } => inner.buildings.get(building_id).cloned(),
            CardEntry::Missing => None,
        };
        Some((entry.clone(), building))
    }

    /// A building's view as cached at `version`.
    pub fn building(&self, version: i64, id: i64) -> Option<Arc<BuildingEntry>> {
        let inner = self.read();
        (inner.version == version)
            .then(|| inner.buildings.get(&id).cloned())
            .flatten()
    }

    /// Keep what was read at `version`, unless a newer version was seen since.
    pub fn put(
        &self,
        version: i64,
        card: Option<(CardNumber, CardEntry)>,
        building: Option<(i64, Arc<BuildingEntry>)>,
    ) {
        let mut inner = self.write();
        if !inner.at(version) {
            return;
        }
        if let Some((number, entry)) = card {
            if inner.cards.len() >= MAX_CARDS {
                inner.cards.clear();
            }
            inner.cards.insert(number.as_str().to_owned(), entry);
        }
        if let Some((id, entry)) = building {
            if inner.buildings.len() >= MAX_BUILDINGS {
                inner.buildings.clear();
            }
            inner.buildings.insert(id, entry);
        }
    }

    /// Whether the card map still waits for its bulk load at `version`.
    pub fn needs_preload(&self, version: i64) -> bool {
        let inner = self.read();
        version > inner.version || (version == inner.version && !inner.preloaded)
    }

    /// Load every active card read at `version` (unknown numbers stay unknown: a lookup of
    /// one still asks the database once). More than [`MAX_CARDS`] are not held; lookups then
    /// fill the map card by card.
    pub fn preload(&self, version: i64, rows: Vec<(String, String, i64)>) {
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
        if !inner.at(version) {
            return;
        }
        inner.preloaded = true;
        if fits {
            // What lookups cached meanwhile (unknown numbers) stays.
            for (number, entry) in inner.cards.drain() {
                loaded.entry(number).or_insert(entry);
            }
            inner.cards = loaded;
        }
    }
}

/// Every [`REFRESH_EVERY`], load the active cards when the directory cache has moved to a
/// version the card map was not loaded at. Not a background job: every serving process
/// keeps its own index.
pub fn spawn_preloader(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(REFRESH_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let Some(version) = state.directory.version() else {
                continue;
            };
            if !state.cards.cache.needs_preload(version) {
                continue;
            }
            // The stamp first, then the cards: never filed under a newer version.
            let limit = i64::try_from(MAX_CARDS).unwrap_or(i64::MAX) + 1;
            let read = state
                .db(move |c| Ok((stamp::current(c)?, model::card::active_cards(c, limit)?)))
                .await;
            match read {
                Ok((version, rows)) => state.cards.cache.preload(version, rows),
                Err(e) => tracing::debug!(error = %e, "cards not preloaded"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> CardNumber {
        CardNumber::parse(s).unwrap()
    }

    #[test]
    fn entries_hold_at_their_version_only_and_stale_puts_are_ignored() {
        let c = CardCache::default();
        c.put(3, Some((number("JC1"), CardEntry::Missing)), None);
        assert!(c.card(3, &number("JC1")).is_some());
        // The directory moved on: nothing held at 3 is served at 4.
        assert!(c.card(4, &number("JC1")).is_none());
        c.put(4, Some((number("JC2"), CardEntry::Missing)), None);
        assert!(c.card(4, &number("JC1")).is_none());
        // Read before the edit: not kept.
        c.put(3, Some((number("JC1"), CardEntry::Missing)), None);
        assert!(c.card(3, &number("JC1")).is_none() && c.card(4, &number("JC1")).is_none());
        assert!(c.card(4, &number("JC2")).is_some());
    }

    #[test]
    fn preloaded_cards_hold_at_their_version_only() {
        let c = CardCache::default();
        assert!(c.needs_preload(5));
        c.put(5, Some((number("JC9"), CardEntry::Missing)), None);
        // Read before an edit that moved the cache to 6: not kept, still needed.
        c.put(6, None, None);
        c.preload(5, vec![("JC1".into(), "ABCD".into(), 7)]);
        assert!(c.card(6, &number("JC1")).is_none());
        assert!(c.needs_preload(6));
        c.put(6, Some((number("JC9"), CardEntry::Missing)), None);
        c.preload(
            6,
            vec![
                ("JC1".into(), "ABCD".into(), 7),
                ("JC2".into(), "EFGH".into(), 8),
            ],
        );
        assert!(!c.needs_preload(6));
        let (entry, _) = c.card(6, &number("JC2")).expect("preloaded");
        assert!(matches!(entry, CardEntry::Active { building_id: 8, .. }));
        // What lookups cached before the load stays.
        assert!(matches!(
            c.card(6, &number("JC9")),
            Some((CardEntry::Missing, _))
        ));
        // A newer version needs its own load.
        assert!(c.needs_preload(7));
        // Too many to hold: marked done, nothing loaded, lookups fill the map one by one.
        let many = (0..=MAX_CARDS)
            .map(|i| (format!("JC{i}"), "X".to_owned(), 1))
            .collect();
        c.preload(7, many);
        assert!(!c.needs_preload(7));
        assert!(c.card(7, &number("JC1")).is_none());
    }
}
