"""``python -m reprint.ray dedup INPUT... --out DIR [--address HOST:PORT]``: reprint's
dedup on Ray, writing DIR/clusters.jsonl (the file ``reprint dedup --clusters``
writes). The cluster is ``--address``, else ``RAY_ADDRESS``, else a local one."""

import os
import sys

from .. import _engine
from . import dedup


def main(argv=None):
    args = _engine.cli_parser(
        "ray", "Ray cluster address, HOST:PORT (default: RAY_ADDRESS, else a local cluster)"
    ).parse_args(argv)
    import ray

    ray.init(address=args.address or os.environ.get("RAY_ADDRESS"), log_to_driver=False)
    try:
        return _engine.run_cli(args, dedup)
    finally:
        ray.shutdown()


if __name__ == "__main__":
    sys.exit(main())
