"""Type stubs of the scan run the engines return."""

from typing import Any, Dict

class ScanRun:
    text: str
    seconds: Dict[str, float]
    def report(self) -> Dict[str, Any]: ...
    def write(self, path: str) -> None: ...
