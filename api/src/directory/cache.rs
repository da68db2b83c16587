//! The process's cache of the directory: the snapshot ([`Snapshot`]) that card lookups and
//! search are served from, the ids each search matched and the rendered search pages.
//!
//! What it holds is tagged with the directory stamp's version it was read under
//! ([`super::stamp`]). A staff edit bumps the version in its own transaction; the process that
//! made the edit moves its cache at once, and every process re-reads the version every
//! [`REFRESH_EVERY`] in the background, dropping everything when it changed. So after an edit
//! any process serves the old data for at most about one refresh interval. If the version
//! cannot be read for [`TRUST_FOR`] (database down, refresher stopped), the cache is not used
//! at all and requests go to the database.
//!
//! Other areas key their own caches on the same version: [`DirectoryCache::current`] gives the
//! trusted version with the snapshot, and what they cached at another version is stale (the
//! card index in `cards/cache.rs` works this way).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::model::snapshot::{self, Snapshot};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::cached::Rendered;
use crate::state::AppState;

/// How often each process re-reads the directory stamp.
pub const REFRESH_EVERY: Duration = Duration::from_millis(250);
/// How long a successful read of the stamp vouches for the cache.
pub const TRUST_FOR: Duration = Duration::from_millis(1000);
/// Cached search answers (ids per distinct question) before that map is emptied.
const MAX_SEARCHES: usize = 10_000;
/// Rendered search pages kept before that map is emptied.
const MAX_PAGES: usize = 10_000;
/// Longer query strings are not kept as keys.
const MAX_PAGE_KEY: usize = 256;

/// What the database is asked in a search: keyword, categories, community.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchKey {
    pub q: Option<String>,
    pub category: Option<i64>,
    pub community: Option<i64>,
}

#[derive(Default)]
struct Inner {
    version: i64,
    snapshot: Option<Arc<Snapshot>>,
    searches: HashMap<SearchKey, Arc<Vec<i64>>>,
    /// Rendered search pages by query string.
    pages: HashMap<String, Rendered>,
}

/// The process's directory cache; shared by every worker through [`AppState`].
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

    /// When the cache may be used: its version and, when held, the snapshot read at it (one
    /// read of both, so the snapshot is the version's).
    pub fn current(&self) -> Option<(i64, Option<Arc<Snapshot>>)> {
        if !self.is_trusted() {
            return None;
        }
        let inner = self.read();
        Some((inner.version, inner.snapshot.clone()))
    }

    /// The cached snapshot, when the cache may be used.
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.current().and_then(|(_, s)| s)
    }

    /// The cached snapshot when the cache may be used and holds `version`.
    pub fn snapshot_at(&self, version: i64) -> Option<Arc<Snapshot>> {
        self.current()
            .filter(|(v, _)| *v == version)
            .and_then(|(_, s)| s)
    }

    /// Keep a snapshot read at `version`, unless the cache has moved on since.
    pub fn put_snapshot(&self, version: i64, snapshot: Arc<Snapshot>) {
        let mut inner = self.write();
        if inner.version == version {
            inner.snapshot = Some(snapshot);
        }
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
}

/// Inside a database call that read the stamp at `version`: the snapshot of that version,
/// from the cache when it holds it, else read now (`true`: read now, to be kept with
/// [`DirectoryCache::put_snapshot`] once the call is over).
pub fn snapshot_in(
    conn: &mut DbConn,
    cache: &DirectoryCache,
    version: i64,
) -> ApiResult<(Arc<Snapshot>, bool)> {
    match cache.snapshot_at(version) {
        Some(s) => Ok((s, false)),
        None => Ok((Arc::new(snapshot::load(conn)?), true)),
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
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &str) -> SearchKey {
        SearchKey {
            q: Some(q.into()),
            category: None,
            community: None,
        }
    }

    #[test]
    fn newer_versions_drop_entries_and_stale_puts_are_ignored() {
        let c = DirectoryCache::default();
        assert!(!c.is_trusted() && c.version().is_none() && c.current().is_none());
        c.observe(3);
        assert_eq!(c.version(), Some(3));
        c.put_search(3, key("理发"), Arc::new(vec![1]));
        c.put_snapshot(3, Arc::new(Snapshot::default()));
        assert!(c.search_ids(&key("理发")).is_some());
        assert!(c.snapshot_at(3).is_some() && c.snapshot_at(2).is_none());
        c.observe(2); // an older read changes nothing
        assert!(c.search_ids(&key("理发")).is_some());
        assert!(matches!(c.current(), Some((3, Some(_)))));
        c.observe(4);
        assert!(c.search_ids(&key("理发")).is_none());
        assert!(matches!(c.current(), Some((4, None))));
        // Read before the edit: not kept.
        c.put_search(3, key("理发"), Arc::new(vec![1]));
        c.put_snapshot(3, Arc::new(Snapshot::default()));
        assert!(c.search_ids(&key("理发")).is_none() && c.snapshot().is_none());
    }
}
