//! The library's [`reprint::Error`] as the typed exceptions of `reprint.errors`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The name of the `reprint.errors` class for a library error.
fn class_name(err: &reprint::Error) -> &'static str {
    use reprint::Error as E;
    match err {
        E::Io { .. } | E::Stream { .. } => "IoError",
        E::Config(_) | E::FieldNotFound { .. } => "ConfigError",
        E::Strict(_) => "InputError",
        E::InputChanged { .. } => "InputChangedError",
        E::Corrupt { .. } => "CorruptError",
        E::Incompatible { .. } => "IncompatibleError",
        E::StageIncomplete { .. } => "StageIncompleteError",
        E::NotAnIndex { .. } => "NotAnIndexError",
        E::IdConflict { .. } => "IdConflictError",
    }
}

/// Converts a library error into the matching `reprint.errors` exception, carrying the
/// library's message.
pub fn to_py(py: Python<'_>, err: reprint::Error) -> PyErr {
    let message = err.to_string();
    let class = py
        .import("reprint.errors")
        .and_then(|module| module.getattr(class_name(&err)))
        .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => PyErr::from_type(class, message),
        // Only if the package is broken (reprint.errors missing or changed).
        Err(lookup_error) => lookup_error,
    }
}

/// A `ValueError` with `message` (invalid arguments caught before the library runs).
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
