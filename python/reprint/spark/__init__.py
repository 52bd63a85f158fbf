"""reprint's dedup on Apache Spark: the stages run as Arrow kernels inside Spark
tasks (``mapInArrow``), the rows between them moved by Spark's own shuffle.

- sign: for path inputs, one task per sign shard reads the inputs through the
  library's ingest (ids, record numbers and bad records exactly as ``reprint dedup``
  has them) and signs its parts; for a DataFrame, each batch of ``id``/``text`` rows
  is signed where it is, its record number its place in the DataFrame's order
  (``monotonically_increasing_id``);
- band: the ``(band, key, record)`` rows repartitioned by ``(band, key)``, each
  partition's buckets paired by the kernel;
- verify: the distinct candidate pairs joined with both documents' shingle sets,
  scored by the kernel;
- components: the verified pairs and the documents they name gathered on the driver
  (at most :data:`reprint._engine.DRIVER_PAIRS_LIMIT` pairs) and linked there.

``scan`` runs the staged scan's stages (docs/STAGES.md) as Spark tasks, one per
shard, over a work folder every executor sees (see :mod:`reprint._staged`); a task
Spark retries after a lost executor makes only the parts still missing.

``python -m reprint.spark dedup INPUT... --out DIR [--master URL]`` writes
``DIR/clusters.jsonl``, the file ``reprint dedup --clusters`` writes; ``python -m
reprint.spark scan INPUT... --out DIR`` writes ``DIR/scan.json``, the report of
``reprint scan --format json``.
"""

import os

from .. import _engine, _settings, _staged
from .._engine import DRIVER_PAIRS_LIMIT, DedupResult
from .._staged import ScanRun

__all__ = ["dedup", "scan", "DedupResult", "ScanRun", "DRIVER_PAIRS_LIMIT"]

SIGN_DDL = (
    "record long, id string, text_bytes long, shingles int, keep_num double, "
    "keep_str string, keys array<long>, set array<int>"
)
BAND_DDL = "band int, key long, record long"
PAIRS_DDL = "a long, b long"
VERIFY_DDL = (
    "a long, b long, jaccard double, containment_a_in_b double, "
    "containment_b_in_a double, shared_shingles long"
)


def _signed_paths(spark, paths, config, partitions, part_records):
    cwd = os.getcwd()

    def sign(batches):
        for batch in batches:
            for rank in batch.column(0).to_pylist():
                yield from _engine.sign_shard(paths, cwd, config, part_records, rank, partitions)

    return spark.range(partitions, numPartitions=partitions).mapInArrow(sign, SIGN_DDL)


def _signed_frame(df, config, id_col, text_col, keep_by):
    from pyspark.sql import functions as F

    columns = [
        F.monotonically_increasing_id().alias("record"),
        F.col(id_col).cast("string").alias("id"),
        F.col(text_col).cast("string").alias("text"),
    ]
    if keep_by is not None:
        kind = dict(df.dtypes)[keep_by]
        if kind in ("string",):
            columns.append(F.col(keep_by).alias("keep_str"))
        else:
            columns.append(F.col(keep_by).cast("double").alias("keep_num"))

    def sign(batches):
        for batch in batches:
            yield _engine.sign_records(batch, config)

    return df.select(*columns).mapInArrow(sign, SIGN_DDL)


def dedup(
    source,
    *,
    spark=None,
    partitions=None,
    part_records=_engine.DEFAULT_PART_RECORDS,
    id_col="id",
    text_col="text",
    **settings,
):
    """Near-duplicate clusters of ``source`` on Spark, identical to ``reprint dedup``'s.

    ``source``: a path or a list of paths (files and folders read as the CLI reads
    them; relative paths resolve in the driver's working folder, which every
    executor must see at the same path), or a Spark DataFrame with ``id_col`` and
    ``text_col`` (a null id or text is an unusable record). ``spark``: the session
    (default: the active one). ``partitions``: tasks per stage (default: the
    context's default parallelism). The other keyword arguments are
    :func:`reprint.dedup`'s (``threshold``, ``shingle``, ``num_perm``, ``keep``,
    ``keep_by`` …). Returns a :class:`reprint._engine.DedupResult`.
    """
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = spark or SparkSession.getActiveSession()
    if spark is None:
        raise ValueError("no active Spark session: pass spark=")
    config = _settings.dedup_settings(**settings)
    p = _engine.params(config)
    partitions = int(partitions or spark.sparkContext.defaultParallelism)
    paths = _engine.as_paths(source)
    if paths is not None:
        signed = _signed_paths(spark, paths, config, partitions, int(part_records))
    else:
        signed = _signed_frame(source, config, id_col, text_col, settings.get("keep_by"))
    signed = signed.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        max_bucket, threshold = p["max_bucket"], p["threshold"]

        def rows(batches):
            for batch in batches:
                yield _engine.band_rows(batch)

        def pairs(batches):
            yield _engine.band_pairs(list(batches), max_bucket)

        def verify(batches):
            for batch in batches:
                yield _engine.verify_pairs(batch, threshold)

        candidates = (
            signed.mapInArrow(rows, BAND_DDL)
            .repartition(partitions, "band", "key")
            .mapInArrow(pairs, PAIRS_DDL)
            .distinct()
        )
        sets = signed.where("shingles > 0").select("record", "set")
        set_a = sets.withColumnRenamed("record", "a").withColumnRenamed("set", "set_a")
        set_b = sets.withColumnRenamed("record", "b").withColumnRenamed("set", "set_b")
        verified = (
            candidates.join(set_a, "a")
            .join(set_b, "b")
            .select("a", "b", "set_a", "set_b")
            .mapInArrow(verify, VERIFY_DDL)
            .select("a", "b")
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            edges = verified.toArrow()
            named = verified.select(F.explode(F.array("a", "b")).alias("record")).distinct()
            members = signed.join(named, "record").toArrow()
        finally:
            verified.unpersist()
    finally:
        signed.unpersist()
    return _engine.components(edges, members, config)


def scan(source, *, spark=None, partitions=None, work_dir=None, memory_limit=None, **settings):
    """Reused passages of ``source``, clustered, on Spark: the report ``reprint scan
    --format json`` writes for the same inputs and settings, byte for byte.

    ``source``: a path or a list of paths (read as the CLI reads them; relative
    paths resolve in the driver's working folder), or a Spark DataFrame whose
    columns ``id_field`` (default ``id``), ``text_field`` (``text``) and, when set,
    ``date_field`` and ``source_field`` are the records (written once as Parquet
    into the work folder by Spark, then read as the CLI reads Parquet).
    ``partitions``: tasks per stage (default: the context's default parallelism).
    ``work_dir``: the work folder, which the driver and every executor must see at
    the same path (kept, so that a rerun resumes; default: a temporary folder in the
    driver's working folder, removed after). ``memory_limit``: bytes one task may
    hold (default: half the driver machine's memory). The other keyword arguments
    are :func:`reprint.scan`'s. Returns a :class:`reprint._staged.ScanRun`.
    """
    from pyspark.sql import SparkSession

    spark = spark or SparkSession.getActiveSession()
    if spark is None:
        raise ValueError("no active Spark session: pass spark=")
    config = _settings.scan_settings(**settings)
    partitions = int(partitions or spark.sparkContext.defaultParallelism)
    paths = _engine.as_paths(source)
    if paths is None:
        columns = _staged.input_columns(source.columns, config)

        def paths(folder):
            source.select(*columns).write.parquet(folder)

    def run_tasks(stage, world, task):
        def run(batches):
            import pyarrow as pa

            for batch in batches:
                for rank in batch.column(0).to_pylist():
                    made, skipped = task(rank)
                    yield pa.record_batch(
                        {"rank": [rank], "made": [made], "skipped": [skipped]}
                    )

        spark.sparkContext.setJobDescription(f"reprint scan: {stage}")
        spark.range(world, numPartitions=world).mapInArrow(
            run, "rank long, made long, skipped long"
        ).collect()

    return _staged.run(
        paths,
        run_tasks=run_tasks,
        settings=config,
        partitions=partitions,
        work_dir=work_dir,
        memory_limit=memory_limit,
    )
