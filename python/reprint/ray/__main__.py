"""``python -m reprint.ray dedup|scan INPUT... --out DIR [--address HOST:PORT]``: reprint's
dedup or scan on Ray, writing DIR/clusters.jsonl (the file ``reprint dedup --clusters``
writes) or DIR/scan.json (``reprint scan --format json``). The cluster is
``--address``, else ``RAY_ADDRESS``, else a local one."""

import os
import sys

from .. import _engine, _staged
from . import dedup, scan


def main(argv=None):
    args = _engine.cli_parser(
        "ray", "Ray cluster address, HOST:PORT (default: RAY_ADDRESS, else a local cluster)"
    ).parse_args(argv)
    import ray

    ray.init(address=args.address or os.environ.get("RAY_ADDRESS"), log_to_driver=False)
    try:
        if args.command == "scan":
            return _staged.run_cli(args, scan)
        return _engine.run_cli(args, dedup)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    sys.exit(main())
