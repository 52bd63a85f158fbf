"""The exceptions reprint raises, one class per kind of the library's ``Error``.

Every exception the Rust core raises is a :class:`ReprintError`. Configuration
errors are also ``ValueError`` and I/O errors also ``OSError``, so code written
against the standard exceptions keeps working.
"""

__all__ = [
    "ReprintError",
    "ConfigError",
    "IoError",
    "CorruptError",
    "IncompatibleError",
    "InputError",
    "InputChangedError",
    "StageIncompleteError",
    "NotAnIndexError",
    "IdConflictError",
]


class ReprintError(Exception):
    """Base class of every error raised by reprint's core."""


class ConfigError(ReprintError, ValueError):
    """An invalid configuration or argument (also a ``ValueError``); also raised when
    the id or text field asked for is in no record."""


class IoError(ReprintError, OSError):
    """A file or stream could not be read or written (also an ``OSError``)."""


class CorruptError(ReprintError):
    """An on-disk index or file is damaged: a checksum or magic number does not
    match, it is truncated, or its structure is impossible (a repair may help)."""


class IncompatibleError(ReprintError):
    """An intact on-disk file this build cannot use: a newer format version, or an
    index built with other engine parameters."""


class InputError(ReprintError, ValueError):
    """A strict run met a bad input record (also a ``ValueError``)."""


class InputChangedError(ReprintError):
    """An input gave different bytes when it was read a second time."""


class StageIncompleteError(ReprintError):
    """A stage of a staged run started before the stage it reads had finished."""


class NotAnIndexError(ReprintError):
    """A path that should be an index is not one (absent, or a folder of other files)."""


class IdConflictError(ReprintError, ValueError):
    """A strict ``Index.add`` met an id already archived with a different text."""
