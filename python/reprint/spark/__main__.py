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
        return _engine.run_cli(args, dedup, spark=spark)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
