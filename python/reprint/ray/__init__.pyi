"""Type stubs of ``reprint.ray``."""

import os
from typing import Any, Mapping, Optional, Sequence, Union

from .._engine import DRIVER_PAIRS_LIMIT as DRIVER_PAIRS_LIMIT, DedupResult as DedupResult
from .._staged import ScanRun as ScanRun

_Source = Union[str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]], Any]

def dedup(
    source: _Source,
    *,
    partitions: Optional[int] = None,
    part_records: int = 4096,
    id_col: str = "id",
    text_col: str = "text",
    threshold: float = 0.8,
    shingle: int = 5,
    char_ngrams: Optional[int] = None,
    num_perm: int = 128,
    seed: int = 1,
    bands: Optional[int] = None,
    rows: Optional[int] = None,
    keep: str = "first",
    keep_by: Optional[str] = None,
    id_field: Optional[str] = None,
    text_field: str = "text",
    strip_diacritics: bool = False,
    strict: bool = False,
) -> DedupResult: ...
def scan(
    source: _Source,
    *,
    partitions: Optional[int] = None,
    part_records: int = 4096,
    work_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    memory_limit: Optional[int] = None,
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
) -> ScanRun: ...
SCAN_TASK_RETRIES: int
