//! Per-client request limit: a fixed one-minute window per API client, in this process.
//! With several server processes each enforces the limit on what it serves.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Counts requests per key per minute.
#[derive(Debug)]
pub struct WindowLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl WindowLimiter {
    pub fn new(per_minute: u32) -> Self {
        WindowLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count a request for `key`; false when it is over the limit.
    pub fn allow(&self, key: &str, now: DateTime<Utc>) -> bool {
        let minute = now.timestamp() / 60;
        let Ok(mut windows) = self.windows.lock() else {
            return true;
        };
        if windows.len() > 10_000 {
            windows.retain(|_, (m, _)| *m == minute);
        }
        let entry = windows.entry(key.to_owned()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let l = WindowLimiter::new(2);
        let t = Utc::now();
        assert!(l.allow("a", t) && l.allow("a", t));
        assert!(!l.allow("a", t));
        assert!(l.allow("b", t));
        assert!(l.allow("a", t + chrono::Duration::seconds(61)));
    }
}
