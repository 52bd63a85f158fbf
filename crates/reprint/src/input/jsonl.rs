//! Turning one JSON Lines record into a [`Document`].

use crate::document::{DocDate, Document, Origin, SortKey};
use crate::error::IssueKind;
use crate::input::InputConfig;
use serde_json::Value;

/// Parses one JSON Lines record. `fallback_id` is used when the id field is absent or null.
pub fn parse_record(
    bytes: &[u8],
    origin: Origin,
    fallback_id: impl FnOnce() -> String,
    config: &InputConfig,
) -> Result<Document, IssueKind> {
    let text = std::str::from_utf8(bytes).map_err(|_| IssueKind::InvalidUtf8)?;
    parse_record_str(text, origin, fallback_id, config)
}

/// [`parse_record`] of a record already known to be text (decoded by the reader), so
/// that its bytes are not checked for UTF-8 a second time.
pub fn parse_record_str(
    text: &str,
    origin: Origin,
    fallback_id: impl FnOnce() -> String,
    config: &InputConfig,
) -> Result<Document, IssueKind> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // The record is one line, so serde's "line 1" says nothing: keep the column.
            let message = e.to_string();
            let message = match message.rfind(" at line ") {
                Some(cut) => format!("{} (column {})", &message[..cut], e.column()),
                None => message,
            };
            return Err(IssueKind::MalformedJson(message));
        }
    };
    let Value::Object(mut object) = value else {
        return Err(IssueKind::NotAnObject);
    };
    let text = match object.remove(&config.text_field) {
        Some(Value::String(s)) => s,
        _ => return Err(IssueKind::MissingText(config.text_field.clone())),
    };
    let id_field = config.id_field();
    let (id, id_from_field) = match object.get(id_field) {
        None | Some(Value::Null) => (fallback_id(), false),
        Some(Value::String(s)) => (s.clone(), true),
        Some(Value::Number(n)) => (n.to_string(), true),
        Some(_) => return Err(IssueKind::BadId(id_field.to_string())),
    };
    let keep_key = config
        .keep_by_field
        .as_ref()
        .and_then(|f| object.get(f))
        .and_then(SortKey::from_json);
    let (mut date, mut bad_date) = (None, None);
    if let Some(value) = config.date_field.as_ref().and_then(|f| object.get(f)) {
        match crate::input::date::parse_value(value) {
            Ok(parsed) => date = parsed.map(|(text, instant)| DocDate { text, instant }),
            Err(text) => bad_date = Some(text),
        }
    }
    let outlet = config
        .source_field
        .as_ref()
        .and_then(|f| object.get(f))
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok(Document {
        keep_key,
        date,
        bad_date,
        outlet,
        id_from_field,
        ..Document::new(id, text, origin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> InputConfig {
        InputConfig {
            keep_by_field: Some("date".into()),
            date_field: Some("date".into()),
            ..InputConfig::default()
        }
    }

    fn origin() -> Origin {
        Origin { source: 0, line: 7 }
    }

    #[test]
    fn string_and_number_ids() {
        let d = parse_record(
            br#"{"id":"a1","text":"x"}"#,
            origin(),
            || "7".into(),
            &cfg(),
        )
        .unwrap();
        assert_eq!(d.id, "a1");
        let d = parse_record(br#"{"id":42,"text":"x"}"#, origin(), || "7".into(), &cfg()).unwrap();
        assert_eq!(d.id, "42");
    }

    #[test]
    fn missing_id_falls_back() {
        let d = parse_record(br#"{"text":"x"}"#, origin(), || "7".into(), &cfg()).unwrap();
        assert_eq!(d.id, "7");
        assert!(!d.id_from_field);
    }

    #[test]
    fn unparseable_date_is_kept_aside_never_compared_as_text() {
        let d = parse_record(
            br#"{"text":"x","date":"the day after"}"#,
            origin(),
            || "7".into(),
            &cfg(),
        )
        .unwrap();
        assert!(d.date.is_none());
        assert_eq!(d.bad_date.as_deref(), Some("the day after"));
    }

    #[test]
    fn outlet_is_the_source_field_string_trimmed_and_only_a_string() {
        let config = InputConfig {
            source_field: Some("outlet".into()),
            ..InputConfig::default()
        };
        let outlet = |record: &[u8]| {
            parse_record(record, origin(), || "7".into(), &config)
                .unwrap()
                .outlet
        };
        assert_eq!(
            outlet(br#"{"text":"x","outlet":" Wire "}"#).as_deref(),
            Some("Wire")
        );
        assert_eq!(outlet(br#"{"text":"x","outlet":"  "}"#), None);
        assert_eq!(outlet(br#"{"text":"x","outlet":7}"#), None);
        assert_eq!(outlet(br#"{"text":"x"}"#), None);
    }

    #[test]
    fn bad_records_are_issues() {
        let f = || "7".to_string();
        assert!(matches!(
            parse_record(b"{not json", origin(), f, &cfg()),
            Err(IssueKind::MalformedJson(_))
        ));
        assert_eq!(
            parse_record(b"[1,2]", origin(), f, &cfg()).unwrap_err(),
            IssueKind::NotAnObject
        );
        assert_eq!(
            parse_record(br#"{"id":1}"#, origin(), f, &cfg()).unwrap_err(),
            IssueKind::MissingText("text".into())
        );
        assert_eq!(
            parse_record(br#"{"id":[1],"text":"a"}"#, origin(), f, &cfg()).unwrap_err(),
            IssueKind::BadId("id".into())
        );
        assert_eq!(
            parse_record(b"{\"text\":\"\xff\"}", origin(), f, &cfg()).unwrap_err(),
            IssueKind::InvalidUtf8
        );
    }

    #[test]
    fn metadata_fields() {
        let d = parse_record(
            br#"{"id":"a","text":"x","date":"2022-01-05"}"#,
            origin(),
            || "7".into(),
            &cfg(),
        )
        .unwrap();
        assert_eq!(d.date.as_ref().unwrap().text, "2022-01-05");
        assert_eq!(
            d.date.unwrap().instant.to_rfc3339(),
            "2022-01-05T00:00:00+00:00"
        );
        assert_eq!(d.keep_key, Some(SortKey::Str("2022-01-05".into())));
    }
}
