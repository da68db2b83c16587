//! Directory rules as plain functions: opening hours ("open now" in local time, with dated
//! exceptions), distances, and the shape of what staff may enter (the lists of a service
//! among them).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};

use super::dto::{ContactView, ExceptionView, PhoneView, WeeklyHoursView};
use crate::error::{ApiError, ApiResult};

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
            if !valid_phone(p.number.trim()) {
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
            let name = required_text(&c.name, 64)
                .map_err(|r| ApiError::validation(format!("contacts[{i}].name"), r))?;
            if c.title.chars().count() > 64 {
                return Err(ApiError::validation(
                    format!("contacts[{i}].title"),
                    "must be at most 64 characters",
                ));
            }
            if let Some(p) = &c.phone {
                if !valid_phone(p.trim()) {
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
            let opens = parse_hhmm(&h.opens_at).ok_or_else(|| {
                ApiError::validation(format!("schedule[{i}].opens_at"), "must be HH:MM")
            })?;
            let closes = parse_hhmm(&h.closes_at).ok_or_else(|| {
                ApiError::validation(format!("schedule[{i}].closes_at"), "must be HH:MM")
            })?;
            if !valid_interval(opens, closes) {
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
                    let o = e.opens_at.as_deref().and_then(parse_hhmm);
                    let c = e.closes_at.as_deref().and_then(parse_hhmm);
                    match (o, c) {
                        (Some(o), Some(c)) if valid_interval(o, c) => (Some(o), Some(c)),
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

    fn phone(number: &str) -> PhoneView {
        PhoneView {
            number: number.into(),
            description: String::new(),
        }
    }

    fn hours(weekday: i32, opens_at: &str, closes_at: &str) -> WeeklyHoursView {
        WeeklyHoursView {
            weekday,
            opens_at: opens_at.into(),
            closes_at: closes_at.into(),
        }
    }

    fn exception(date: &str, closed: bool, opens_at: Option<&str>) -> ExceptionView {
        ExceptionView {
            date: date.into(),
            closed,
            opens_at: opens_at.map(Into::into),
            closes_at: opens_at.map(|_| "12:00".into()),
            note: " 元旦 ".into(),
        }
    }

    fn field_of<T: std::fmt::Debug>(r: ApiResult<T>) -> String {
        r.unwrap_err().field.clone().unwrap_or_default()
    }

    #[test]
    fn lists_not_sent_stay_unchanged_and_sent_ones_come_back_trimmed() {
        let none = validate_lists(None, None, None, None).unwrap();
        assert!(none.phones.is_none() && none.contacts.is_none());
        assert!(none.weekly.is_none() && none.exceptions.is_none());
        let contact = ContactView {
            name: " 李主任 ".into(),
            title: " 主任 ".into(),
            phone: Some(" 0933-3312001 ".into()),
        };
        let lists = validate_lists(
            Some(&[phone(" 110 ")]),
            Some(&[contact]),
            Some(&[hours(1, "08:00", "12:00"), hours(1, "14:00", "24:00")]),
            Some(&[exception("2027-01-01", true, None)]),
        )
        .unwrap();
        assert_eq!(lists.phones.unwrap()[0].number, "110");
        let c = &lists.contacts.unwrap()[0];
        assert_eq!((c.name.as_str(), c.title.as_str()), ("李主任", "主任"));
        assert_eq!(c.phone.as_deref(), Some("0933-3312001"));
        let weekly = lists.weekly.unwrap();
        assert_eq!(
            weekly[1],
            WeeklyHours {
                weekday: 1,
                opens: 840,
                closes: 1440
            }
        );
        let ex = &lists.exceptions.unwrap()[0];
        assert!(ex.closed && ex.opens.is_none() && ex.note == "元旦");
        // An empty list is sent, so it replaces what was there.
        let emptied = validate_lists(Some(&[]), None, None, None).unwrap().phones;
        assert!(emptied.is_some_and(|p| p.is_empty()));
    }

    #[test]
    fn list_errors_name_the_item_and_field() {
        let phones: Vec<PhoneView> = (0..11).map(|_| phone("110")).collect();
        assert_eq!(
            field_of(validate_lists(Some(&phones), None, None, None)),
            "phones"
        );
        assert_eq!(
            field_of(validate_lists(
                Some(&[phone("110"), phone("call")]),
                None,
                None,
                None
            )),
            "phones[1].number"
        );
        let nameless = ContactView {
            name: " ".into(),
            title: String::new(),
            phone: None,
        };
        assert_eq!(
            field_of(validate_lists(None, Some(&[nameless]), None, None)),
            "contacts[0].name"
        );
        for (h, field) in [
            (hours(8, "08:00", "12:00"), "schedule[0].weekday"),
            (hours(1, "8:00", "12:00"), "schedule[0].opens_at"),
            (hours(1, "08:00", "25:00"), "schedule[0].closes_at"),
            (hours(1, "12:00", "08:00"), "schedule[0].closes_at"),
        ] {
            assert_eq!(
                field_of(validate_lists(None, None, Some(&[h]), None)),
                field
            );
        }
        let twice = [
            exception("2027-01-01", true, None),
            exception("2027-01-01", true, None),
        ];
        assert_eq!(
            field_of(validate_lists(None, None, None, Some(&twice))),
            "exceptions[1].date"
        );
        assert_eq!(
            field_of(validate_lists(
                None,
                None,
                None,
                Some(&[exception("2027-13-01", true, None)])
            )),
            "exceptions[0].date"
        );
        // Open on the day, but without valid hours.
        assert_eq!(
            field_of(validate_lists(
                None,
                None,
                None,
                Some(&[exception("2027-01-01", false, None)])
            )),
            "exceptions[0].opens_at"
        );
        assert_eq!(
            field_of(validate_lists(
                None,
                None,
                None,
                Some(&[exception("2027-01-01", false, Some("13:00"))])
            )),
            "exceptions[0].opens_at"
        );
        let ok = validate_lists(
            None,
            None,
            None,
            Some(&[exception("2027-01-01", false, Some("09:00"))]),
        );
        assert_eq!(ok.unwrap().exceptions.unwrap()[0].opens, Some(540));
    }
}
