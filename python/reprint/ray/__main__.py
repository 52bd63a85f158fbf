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
        os.makedirs(args.out, exist_ok=True)
        result = dedup(
            args.inputs,
            partitions=args.partitions,
            part_records=args.part_records,
            **_engine.dedup_kwargs(args),
        )
        result.write_clusters(os.path.join(args.out, "clusters.jsonl"))
        print(
            f"{result.table.num_rows} documents in {len(set(result.table.column('cluster').to_pylist()))} "
            f"clusters, {len(result.removed)} removed; wrote {os.path.join(args.out, 'clusters.jsonl')}",
            file=sys.stderr,
        )
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
