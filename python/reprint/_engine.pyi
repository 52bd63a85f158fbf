"""Type stubs of the dedup result the engines return."""

from typing import Any, Dict, List

DRIVER_PAIRS_LIMIT: int
DEFAULT_PART_RECORDS: int

class DedupResult:
    table: Any  # pyarrow.Table
    verified_pairs: int
    @property
    def removed(self) -> Any: ...  # pyarrow.ChunkedArray of record numbers
    def clusters_jsonl(self) -> str: ...
    def clusters(self) -> List[Dict[str, Any]]: ...
    def write_clusters(self, path: str) -> None: ...
