//! The volunteering rules as plain functions: schedules, the check-in window, service time
//! and points, skills, codes, ledger references. Unit-tested without a database; the model applies them
//! and lets the database decide races.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;

use crate::error::{ApiError, ApiResult};
use crate::text::Text;

/// Self check-in with the on-site code opens this long before the start (and closes at the end).
const CHECKIN_OPENS_BEFORE_MINUTES: i64 = 30;
/// The longest an activity may last.
const MAX_ACTIVITY_HOURS: i64 = 24;
/// Activities are planned at most this many days ahead.
const MAX_DAYS_AHEAD: i64 = 366;
/// Seats of one activity, at most.
const MAX_CAPACITY: i32 = 10_000;
/// Points per hour of service, at most.
const MAX_POINTS_PER_HOUR: i32 = 1_000;
/// Skills on a profile or required by an activity, at most.
const MAX_SKILLS: usize = 20;
/// A fulfilled micro-wish the resident has not confirmed is confirmed after this many days.
pub const WISH_AUTO_CONFIRM_DAYS: i64 = 7;
/// Points a micro-wish pays its claimer once confirmed.
pub const WISH_POINTS: i32 = 20;
/// Activities the leader has not closed are closed by the background job this long after
/// their end (the leader may still check people out until then).
pub const AUTO_CLOSE_AFTER_END_HOURS: i64 = 2;
/// Largest single staff adjustment of points, either way.
pub const MAX_ADJUSTMENT: i32 = 100_000;
/// Most items in one redemption.
pub const MAX_REDEEM_QUANTITY: i32 = 10;

/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A random code of `len` unambiguous characters (check-in and pickup codes).
pub fn random_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// A typed or scanned code: trimmed, upper-case.
pub fn normalize_code(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

/// When an activity happens and until when people may sign up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub signup_deadline: NaiveDateTime,
}

impl Schedule {
    /// Start before end, at most 24 hours, deadline not after the start.
    pub fn validate(&self) -> ApiResult<()> {
        if self.ends_at <= self.starts_at {
            return Err(ApiError::validation("ends_at", "must be after starts_at"));
        }
        if self.ends_at - self.starts_at > Duration::hours(MAX_ACTIVITY_HOURS) {
            return Err(ApiError::validation(
                "ends_at",
                "an activity lasts at most 24 hours",
            ));
        }
        if self.signup_deadline > self.starts_at {
            return Err(ApiError::validation(
                "signup_deadline",
                "must not be after starts_at",
            ));
        }
        Ok(())
    }

    /// A new start: in the future, at most a year ahead.
    pub fn validate_start(&self, now: NaiveDateTime) -> ApiResult<()> {
        if self.starts_at <= now {
            return Err(ApiError::validation("starts_at", "must be in the future"));
        }
        if self.starts_at > now + Duration::days(MAX_DAYS_AHEAD) {
            return Err(ApiError::validation(
                "starts_at",
                "must be at most a year ahead",
            ));
        }
        Ok(())
    }

    /// The scheduled length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }

    /// Self check-in is open from 30 minutes before the start until the end.
    pub fn checkin_window(&self) -> (NaiveDateTime, NaiveDateTime) {
        (
            self.starts_at - Duration::minutes(CHECKIN_OPENS_BEFORE_MINUTES),
            self.ends_at,
        )
    }

    pub fn checkin_open(&self, now: NaiveDateTime) -> bool {
        let (opens, closes) = self.checkin_window();
        opens <= now && now <= closes
    }

    /// Service time in whole minutes: from check-in to check-out (or the end when the person
    /// never checked out), never more than the scheduled length.
    pub fn service_minutes(
        &self,
        checked_in: NaiveDateTime,
        checked_out: Option<NaiveDateTime>,
    ) -> i32 {
        let until = checked_out.unwrap_or(self.ends_at);
        let attended = (until - checked_in).num_minutes().max(0);
        i32::try_from(attended.min(self.minutes()).max(0)).unwrap_or(0)
    }
}

/// Points for service time: hours × points per hour, rounded down to whole points.
pub fn points_for(minutes: i32, points_per_hour: i32) -> i32 {
    let p = i64::from(minutes.max(0)) * i64::from(points_per_hour.max(0)) / 60;
    i32::try_from(p).unwrap_or(i32::MAX)
}

/// A skill as a client sends it: trimmed, 1 to 32 characters.
pub type Skill = Text<1, 32>;

/// Skills as stored and compared: ASCII lower-cased, without duplicates, at most 20.
pub fn normalize_skills(field: &str, input: &[Skill]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for s in input {
        let norm = s.to_ascii_lowercase();
        if !out.contains(&norm) {
            out.push(norm);
        }
    }
    if out.len() > MAX_SKILLS {
        return Err(ApiError::validation(field, "at most 20 skills"));
    }
    Ok(out)
}

/// The required skills a volunteer lacks, in the activity's order.
pub fn missing_skills(required: &[String], have: &[String]) -> Vec<String> {
    required
        .iter()
        .filter(|r| !have.contains(r))
        .cloned()
        .collect()
}

/// Skills as stored in a TEXT column (a JSON array).
pub fn skills_to_text(skills: &[String]) -> String {
    serde_json::to_string(skills).unwrap_or_else(|_| "[]".to_owned())
}

pub fn skills_from_text(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// When a micro-wish fulfilled at `fulfilled_at` confirms itself.
pub fn wish_auto_confirm_at(fulfilled_at: NaiveDateTime) -> NaiveDateTime {
    fulfilled_at + Duration::days(WISH_AUTO_CONFIRM_DAYS)
}

/// Wishes fulfilled at or before this moment are due to confirm themselves at `now` (the
/// same rule as [`wish_auto_confirm_at`], in the form a query filters on).
pub fn wish_auto_confirm_cutoff(now: NaiveDateTime) -> NaiveDateTime {
    now - Duration::days(WISH_AUTO_CONFIRM_DAYS)
}

/// Capacity and points per hour within bounds.
pub fn validate_numbers(capacity: Option<i32>, points_per_hour: Option<i32>) -> ApiResult<()> {
    if capacity.is_some_and(|c| !(1..=MAX_CAPACITY).contains(&c)) {
        return Err(ApiError::validation(
            "capacity",
            "must be between 1 and 10000",
        ));
    }
    if points_per_hour.is_some_and(|p| !(0..=MAX_POINTS_PER_HOUR).contains(&p)) {
        return Err(ApiError::validation(
            "points_per_hour",
            "must be between 0 and 1000",
        ));
    }
    Ok(())
}

/// Ledger references: the same reference never pays twice.
pub fn activity_reference(activity_id: i64, user_id: i64) -> String {
    format!("activity:{activity_id}:user:{user_id}")
}

pub fn wish_reference(wish_id: i64) -> String {
    format!("wish:{wish_id}")
}

pub fn redemption_reference(redemption_id: i64) -> String {
    format!("redemption:{redemption_id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn two_hours() -> Schedule {
        Schedule {
            starts_at: at(9, 0),
            ends_at: at(11, 0),
            signup_deadline: at(8, 0),
        }
    }

    #[test]
    fn schedules_are_checked() {
        assert!(two_hours().validate().is_ok());
        let mut s = two_hours();
        s.ends_at = at(9, 0);
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("ends_at"));
        let mut s = two_hours();
        s.signup_deadline = at(9, 1);
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("signup_deadline")
        );
        let mut s = two_hours();
        s.ends_at = at(9, 0) + Duration::hours(25);
        assert!(s.validate().is_err());
        let s = two_hours();
        assert!(s.validate_start(at(8, 0)).is_ok());
        assert!(s.validate_start(at(9, 0)).is_err());
        assert!(s.validate_start(at(9, 0) - Duration::days(400)).is_err());
    }

    #[test]
    fn checkin_window_is_half_an_hour_before_to_the_end() {
        let s = two_hours();
        assert!(!s.checkin_open(at(8, 29)));
        assert!(s.checkin_open(at(8, 30)));
        assert!(s.checkin_open(at(11, 0)));
        assert!(!s.checkin_open(at(11, 1)));
    }

    #[test]
    fn service_time_is_capped_at_the_schedule() {
        let s = two_hours();
        // Early arrival, no check-out: capped at 120.
        assert_eq!(s.service_minutes(at(8, 30), None), 120);
        // Late arrival, left early.
        assert_eq!(s.service_minutes(at(9, 15), Some(at(10, 0))), 45);
        // Stayed long after the end.
        assert_eq!(s.service_minutes(at(9, 0), Some(at(13, 0))), 120);
        // A check-out before the check-in never gives negative time.
        assert_eq!(s.service_minutes(at(10, 0), Some(at(9, 0))), 0);
    }

    #[test]
    fn points_round_down() {
        assert_eq!(points_for(120, 10), 20);
        assert_eq!(points_for(45, 10), 7); // 7.5
        assert_eq!(points_for(59, 1), 0);
        assert_eq!(points_for(0, 10), 0);
    }

    fn skills(raw: &[&str]) -> Vec<Skill> {
        raw.iter().map(|s| Skill::parse(s).unwrap()).collect()
    }

    #[test]
    fn skills_normalise_and_match() {
        let s = normalize_skills("skills", &skills(&[" 理发 ", "First-Aid", "first-aid"])).unwrap();
        assert_eq!(s, vec!["理发".to_owned(), "first-aid".to_owned()]);
        let many: Vec<String> = (0..21).map(|i| format!("skill-{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = normalize_skills("skills", &skills(&many)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("skills"));
        assert_eq!(
            missing_skills(&["理发".into(), "电工".into()], &s),
            vec!["电工".to_owned()]
        );
        assert_eq!(skills_from_text(&skills_to_text(&s)), s);
        assert!(skills_from_text("garbage").is_empty());
    }

    #[test]
    fn codes_are_unambiguous() {
        let c = random_code(8);
        assert_eq!(c.len(), 8);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(normalize_code(" ab3k "), "AB3K");
    }

    #[test]
    fn wishes_confirm_themselves_after_seven_days() {
        let fulfilled = at(9, 0);
        assert_eq!(
            wish_auto_confirm_at(fulfilled),
            fulfilled + Duration::days(7)
        );
        for now in [
            fulfilled + Duration::days(6),
            fulfilled + Duration::days(7) - Duration::seconds(1),
            fulfilled + Duration::days(7),
            fulfilled + Duration::days(8),
        ] {
            assert_eq!(
                wish_auto_confirm_at(fulfilled) <= now,
                fulfilled <= wish_auto_confirm_cutoff(now),
                "{now}"
            );
        }
        assert!(fulfilled > wish_auto_confirm_cutoff(fulfilled + Duration::days(6)));
        assert!(fulfilled <= wish_auto_confirm_cutoff(fulfilled + Duration::days(7)));
    }

    #[test]
    fn numbers() {
        assert!(validate_numbers(Some(0), None).is_err());
        assert!(validate_numbers(Some(30), Some(10)).is_ok());
        assert!(validate_numbers(None, Some(-1)).is_err());
    }
}
