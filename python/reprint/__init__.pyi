"""Type stubs of the public API of the ``reprint`` package."""

import os
from types import TracebackType
from typing import Any, Callable, Dict, Hashable, Iterable, List, Literal, Mapping, Optional, Tuple, Type, Union

from . import errors as errors
from .errors import (
    ConfigError as ConfigError,
    CorruptError as CorruptError,
    IdConflictError as IdConflictError,
    IncompatibleError as IncompatibleError,
    InputChangedError as InputChangedError,
    InputError as InputError,
    IoError as IoError,
    NotAnIndexError as NotAnIndexError,
    ReprintError as ReprintError,
    StageIncompleteError as StageIncompleteError,
)

__version__: str

_Path = Union[str, "os.PathLike[str]"]
# Records: dicts or str texts, a pyarrow Table, or paths of files/folders the CLI reads.
Records = Union[Iterable[Union[Mapping[str, Any], str]], "os.PathLike[str]", Iterable["os.PathLike[str]"], Any]

class MinHash:
    def __init__(self, num_perm: int = 128, seed: int = 1, hashfunc: Optional[Callable[[Any], int]] = None) -> None: ...
    @property
    def num_perm(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def hashfunc(self) -> Optional[Callable[[Any], int]]: ...
    @property
    def hashvalues(self) -> Any: ...
    def update(self, b: Any) -> None: ...
    def update_batch(self, b: Iterable[Any]) -> None: ...
    def jaccard(self, other: MinHash) -> float: ...
    def merge(self, other: MinHash) -> None: ...
    def count(self) -> float: ...
    def is_empty(self) -> bool: ...
    def digest(self) -> Any: ...
    def copy(self) -> MinHash: ...
    def __len__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...

class MinHashLSHInsertionSession:
    lsh: MinHashLSH
    buffer_size: int
    def __init__(self, lsh: MinHashLSH, buffer_size: int = 50000) -> None: ...
    def insert(self, key: Hashable, minhash: MinHash, check_duplication: bool = True) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> MinHashLSHInsertionSession: ...
    def __exit__(self, exc_type: Optional[Type[BaseException]], exc_val: Optional[BaseException], exc_tb: Optional[TracebackType]) -> None: ...

class MinHashLSH:
    b: int
    r: int
    h: int
    threshold: float
    def __init__(
        self,
        threshold: float = 0.9,
        num_perm: int = 128,
        weights: Tuple[float, float] = (0.5, 0.5),
        params: Optional[Tuple[int, int]] = None,
    ) -> None: ...
    def insert(self, key: Hashable, minhash: MinHash, check_duplication: bool = True) -> None: ...
    def query(self, minhash: MinHash) -> List[Any]: ...
    def remove(self, key: Hashable) -> None: ...
    def is_empty(self) -> bool: ...
    def keys(self) -> List[Any]: ...
    def insertion_session(self, buffer_size: int = 50000) -> MinHashLSHInsertionSession: ...
    def __contains__(self, key: object) -> bool: ...
    def __len__(self) -> int: ...

def dedup(
    records: Records,
    *,
    threshold: float = 0.8,
    shingle: int = 5,
    char_ngrams: Optional[int] = None,
    num_perm: int = 128,
    seed: int = 1,
    bands: Optional[int] = None,
    rows: Optional[int] = None,
    keep: Literal["first", "longest"] = "first",
    keep_by: Optional[str] = None,
    id_field: Optional[str] = None,
    text_field: str = "text",
    strip_diacritics: bool = False,
    strict: bool = False,
    output: Literal["clusters", "pairs"] = "clusters",
) -> List[Dict[str, Any]]: ...
def scan(
    records: Records,
    *,
    min_words: Optional[int] = None,
    ngram: Optional[int] = None,
    min_shared: Optional[int] = None,
    max_df: Optional[int] = None,
    date_field: Optional[str] = None,
    source_field: Optional[str] = None,
    boilerplate_min_docs: Optional[int] = None,
    strip_diacritics: bool = False,
    align_config: Optional[Mapping[str, Any]] = None,
    id_field: Optional[str] = None,
    text_field: str = "text",
    strict: bool = False,
) -> Dict[str, Any]: ...
def align(
    a: str,
    b: str,
    *,
    min_words: Optional[int] = None,
    align_config: Optional[Mapping[str, Any]] = None,
    offsets: Literal["chars", "bytes"] = "chars",
) -> List[Dict[str, Any]]: ...

class Index:
    path: str
    def __init__(
        self,
        path: _Path,
        *,
        min_words: Optional[int] = None,
        max_candidates: Optional[int] = None,
        include_self: bool = False,
    ) -> None: ...
    def add(
        self,
        records: Records,
        *,
        replace: bool = False,
        strict: bool = False,
        shingle: Optional[int] = None,
        max_df: Optional[int] = None,
        strip_diacritics: bool = False,
        id_field: Optional[str] = None,
        text_field: str = "text",
        merge: bool = True,
    ) -> Dict[str, Any]: ...
    def check(self, text: str, id: Optional[str] = None) -> Dict[str, Any]: ...
    def check_records(
        self, records: Records, *, id_field: Optional[str] = None, text_field: str = "text", strict: bool = False
    ) -> List[Dict[str, Any]]: ...
    @property
    def params(self) -> Dict[str, Any]: ...
