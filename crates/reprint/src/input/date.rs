//! Publication dates: the accepted formats and their parsing into UTC instants.
//!
//! Dates are compared as instants, never as text: `26-FEB-1987` and `1987-02-26`
//! are the same day, and `3-MAR-1987` comes after both. Accepted, after trimming
//! surrounding white space:
//!
//! - RFC 3339 / ISO 8601 date-times: `1987-02-26T15:01:01Z`, `1987-02-26 15:01:01.79+01:00`,
//!   `1987-02-26T15:01:01` (no zone: UTC), `1987-02-26T15:01` (no seconds);
//! - plain dates `YYYY-MM-DD` (midnight UTC);
//! - RFC 2822: `Thu, 26 Feb 1987 15:01:01 +0000`;
//! - `DD-MON-YYYY HH:MM:SS(.ff)` as in Reuters-21578: `26-FEB-1987 15:01:01.79`
//!   (month names in any case; UTC), and `DD-MON-YYYY`; up to eight letters and spaces
//!   after the seconds are left out, as Reuters-21578 has in 297 of its dates
//!   (`27-MAR-1987 00:02:59.13RM`, `27-MAR-1987 02:17:09.88T C`: desk codes run into the
//!   date);
//! - Unix seconds as a JSON number or a string of digits (`541263661`, `541263661.5`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// Date-time layouts without a zone, taken as UTC.
const NAIVE_DATE_TIMES: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%d-%b-%Y %H:%M:%S%.f",
    "%d-%b-%Y %H:%M",
];

/// Date-time layouts with a numeric zone (`+0100` or `+01:00`).
const ZONED_DATE_TIMES: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"];

/// Date layouts, taken as midnight UTC.
const DATES: &[&str] = &["%Y-%m-%d", "%d-%b-%Y"];

/// Parses a date written in one of the accepted formats (see the module documentation).
pub fn parse_text(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for layout in ZONED_DATE_TIMES {
        if let Ok(t) = DateTime::parse_from_str(s, layout) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for layout in NAIVE_DATE_TIMES {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, layout) {
            return Some(t.and_utc());
        }
    }
    for layout in DATES {
        if let Ok(d) = NaiveDate::parse_from_str(s, layout) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(t) = with_desk_code(s) {
        return Some(t);
    }
    unix_seconds(s)
}

/// `DD-MON-YYYY HH:MM:SS.ff` followed by a short code of letters and spaces.
fn with_desk_code(s: &str) -> Option<DateTime<Utc>> {
    let head = s.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
    let code = &s[head.len()..];
    if code.is_empty() || code.len() > 8 || !head.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(head, "%d-%b-%Y %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// Unix seconds written in decimal, with an optional sign and fraction.
fn unix_seconds(s: &str) -> Option<DateTime<Utc>> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let seconds: f64 = s.parse().ok()?;
    if !seconds.is_finite() {
        return None;
    }
    let whole_seconds = seconds.floor();
    let nanos = ((seconds - whole_seconds) * 1e9).round().min(999_999_999.0) as u32;
    if whole_seconds.abs() > 1e15 {
        return None;
    }
    Utc.timestamp_opt(whole_seconds as i64, nanos).single()
}

/// The text of a date field's JSON value and its instant: `Ok(None)` when the value is
/// null (no date), `Err(text)` when it is present but not an accepted date.
pub fn parse_value(value: &Value) -> Result<Option<(String, DateTime<Utc>)>, String> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(other.to_string()),
    };
    match parse_text(&text) {
        Some(instant) => Ok(Some((text, instant))),
        None => Err(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reuters_dates_with_desk_codes_parse() {
        assert_eq!(
            parse_text("27-MAR-1987 00:02:59.13RM"),
            parse_text("27-MAR-1987 00:02:59.13")
        );
        assert!(parse_text("27-MAR-1987 02:17:09.88T C").is_some());
        assert!(parse_text("27-MAR-1987 08:45:34.42C G T M").is_some());
        assert!(parse_text("27-MAR-1987 02:17:09.88 and more text").is_none());
        assert!(parse_text("27-MAR-1987 RM").is_none());
    }

    #[test]
    fn reuters_dates_parse_as_instants() {
        assert_eq!(
            parse_text(" 26-FEB-1987 15:01:01.79"),
            Some(utc("1987-02-26T15:01:01.790Z"))
        );
        assert_eq!(
            parse_text("3-MAR-1987 09:00:00.00"),
            Some(utc("1987-03-03T09:00:00Z"))
        );
        assert!(parse_text("3-MAR-1987 09:00:00.00") > parse_text("26-FEB-1987 15:01:01.79"));
    }

    #[test]
    fn iso_rfc2822_plain_and_unix_dates_parse() {
        let t = utc("2022-01-05T10:00:00Z");
        assert_eq!(parse_text("2022-01-05T10:00:00Z"), Some(t));
        assert_eq!(parse_text("2022-01-05T11:00:00+01:00"), Some(t));
        assert_eq!(parse_text("2022-01-05 11:00:00+0100"), Some(t));
        assert_eq!(parse_text("2022-01-05T10:00:00"), Some(t));
        assert_eq!(parse_text("2022-01-05 10:00"), Some(t));
        assert_eq!(parse_text("Wed, 05 Jan 2022 10:00:00 +0000"), Some(t));
        assert_eq!(parse_text("2022-01-05"), Some(utc("2022-01-05T00:00:00Z")));
        assert_eq!(parse_text("1641376800"), Some(t));
        assert_eq!(
            parse_value(&serde_json::json!(1641376800)).unwrap(),
            Some(("1641376800".to_string(), t))
        );
    }

    #[test]
    fn unparseable_dates_are_errors_not_text() {
        assert_eq!(parse_text("next Tuesday"), None);
        assert_eq!(parse_text("2022-13-45"), None);
        assert_eq!(parse_text(""), None);
        assert_eq!(
            parse_value(&serde_json::json!("soon")),
            Err("soon".to_string())
        );
        assert_eq!(parse_value(&serde_json::json!(null)), Ok(None));
        assert!(parse_value(&serde_json::json!([1])).is_err());
    }
}
