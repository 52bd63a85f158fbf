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

``scan`` runs the scan's stages the same way (:mod:`reprint._scan_kernels`): read
(per path shard or where the DataFrame's batches are), lines repartitioned by key into
boilerplate, n-grams per document, n-gram rows repartitioned by hash into pair
counts, counts repartitioned by pair and summed, both texts joined onto each
candidate pair and aligned; the driver gathers the rows the report needs. Given a
``work_dir`` it runs the staged scan over that folder instead (see
:mod:`reprint._staged`).

``python -m reprint.spark dedup INPUT... --out DIR [--master URL]`` writes
``DIR/clusters.jsonl``, the file ``reprint dedup --clusters`` writes; ``python -m
reprint.spark scan INPUT... --out DIR`` writes ``DIR/scan.json``, the report of
``reprint scan --format json``.
"""

import os
import time

from .. import _engine, _scan_kernels, _settings, _staged
from .._engine import DRIVER_PAIRS_LIMIT, DedupResult
from .._staged import ScanRun

__all__ = ["dedup", "scan", "DedupResult", "ScanRun", "DRIVER_PAIRS_LIMIT"]

SIGN_DDL = (
    "record long, id string, text_bytes long, shingles int, keep_num double, "
    "keep_str string, keys array<long>, set array<int>, hash long, issue string, "
    "message string"
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
    started = time.perf_counter()
    signed = signed.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        max_bucket, threshold = p["max_bucket"], p["threshold"]

        def rows(batches):
            for batch in batches:
                yield _engine.band_rows(batch)

        def pairs(batches):
            yield _engine.band_pairs(list(batches), max_bucket)

        def verify(batches):
            # The scored pairs, and one row of no pair (`a` null) with the number of
            # candidate pairs the task scored.
            candidates = 0
            for batch in batches:
                candidates += batch.num_rows
                yield _engine.scored_rows(_engine.verify_pairs(batch, threshold))
            yield _engine.candidates_row(candidates)

        candidates = (
            signed.mapInArrow(rows, BAND_DDL)
            .repartition(partitions, "band", "key")
            .mapInArrow(pairs, PAIRS_DDL)
            .distinct()
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        sets = signed.where("shingles > 0").select("record", "set")
        set_a = sets.withColumnRenamed("record", "a").withColumnRenamed("set", "set_a")
        set_b = sets.withColumnRenamed("record", "b").withColumnRenamed("set", "set_b")
        verified = (
            candidates.join(set_a, "a")
            .join(set_b, "b")
            .select("a", "b", "set_a", "set_b")
            .mapInArrow(verify, VERIFY_DDL + ", candidates long")
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            edges, candidate_pairs = _engine.split_scored(verified.toArrow())
            named = (
                verified.where("a is not null")
                .select(F.explode(F.array("a", "b")).alias("record"))
                .distinct()
            )
            members = signed.join(named, "record").toArrow()
            tally = _tally(signed)
        finally:
            verified.unpersist()
            candidates.unpersist()
    finally:
        signed.unpersist()
    seconds = {"engine": time.perf_counter() - started}
    return _engine.components(
        edges, members, config, tally, paths, seconds, candidate_pairs=candidate_pairs
    )


def _tally(signed):
    """What the sign rows say of the input: documents, empty ones, unusable records."""
    from pyspark.sql import functions as F

    docs = signed.where("issue is null").agg(
        F.count("*").alias("documents"),
        F.coalesce(F.sum((F.col("shingles") == 0).cast("long")), F.lit(0)).alias("empty"),
    ).collect()[0]
    unusable = signed.where("issue is not null").select("record", "issue", "message").toArrow()
    return _engine.Tally(docs["documents"], docs["empty"], unusable)


def _read(spark, source, config, partitions, part_records):
    """The read stage: document rows and one summary row per task."""
    paths = _engine.as_paths(source)
    if paths is not None:
        cwd = os.getcwd()

        def read(batches):
            for batch in batches:
                for rank in batch.column(0).to_pylist():
                    yield from _scan_kernels.read_paths(
                        paths, cwd, config, part_records, rank, partitions
                    )

        return spark.range(partitions, numPartitions=partitions).mapInArrow(read, _scan_kernels.DOCS_DDL)
    columns = _staged.input_columns(source.columns, config)

    def read_frame(batches):
        from pyspark import TaskContext

        partition = TaskContext.get().partitionId()
        for i, batch in enumerate(batches):
            # Parts in the DataFrame's order: partition, then batch.
            yield from _scan_kernels.read_batch(
                batch, config, (partition << 32) | i, f"partition {partition}, batch {i + 1}"
            )

    return source.select(*columns).mapInArrow(read_frame, _scan_kernels.DOCS_DDL)


def _scan_shuffled(spark, source, config, partitions, part_records):
    """The scan's stages as Spark tasks, the rows between them moved by Spark's
    shuffle; returns the report and the seconds of each stage."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    k = _scan_kernels
    level = StorageLevel.MEMORY_AND_DISK
    seconds = {}
    kept = []
    clock = [time.perf_counter()]

    def lap(stage):
        now = time.perf_counter()
        seconds[stage] = now - clock[0]
        clock[0] = now

    def persist(df):
        kept.append(df.persist(level))
        return kept[-1]

    def each(kernel):
        def run(batches):
            for batch in batches:
                yield kernel(batch, config)

        return run

    def whole(kernel):
        def run(batches):
            yield kernel(list(batches), config)

        return run

    def describe(stage):
        spark.sparkContext.setJobDescription(f"reprint scan: {stage}")

    try:
        describe("read")
        read = persist(_read(spark, source, config, partitions, part_records))
        summaries = [r.summary for r in read.where("part < 0").select("summary").collect()]
        text_bytes = read.where("part >= 0").agg(F.sum("text_bytes")).first()[0]
        shuffle = k.shuffle_partitions(partitions, text_bytes)
        offsets = spark.createDataFrame(k.offsets(summaries, config), "part long, first long")
        docs = (
            read.where("part >= 0")
            .join(F.broadcast(offsets), "part")
            .select((F.col("first") + F.col("pos")).alias("doc"), *k.META_COLUMNS[1:], "text")
        )
        lap("read")

        describe("boilerplate")
        boiler = persist(
            docs.select("doc", "text")
            .mapInArrow(each(k.lines), k.LINES_DDL)
            .repartition(shuffle, "key")
            .mapInArrow(whole(k.boilerplate), k.BOILERPLATE_DDL)
        )
        boiler_rows = boiler.toArrow()
        lap("boilerplate")

        describe("grams")
        mask = F.struct(F.col("line_start").alias("start"), F.col("line_end").alias("end"))
        masks = boiler.groupBy("doc").agg(F.collect_list(mask).alias("masks"))
        # A task's n-gram rows are several times its text: grams in `shuffle` tasks.
        texts = persist(docs.select("doc", "text").join(masks, "doc", "left").repartition(shuffle, "doc"))
        grams = persist(texts.mapInArrow(each(k.grams), k.GRAMS_DDL))
        repeat_rows = grams.where("gram is null").drop("gram").toArrow()
        lap("grams")

        describe("pairs")
        candidates = persist(
            grams.where("gram is not null")
            .select("gram", "doc")
            .repartition(shuffle, "gram")
            .mapInArrow(whole(k.pair_counts), k.COUNTS_DDL)
            .repartition(shuffle, "a", "b")
            .mapInArrow(whole(k.sum_pairs), k.CANDIDATES_DDL)
        )
        candidate_pairs = candidates.count()
        lap("pairs")

        describe("align")

        def side(x):
            return texts.select(
                F.col("doc").alias(x), F.col("text").alias(f"text_{x}"), F.col("masks").alias(f"masks_{x}")
            )

        passage_rows = (
            candidates.select("a", "b")
            .join(side("a"), "a")
            .join(side("b"), "b")
            .select("a", "b", "text_a", "text_b", "masks_a", "masks_b")
            .sortWithinPartitions("a", "b")
            .mapInArrow(each(k.align), k.PASSAGES_DDL)
            .toArrow()
        )
        lap("align")

        describe("report")
        wanted = k.report_docs([boiler_rows], [repeat_rows], [passage_rows])
        wanted = spark.createDataFrame([(d,) for d in wanted], "doc long")
        text_rows = docs.join(F.broadcast(wanted), "doc").select("doc", "text").toArrow()
        meta_rows = docs.select(*k.META_COLUMNS).toArrow()
        text = k.report(
            [meta_rows], [text_rows], [boiler_rows], [repeat_rows], [passage_rows],
            candidate_pairs, summaries, config,
        )
        lap("report")
    finally:
        for df in kept:
            df.unpersist()
    return ScanRun(text, seconds)


def scan(
    source,
    *,
    spark=None,
    partitions=None,
    part_records=_engine.DEFAULT_PART_RECORDS,
    work_dir=None,
    memory_limit=None,
    **settings,
):
    """Reused passages of ``source``, clustered, on Spark: the report ``reprint scan
    --format json`` writes for the same inputs and settings, byte for byte.

    ``source``: a path or a list of paths (read as the CLI reads them; relative
    paths resolve in the driver's working folder, which every executor must see at
    the same path), or a Spark DataFrame whose columns ``id_field`` (default
    ``id``), ``text_field`` (``text``) and, when set, ``date_field`` and
    ``source_field`` are the records, in the DataFrame's order (give it an id
    column: a row without one takes its place in its Arrow batch as id).
    ``partitions``: tasks per stage (default: the context's default parallelism; on
    the shuffle the stages after read take more when the text needs them, see
    :func:`reprint._scan_kernels.shuffle_partitions`). ``part_records``: records per
    read part (paths).

    Without ``work_dir`` the stages run as Spark tasks and Spark's shuffle moves the
    rows between them (lines by key, n-grams by hash, pairs by pair, both texts to
    each candidate pair); the driver gathers every document's metadata, the
    boilerplate, repeats and passages, and the texts the report quotes, so it must
    hold those (about 100 bytes a document besides the quoted texts).

    With ``work_dir`` (a folder the driver and every executor see at the same
    path) the staged scan runs there instead (see :mod:`reprint._staged`): kept, so
    that a rerun resumes; ``memory_limit`` is then the bytes one task may hold. The
    other keyword arguments are :func:`reprint.scan`'s. Returns a
    :class:`reprint._staged.ScanRun`.
    """
    from pyspark.sql import SparkSession

    spark = spark or SparkSession.getActiveSession()
    if spark is None:
        raise ValueError("no active Spark session: pass spark=")
    config = _settings.scan_settings(**settings)
    partitions = int(partitions or spark.sparkContext.defaultParallelism)
    if work_dir is None:
        if memory_limit is not None:
            raise ValueError("memory_limit= applies to a staged scan: pass work_dir= too")
        return _scan_shuffled(spark, source, config, partitions, int(part_records))
    return _scan_staged(spark, source, config, partitions, work_dir, memory_limit)


def _scan_staged(spark, source, config, partitions, work_dir, memory_limit):
    """The staged scan in ``work_dir``, its stages run as Spark tasks."""
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
