//! Directory rules as plain functions: opening hours ("open now" in local time, with dated
//! exceptions), distances, and the shape of what staff may enter.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};

/// The communities' time zone: opening hours are local wall-clock times.
pub const LOCAL_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Minutes in a day; `closes` may be 1440 (24:00).
pub const DAY_MINUTES: i32 = 24 * 60;

/// Regular hours on one weekday (1 = Monday … 7 = Sunday), minutes after local midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeeklyHours {
    pub weekday: i32,
    pub opens: i32,
    pub closes: i32,
}

/// Other hours on one local date (a holiday, a closure): closed all day, or open opens..closes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatedException {
    pub date: NaiveDate,
    pub closed: bool,
    pub opens: Option<i32>,
    pub closes: Option<i32>,
    pub note: String,
}

/// The opening intervals of a local date and the exception that set them, if any.
pub fn hours_on<'a>(
    date: NaiveDate,
    weekly: &[WeeklyHours],
    exceptions: &'a [DatedException],
) -> (Vec<(i32, i32)>, Option<&'a DatedException>) {
    if let Some(ex) = exceptions.iter().find(|e| e.date == date) {
        let hours = match (ex.closed, ex.opens, ex.closes) {
            (false, Some(o), Some(c)) => vec![(o, c)],
            _ => Vec::new(),
        };
        return (hours, Some(ex));
    }
    let weekday = date.weekday().number_from_monday() as i32;
    let mut hours: Vec<(i32, i32)> = weekly
        .iter()
        .filter(|h| h.weekday == weekday)
        .map(|h| (h.opens, h.closes))
        .collect();
    hours.sort_unstable();
    (hours, None)
}

/// The local date and minute of the day of an instant.
pub fn local_date_minute(now: DateTime<Utc>) -> (NaiveDate, i32) {
    let local = now.with_timezone(&LOCAL_TZ);
    let minute = (local.hour() * 60 + local.minute()) as i32;
    (local.date_naive(), minute)
}

/// Whether a service with these hours is open at `now` (evaluated in local time).
pub fn is_open(now: DateTime<Utc>, weekly: &[WeeklyHours], exceptions: &[DatedException]) -> bool {
    let (date, minute) = local_date_minute(now);
    let (hours, _) = hours_on(date, weekly, exceptions);
    hours.iter().any(|(o, c)| (*o..*c).contains(&minute))
}

/// The next moment after `now` at which "open now" or today's hours may change: the next
/// opening or closing time today, else the next local midnight.
pub fn next_change(
    now: DateTime<Utc>,
    weekly: &[WeeklyHours],
    exceptions: &[DatedException],
) -> DateTime<Utc> {
    let (date, minute) = local_date_minute(now);
    let at_local = |d: NaiveDate, m: i32| {
        d.and_hms_opt((m / 60) as u32, (m % 60) as u32, 0)
            .and_then(|t| LOCAL_TZ.from_local_datetime(&t).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    let (hours, _) = hours_on(date, weekly, exceptions);
    let boundary = hours
        .iter()
        .flat_map(|(o, c)| [*o, *c])
        .filter(|b| *b > minute && *b < DAY_MINUTES)
        .min();
    boundary
        .and_then(|b| at_local(date, b))
        .or_else(|| date.succ_opt().and_then(|d| at_local(d, 0)))
        .unwrap_or(now + chrono::Duration::minutes(1))
}

/// `HH:MM` → minutes after midnight; `24:00` is allowed (for closing times).
pub fn parse_hhmm(s: &str) -> Option<i32> {
    let (h, m) = s.split_once(':')?;
    // Two ASCII digits each: `str::parse` alone would also take `+1` or `-0`.
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    ((0..60).contains(&m) && (0..=DAY_MINUTES).contains(&total)).then_some(total)
}

/// Minutes after midnight → `HH:MM`.
pub fn fmt_hhmm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Check one opening interval: `opens` before `closes`, within the day.
pub fn valid_interval(opens: i32, closes: i32) -> bool {
    (0..DAY_MINUTES).contains(&opens) && opens < closes && closes <= DAY_MINUTES
}

/// Great-circle distance in metres (haversine; plenty for a town).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().asin()
}

/// A phone number as people write them here: digits with optional `+`, `-` or spaces, 3 to 20
/// digits (110, 0933-3312345, 13993312345).
pub fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&digits)
        && s.len() <= 32
        && s.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == '-' || c == ' ' || (c == '+' && i == 0))
}

/// Trimmed text of 1..=max characters, or why not.
pub fn required_text(value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    if v.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(v.to_owned())
}

/// A plausible coordinate pair (WGS-84).
pub fn valid_coordinates(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// Minute of the day, for cache keys that change when "open now" may change.
pub fn minute_stamp(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn weekdays(opens: i32, closes: i32) -> Vec<WeeklyHours> {
        (1..=5)
            .map(|weekday| WeeklyHours {
                weekday,
                opens,
                closes,
            })
            .collect()
    }

    fn at_local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        LOCAL_TZ
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn open_now_is_local_time_and_closing_minute_is_closed() {
        let week = weekdays(8 * 60, 18 * 60);
        // Monday 2026-11-30, 08:00 local = 00:00 UTC.
        assert!(is_open(at_local(2026, 11, 30, 8, 0), &week, &[]));
        assert!(is_open(at_local(2026, 11, 30, 17, 59), &week, &[]));
        assert!(!is_open(at_local(2026, 11, 30, 18, 0), &week, &[]));
        assert!(!is_open(at_local(2026, 11, 30, 7, 59), &week, &[]));
        // Saturday: no hours.
        assert!(!is_open(at_local(2026, 12, 5, 10, 0), &week, &[]));
    }

    #[test]
    fn exceptions_override_the_week() {
        let week = weekdays(8 * 60, 18 * 60);
        let date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let closed = vec![DatedException {
            date,
            closed: true,
            opens: None,
            closes: None,
            note: "元旦".into(),
        }];
        assert!(!is_open(at_local(2027, 1, 1, 10, 0), &week, &closed));
        let (hours, ex) = hours_on(date, &week, &closed);
        assert!(hours.is_empty() && ex.is_some());
        let short = vec![DatedException {
            date: NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            closed: false,
            opens: Some(9 * 60),
            closes: Some(12 * 60),
            note: "周六加班".into(),
        }];
        assert!(is_open(at_local(2026, 12, 5, 10, 0), &week, &short));
        assert!(!is_open(at_local(2026, 12, 5, 13, 0), &week, &short));
    }

    #[test]
    fn next_change_is_the_next_boundary_or_midnight() {
        let week = weekdays(8 * 60, 18 * 60);
        let monday = |h, m| at_local(2026, 11, 30, h, m);
        assert_eq!(next_change(monday(7, 0), &week, &[]), monday(8, 0));
        assert_eq!(next_change(monday(8, 0), &week, &[]), monday(18, 0));
        assert_eq!(
            next_change(monday(18, 0), &week, &[]),
            at_local(2026, 12, 1, 0, 0)
        );
        // At every minute before the change the answer is the same as at `now`.
        let now = monday(9, 17);
        let change = next_change(now, &week, &[]);
        let mut t = now;
        while t < change {
            assert!(is_open(t, &week, &[]));
            t += chrono::Duration::minutes(1);
        }
        assert!(!is_open(change, &week, &[]));
    }

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_hhmm("08:30"), Some(510));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
        assert_eq!(parse_hhmm("8:30"), None);
        assert_eq!(parse_hhmm("08:60"), None);
        assert_eq!(fmt_hhmm(510), "08:30");
        assert!(valid_interval(0, 1440));
        assert!(!valid_interval(600, 600));
    }

    #[test]
    fn distances_and_phones() {
        // 0.001° of latitude is about 111 m.
        let d = distance_m(35.33, 107.36, 35.331, 107.36);
        assert!((110.0..112.5).contains(&d), "{d}");
        assert!(valid_phone("110"));
        assert!(valid_phone("0933-3312345"));
        assert!(valid_phone("+86 139 9331 2345"));
        assert!(!valid_phone("12"));
        assert!(!valid_phone("call me"));
        assert!(!valid_phone("1+10"));
        assert_eq!(required_text("  法律 ", 4).unwrap(), "法律");
        assert!(required_text(" ", 4).is_err());
        assert!(required_text("一二三四五", 4).is_err());
    }
}
