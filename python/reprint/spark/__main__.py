"""``python -m reprint.spark dedup INPUT... --out DIR [--master URL]``: reprint's dedup
on Spark, writing DIR/clusters.jsonl (the file ``reprint dedup --clusters`` writes).
The master is ``--master``, else the ``spark.master`` that ``spark-submit`` or
``SPARK_MASTER`` set, else ``local[*]``."""

import os
import sys

from .. import _engine
from . import dedup


def main(argv=None):
    args = _engine.cli_parser(
        "spark", "Spark master URL (default: spark-submit's, SPARK_MASTER, or local[*])"
    ).parse_args(argv)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("reprint dedup")
    master = args.master or os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    spark = builder.getOrCreate()
    try:
        os.makedirs(args.out, exist_ok=True)
        result = dedup(
            args.inputs,
            spark=spark,
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
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
