"""reprint: near-duplicate documents and reused passages in text collections.

The Rust engine of the ``reprint`` command-line tool, for Python:

- :class:`MinHash` and :class:`MinHashLSH`, drop-ins for datasketch's classes;
- :func:`dedup`, :func:`scan` and :func:`align`, the CLI's jobs, returning the
  structures its JSON reports hold;
- :class:`Index`, the on-disk archive of ``reprint index add`` and ``reprint check``;
- the exception classes of :mod:`reprint.errors`, all derived from :class:`ReprintError`.
"""

from . import errors
from ._jobs import Index, align, dedup, scan
from ._minhash import MinHash, MinHashLSH, MinHashLSHInsertionSession
from ._reprint import __version__
from .errors import (
    ConfigError,
    CorruptError,
    IdConflictError,
    IncompatibleError,
    InputChangedError,
    InputError,
    IoError,
    NotAnIndexError,
    ReprintError,
    StageIncompleteError,
)

__all__ = [
    "dedup",
    "scan",
    "align",
    "Index",
    "MinHash",
    "MinHashLSH",
    "MinHashLSHInsertionSession",
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
    "errors",
    "__version__",
]
