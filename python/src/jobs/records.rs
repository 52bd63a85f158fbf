//! Python records (dicts, or `str` texts) as the in-memory JSON Lines source the
//! library's one ingest path reads: no temporary file and no `json.dumps` per record.
//!
//! Each record becomes one line of the bytes `json.dumps(record, ensure_ascii=False)`
//! would give (the same keys in the same order, the same numbers; strings escaped by
//! serde_json, which decodes to the same text), so that the core parses, numbers, counts
//! and reports records exactly as it does a JSON Lines file of them: the record at
//! position `p` is line `p + 1` (its id when it has none, and its place in messages,
//! `<records>:LINE: ...`). A value JSON cannot hold raises a `TypeError` naming the
//! record's position, as `json.dumps` would refuse it.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use reprint::input::{Source, SourceKind, Sources};

/// How the in-memory source of Python records is named in messages (`<records>:3:
/// missing text field`, the third record), as `<stdin>` names standard input.
pub const RECORDS_DISPLAY: &str = "<records>";

/// Containers nested deeper than this are taken for a circular reference (which
/// `json.dumps` refuses too); a record nested even 129 deep is malformed to the core's
/// JSON parser anyway, as it is in a JSON Lines file.
const MAX_DEPTH: usize = 1000;

/// How the in-memory source of a table (a pyarrow Table, handed over as the bytes of
/// a Parquet file) is named in messages and ids (`<table>:3`, the third row).
pub const TABLE_DISPLAY: &str = "<table>";

/// The sources for `records`: for an iterable of dicts or `str` texts, one in-memory
/// JSON Lines source (a `str` record at position `p` is `{id_key: p, text_field:
/// text}`); for `bytes`, the Parquet file they are (a pyarrow Table written in
/// memory by the package), read row by row as a Parquet file is. Holds the GIL while
/// it walks the records; the caller runs the job without it.
pub fn sources(records: &Bound<'_, PyAny>, id_key: &str, text_field: &str) -> PyResult<Sources> {
    if let Ok(table) = records.cast::<PyBytes>() {
        return Ok(Sources::from_list(vec![Source::in_memory(
            table.as_bytes(),
            TABLE_DISPLAY,
            SourceKind::Parquet,
        )]));
    }
    let bytes = json_lines(records, id_key, text_field)?;
    Ok(Sources::from_list(vec![Source::in_memory(
        bytes,
        RECORDS_DISPLAY,
        SourceKind::JsonLines,
    )]))
}

/// The JSON Lines bytes of `records`, one line per record.
pub fn json_lines(records: &Bound<'_, PyAny>, id_key: &str, text_field: &str) -> PyResult<Vec<u8>> {
    let mut out = Vec::new();
    for (position, record) in records.try_iter()?.enumerate() {
        let record = record?;
        let at = Position(position);
        if let Ok(text) = record.cast::<PyString>() {
            out.push(b'{');
            write_str(&mut out, id_key);
            out.push(b':');
            out.extend_from_slice(position.to_string().as_bytes());
            out.push(b',');
            write_str(&mut out, text_field);
            out.push(b':');
            write_py_str(&mut out, text, at)?;
            out.push(b'}');
        } else if let Ok(dict) = record.cast::<PyDict>() {
            write_dict(&mut out, dict, at, 0)?;
        } else {
            return Err(PyTypeError::new_err(format!(
                "record {position} is a {}: records are dicts or str texts",
                type_name(&record)
            )));
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// The position of the record being written, for messages.
#[derive(Clone, Copy)]
struct Position(usize);

impl Position {
    fn type_error(self, what: String) -> PyErr {
        PyTypeError::new_err(format!("record {}: {what}", self.0))
    }

    fn value_error(self, what: String) -> PyErr {
        PyValueError::new_err(format!("record {}: {what}", self.0))
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// A JSON string, escaped as serde_json escapes it (non-ASCII text kept as UTF-8).
fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing a `&str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A Python `str` as a JSON string: its UTF-8 encoding (made once by Python) escaped
/// straight into `out`, without another copy of the text.
fn write_py_str(out: &mut Vec<u8>, s: &Bound<'_, PyString>, at: Position) -> PyResult<()> {
    let invalid = |e: String| {
        at.value_error(format!(
            "a str is not valid Unicode (a lone surrogate?): {e}"
        ))
    };
    let encoded = s.encode_utf8().map_err(|e| invalid(e.to_string()))?;
    let text = std::str::from_utf8(encoded.as_bytes()).map_err(|e| invalid(e.to_string()))?;
    write_str(out, text);
    Ok(())
}

/// `int.__repr__` of an int (or of a subclass: an `IntEnum` member is its number), as
/// `json.dumps` writes it.
fn int_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(n) = value.extract::<i64>() {
        return Ok(n.to_string());
    }
    let py = value.py();
    py.get_type::<PyInt>()
        .getattr("__repr__")?
        .call1((value,))?
        .extract()
}

/// `float.__repr__` of a finite float, as `json.dumps` writes it; NaN and the
/// infinities are no JSON.
fn float_text(value: &Bound<'_, PyAny>, at: Position) -> PyResult<String> {
    let x: f64 = value.extract()?;
    let text: String = value
        .py()
        .get_type::<PyFloat>()
        .getattr("__repr__")?
        .call1((value,))?
        .extract()?;
    if !x.is_finite() {
        return Err(at.type_error(format!(
            "out of range float values are not JSON compliant: {text}"
        )));
    }
    Ok(text)
}

fn write_dict(
    out: &mut Vec<u8>,
    dict: &Bound<'_, PyDict>,
    at: Position,
    depth: usize,
) -> PyResult<()> {
    out.push(b'{');
    for (i, (key, value)) in dict.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Keys as `json.dumps` turns them into strings.
        if let Ok(s) = key.cast::<PyString>() {
            write_py_str(out, s, at)?;
        } else if key.is_none() {
            write_str(out, "null");
        } else if let Ok(b) = key.cast::<PyBool>() {
            write_str(out, if b.is_true() { "true" } else { "false" });
        } else if key.is_instance_of::<PyInt>() {
            write_str(out, &int_text(&key)?);
        } else if key.is_instance_of::<PyFloat>() {
            write_str(out, &float_text(&key, at)?);
        } else {
            return Err(at.type_error(format!(
                "keys must be str, int, float, bool or None, not {}",
                type_name(&key)
            )));
        }
        out.push(b':');
        write_value(out, &value, at, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}

/// One value, in the order `json.dumps` tries the types.
fn write_value(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    at: Position,
    depth: usize,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(at.value_error(format!(
            "nested more than {MAX_DEPTH} levels deep (a circular reference?)"
        )));
    }
    if let Ok(s) = value.cast::<PyString>() {
        write_py_str(out, s, at)
    } else if value.is_none() {
        out.extend_from_slice(b"null");
        Ok(())
    } else if let Ok(b) = value.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
        Ok(())
    } else if value.is_instance_of::<PyInt>() {
        out.extend_from_slice(int_text(value)?.as_bytes());
        Ok(())
    } else if value.is_instance_of::<PyFloat>() {
        out.extend_from_slice(float_text(value, at)?.as_bytes());
        Ok(())
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        out.push(b'[');
        for (i, item) in value.try_iter()?.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_value(out, &item?, at, depth + 1)?;
        }
        out.push(b']');
        Ok(())
    } else if let Ok(dict) = value.cast::<PyDict>() {
        write_dict(out, dict, at, depth)
    } else {
        Err(at.type_error(format!(
            "Object of type {} is not JSON serializable",
            type_name(value)
        )))
    }
}
