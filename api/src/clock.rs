//! The server's notion of "now". Production reads the system clock; tests shift it forward to
//! exercise deadlines (grace periods, expiries) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The communities' time zone: local days, opening hours, slot grids, "today" and "tomorrow"
/// in messages are all in it. Storage and the wire stay UTC.
pub const LOCAL_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// A clock with an adjustable offset from system time. Cloning shares the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The current time in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// The current time as stored in the database (UTC, no offset).
    pub fn now_naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }

    /// Move this clock (and every clone of it) forward.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}
