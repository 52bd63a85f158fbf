"""``python -m reprint.spark dedup|scan INPUT... --out DIR [--master URL]``: reprint's
dedup or scan on Spark, writing DIR/clusters.jsonl (the file ``reprint dedup
--clusters`` writes) or DIR/scan.json (``reprint scan --format json``).
The master is ``--master``, else the ``spark.master`` that ``spark-submit`` or
``SPARK_MASTER`` set, else ``local[*]``."""

import os
import sys

from .. import _engine, _staged
from . import dedup, scan


def main(argv=None):
    args = _engine.cli_parser(
        "spark", "Spark master URL (default: spark-submit's, SPARK_MASTER, or local[*])"
    ).parse_args(argv)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(f"reprint {args.command}")
    master = args.master or os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    spark = builder.getOrCreate()
    try:
        if args.command == "scan":
            return _staged.run_cli(args, scan, spark=spark)
        return _engine.run_cli(args, dedup, spark=spark)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
