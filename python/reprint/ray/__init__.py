"""reprint's dedup on Ray: the stages run as Arrow kernels inside Ray Data tasks
(``map_batches`` / ``map_groups`` with ``batch_format="pyarrow"``), the rows between
them moved by Ray Data's own shuffle (``groupby``).

- sign: for path inputs, one task per sign shard reads the inputs through the
  library's ingest (ids, record numbers and bad records exactly as ``reprint dedup``
  has them) and signs its parts; for a Dataset, each block of ``id``/``text`` rows
  is signed where it is, its record number its place in the Dataset's order;
- band: the ``(band, key, record)`` rows grouped by a bucket shard (a hash of
  ``(band, key)`` modulo ``partitions``), so that each group holds whole buckets,
  which the kernel pairs;
- verify: two hash-partitioned pairings instead of joins: the candidate pairs and
  the documents' shingle sets grouped together by a shard of ``a`` (each group
  gives its pairs their ``set_a``, once per distinct pair), then by a shard of
  ``b`` (each group gives its pairs ``set_b`` and scores them with the kernel).
  A group holds every row of its shard, so no pair misses its set, and a shard
  with no pairs simply yields nothing;
- components: the verified pairs and the documents they name gathered on the driver
  (at most :data:`reprint._engine.DRIVER_PAIRS_LIMIT` pairs) and linked there.

``scan`` runs the scan kernels (:mod:`reprint._scan_kernels`) in Ray Data tasks in
the same way, the rows between them grouped by a shard of their key (lines by key,
n-grams by hash, pairs by pair; each candidate pair takes its two texts in two
pairings like verify's); given a ``work_dir`` it runs the staged scan's stages
(docs/STAGES.md) as Ray tasks, one per shard, over that folder instead (see
:mod:`reprint._staged`), where a task Ray retries after its worker died makes only
the parts still missing.

``python -m reprint.ray dedup INPUT... --out DIR [--address HOST:PORT]`` writes
``DIR/clusters.jsonl``, the file ``reprint dedup --clusters`` writes; ``python -m
reprint.ray scan INPUT... --out DIR`` writes ``DIR/scan.json``, the report of
``reprint scan --format json``.
"""

import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import _engine, _scan_kernels, _settings, _staged
from .._engine import DRIVER_PAIRS_LIMIT, DedupResult
from .._staged import ScanRun

__all__ = ["dedup", "scan", "DedupResult", "ScanRun", "DRIVER_PAIRS_LIMIT"]

#: Times Ray runs a scan task again after its worker process or node died.
SCAN_TASK_RETRIES = 3

#: The rows of a verify pairing: a candidate pair (``a``, ``b``, no set yet, or
#: with ``set_a`` once the first pairing gave it) or a document's set (``doc`` set,
#: ``a`` and ``b`` null), with the ``shard`` they are grouped by.
PAIRING_SCHEMA = pa.schema(
    [
        ("shard", pa.int64()),
        ("doc", pa.int64()),
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("set", pa.list_(pa.int32())),
        ("set_a", pa.list_(pa.int32())),
    ]
)

#: The band rows with the shard they are grouped by.
BAND_SHARD_SCHEMA = _engine.BAND_SCHEMA.append(pa.field("shard", pa.int64()))


def _table(batches, schema):
    """One table of ``batches`` with exactly ``schema`` (types and nullability): the
    blocks of a stage must share one schema for Ray Data to concatenate them, and a
    task with no rows still yields ``schema``'s columns."""
    batches = [_engine.conform(b, schema) for b in batches if b.num_rows]
    return pa.Table.from_batches(batches, schema=schema)


def _rows_only(fn):
    """``fn`` as a generator that yields its table only when it has rows: Ray Data's
    hash shuffle may hand a reducer an input block without columns for an empty
    block, which then fails to concatenate with the others, so no stage that feeds a
    shuffle yields an empty block (a task may yield none)."""

    def rows_only(table):
        out = fn(table)
        if out is not None and out.num_rows:
            yield out

    rows_only.__name__ = fn.__name__
    return rows_only


def _rows_of(schema, shard, **columns):
    """A table of ``schema`` (a pairing schema, ``shard`` first): ``shard`` and some
    of the other columns, the rest null."""
    n = len(shard)
    arrays = [pa.array(shard, pa.int64())]
    for field in list(schema)[1:]:
        value = columns.get(field.name)
        arrays.append(pa.nulls(n, field.type) if value is None else value.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _pairing_rows(shard, **columns):
    """A :data:`PAIRING_SCHEMA` table of ``shard`` and some of its columns."""
    return _rows_of(PAIRING_SCHEMA, shard, **columns)


def _set_of(docs, records):
    """The set column of ``docs`` (``doc``, ``set``) for each of ``records``, and a
    mask of the records that have one."""
    order = np.argsort(docs.column("doc").to_numpy(), kind="stable")
    sorted_docs = docs.column("doc").to_numpy()[order]
    wanted = records.to_numpy()
    at = np.minimum(np.searchsorted(sorted_docs, wanted), max(len(sorted_docs) - 1, 0))
    found = (sorted_docs[at] == wanted) if len(sorted_docs) else np.zeros(len(wanted), bool)
    sets = docs.column("set").take(pa.array(order[at[found]]))
    return sets, pa.array(found)


def _shard(records, shards):
    """The pairing shard of each record number (record numbers are not negative)."""
    return np.asarray(records.to_numpy(zero_copy_only=False), dtype=np.int64) % shards


def _split(group):
    """The document rows and the pair rows of a pairing group."""
    is_doc = pc.is_valid(group.column("doc"))
    return group.filter(is_doc), group.filter(pc.invert(is_doc))


def _count(block):
    return block.num_rows


def _tally(block):
    return _engine.Tally.of_signed(block.select(_engine.SIGN_SCHEMA.names))


class _Remote:
    """``fn`` as a Ray remote function, made on first use (so that importing this
    module needs no Ray): ``_Remote(fn).remote(ref)`` runs ``fn`` on a block where
    it is."""

    def __init__(self, fn):
        self.fn = fn
        self.remote_fn = None

    def remote(self, ref):
        if self.remote_fn is None:
            import ray

            self.remote_fn = ray.remote(self.fn)
        return self.remote_fn.remote(ref)


#: The rows of a block, counted where it is.
_num_rows = _Remote(_count)
#: The :class:`reprint._engine.Tally` of a block of sign rows, made where it is.
_tally_of = _Remote(_tally)


def _signed_paths(paths, config, partitions, part_records):
    import ray.data

    cwd = os.getcwd()

    def sign(table):
        batches = []
        for rank in table.column("id").to_pylist():
            batches += _engine.sign_shard(paths, cwd, config, part_records, rank, partitions)
        return _table(batches, _engine.SIGN_SCHEMA)

    return ray.data.range(partitions, override_num_blocks=partitions).map_batches(
        _rows_only(sign), batch_format="pyarrow", batch_size=1
    )


def _ordered_refs(ds):
    """The blocks of ``ds`` (references to Arrow tables) in the Dataset's order."""
    import ray.data

    context = ray.data.DataContext.get_current()
    kept, context.execution_options.preserve_order = context.execution_options.preserve_order, True
    try:
        return ds.to_arrow_refs()
    finally:
        context.execution_options.preserve_order = kept


def _numbered(ds, id_col, text_col, keep_by):
    """``ds`` as blocks of ``record``, ``id``, ``text`` (and the keep-by value), the
    record number being the row's place in the Dataset's order."""
    import ray
    import ray.data

    refs = _ordered_refs(ds)
    counts = ray.get([_num_rows.remote(r) for r in refs])
    offsets = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)[:-1]]).astype(np.int64).tolist()

    @ray.remote
    def number(block, offset):
        table = block if isinstance(block, pa.Table) else pa.table(block)
        columns = {
            "record": pa.array(range(offset, offset + table.num_rows), pa.int64()),
            "id": table.column(id_col).cast(pa.string()),
            "text": table.column(text_col).cast(pa.string()),
        }
        if keep_by is not None:
            value = table.column(keep_by)
            if pa.types.is_string(value.type) or pa.types.is_large_string(value.type):
                columns["keep_str"] = value.cast(pa.string())
            else:
                columns["keep_num"] = value.cast(pa.float64())
        return pa.table(columns)

    return ray.data.from_arrow_refs([number.remote(r, o) for r, o in zip(refs, offsets)])


def dedup(
    source,
    *,
    partitions=None,
    part_records=_engine.DEFAULT_PART_RECORDS,
    id_col="id",
    text_col="text",
    **settings,
):
    """Near-duplicate clusters of ``source`` on Ray (the cluster ``ray.init`` joined,
    else a local one), identical to ``reprint dedup``'s.

    ``source``: a path or a list of paths (files and folders read as the CLI reads
    them; relative paths resolve in the driver's working folder, which every node
    must see at the same path), or a ``ray.data.Dataset`` with ``id_col`` and
    ``text_col`` (a null id or text is an unusable record). ``partitions``: tasks per
    stage (default: the cluster's CPUs). The other keyword arguments are
    :func:`reprint.dedup`'s (``threshold``, ``shingle``, ``num_perm``, ``keep``,
    ``keep_by`` …). Returns a :class:`reprint._engine.DedupResult`.
    """
    import ray

    config = _settings.dedup_settings(**settings)
    p = _engine.params(config)
    if not ray.is_initialized():
        ray.init(log_to_driver=False)
    partitions = int(partitions or max(1, int(ray.cluster_resources().get("CPU", 1))))
    paths = _engine.as_paths(source)
    if paths is not None:
        signed = _signed_paths(paths, config, partitions, int(part_records))
    else:
        numbered = _numbered(source, id_col, text_col, settings.get("keep_by"))
        def sign(table):
            return _table(
                [_engine.sign_records(b, config) for b in table.to_batches()], _engine.SIGN_SCHEMA
            )

        signed = numbered.map_batches(_rows_only(sign), batch_format="pyarrow")
    started = time.perf_counter()
    # Only blocks with rows go on (see _rows_only); no rows at all: no clusters.
    signed = _with_rows(signed)
    if signed is None:
        return _engine.components(
            _engine.VERIFY_SCHEMA.empty_table(),
            _engine.SIGN_SCHEMA.empty_table(),
            config,
            _engine.Tally(),
            paths,
            {"engine": time.perf_counter() - started},
            candidate_pairs=0,
        )
    tally = _engine.Tally.merged(ray.get([_tally_of.remote(r) for r in signed.to_arrow_refs()]))
    max_bucket, threshold = p["max_bucket"], p["threshold"]
    shards = np.int64(partitions)

    def band_rows(table):
        out = _table([_engine.band_rows(b) for b in table.to_batches()], _engine.BAND_SCHEMA)
        # Rows of a bucket share band and key, so they share a shard.
        keys = out.column("key").to_numpy().view(np.uint64)
        bands = out.column("band").to_numpy().astype(np.uint64)
        shard = ((keys ^ (bands * np.uint64(0x9E3779B97F4A7C15))) % np.uint64(partitions)).astype(np.int64)
        return pa.Table.from_arrays([*out.columns, pa.array(shard, pa.int64())], schema=BAND_SHARD_SCHEMA)

    def band_pairs(group):
        return _table(
            [_engine.band_pairs(group.select(_engine.BAND_SCHEMA.names).to_batches(), max_bucket)],
            _engine.PAIRS_SCHEMA,
        )

    def docs_by(table):
        table = table.filter(pc.greater(table.column("shingles"), 0))
        record = table.column("record")
        return _pairing_rows(_shard(record, shards), doc=record, set=table.column("set"))

    def pairs_by_a(table):
        a = table.column("a")
        return _pairing_rows(_shard(a, shards), a=a, b=table.column("b"))

    def with_set_a(group):
        # Every row of a shard of `a`: its documents' sets and its candidate pairs.
        docs, pairs = _split(group)
        pairs = pairs.group_by(["a", "b"]).aggregate([])  # a pair from several bands once
        set_a, found = _set_of(docs, pairs.column("a"))
        pairs = pairs.filter(found)
        b = pairs.column("b")
        return _pairing_rows(
            _shard(b, shards), a=pairs.column("a"), b=b, set_a=set_a
        )

    def scored(group):
        # Every row of a shard of `b`: its documents' sets and its pairs with set_a.
        docs, pairs = _split(group)
        set_b, found = _set_of(docs, pairs.column("b"))
        pairs = pairs.filter(found)
        table = pa.Table.from_arrays(
            [pairs.column("a"), pairs.column("b"), pairs.column("set_a"), set_b],
            names=_engine.VERIFY_INPUT_SCHEMA.names,
        ).combine_chunks()
        out = [_engine.scored_rows(_engine.verify_pairs(b, threshold)) for b in table.to_batches()]
        return _table(out + [_engine.candidates_row(pairs.num_rows)], _engine.SCORED_SCHEMA)

    candidates = (
        signed.map_batches(_rows_only(band_rows), batch_format="pyarrow")
        .groupby("shard", num_partitions=partitions)
        .map_groups(_rows_only(band_pairs), batch_format="pyarrow")
        .map_batches(_rows_only(pairs_by_a), batch_format="pyarrow")
    )
    docs = signed.map_batches(_rows_only(docs_by), batch_format="pyarrow")
    half = (
        candidates.union(docs)
        .groupby("shard", num_partitions=partitions)
        .map_groups(_rows_only(with_set_a), batch_format="pyarrow")
    )
    verified = (
        half.union(docs)
        .groupby("shard", num_partitions=partitions)
        .map_groups(_rows_only(scored), batch_format="pyarrow")
    )
    tables = [t for t in ray.get(verified.to_arrow_refs()) if t.num_rows]
    scored = pa.concat_tables(tables) if tables else _engine.SCORED_SCHEMA.empty_table()
    edges, candidate_pairs = _engine.split_scored(scored)
    named = pc.unique(pa.concat_arrays([edges.column("a").combine_chunks(), edges.column("b").combine_chunks()]))

    def members_of(table):
        return table.filter(pc.is_in(table.column("record"), value_set=named))

    member_tables = [
        t for t in ray.get(signed.map_batches(members_of, batch_format="pyarrow").to_arrow_refs())
        if t.num_rows
    ]
    members = pa.concat_tables(member_tables) if member_tables else _engine.SIGN_SCHEMA.empty_table()
    seconds = {"engine": time.perf_counter() - started}
    return _engine.components(
        edges, members, config, tally, paths, seconds, candidate_pairs=candidate_pairs
    )


def _run_task(task, rank):
    return task(rank)


#: The boilerplate masks of a document, as the grams and align kernels take them.
MASKS_TYPE = pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64())]))

#: The rows of an align pairing: a document's text and masks (``doc`` set) or a
#: candidate pair (``a``, ``b``, with ``text_a``/``masks_a`` once the first pairing
#: gave them), with the ``shard`` they are grouped by.
ALIGN_PAIRING_SCHEMA = pa.schema(
    [
        ("shard", pa.int64()),
        ("doc", pa.int64()),
        ("text", pa.string()),
        ("masks", MASKS_TYPE),
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("text_a", pa.string()),
        ("masks_a", MASKS_TYPE),
    ]
)


def _concat(batches):
    """One table of the kernel batches that have rows (``None`` if none has)."""
    batches = [b for b in batches if b.num_rows]
    return pa.Table.from_batches(batches) if batches else None


def _with_shard(table, shard):
    return table.append_column("shard", pa.array(shard, pa.int64()))


def _align_rows(shard, **columns):
    """An :data:`ALIGN_PAIRING_SCHEMA` table of ``shard`` and some of its columns."""
    return _rows_of(ALIGN_PAIRING_SCHEMA, shard, **columns)


def _with_rows(ds):
    """``ds`` computed, of its blocks with rows only (``None`` if none has): a task
    that yields nothing leaves an empty block without columns, which a shuffle's map
    task then takes its (empty) schema from."""
    import ray
    import ray.data

    refs = ds.to_arrow_refs()
    counts = ray.get([_num_rows.remote(r) for r in refs])
    refs = [r for r, n in zip(refs, counts) if n]
    return ray.data.from_arrow_refs(refs) if refs else None


def _gathered(ds):
    """The tables of ``ds`` that have rows, on the driver."""
    import ray

    return [t for t in ray.get(ds.to_arrow_refs()) if t.num_rows]


def _masks_by_doc(boilerplate_rows):
    """``doc``, ``masks``: the boilerplate places of each document that has some."""
    if not boilerplate_rows:
        return pa.table({"doc": pa.array([], pa.int64()), "masks": pa.array([], MASKS_TYPE)})
    rows = pa.concat_tables(boilerplate_rows)
    rows = rows.take(pa.array(np.argsort(rows.column("doc").to_numpy(), kind="stable")))
    docs, first = np.unique(rows.column("doc").to_numpy(), return_index=True)
    place = pa.StructArray.from_arrays(
        [rows.column("line_start").combine_chunks(), rows.column("line_end").combine_chunks()],
        names=["start", "end"],
    )
    offsets = pa.array(np.append(first, rows.num_rows), pa.int32())
    masks = pa.ListArray.from_arrays(offsets, place).cast(MASKS_TYPE)
    return pa.table({"doc": pa.array(docs, pa.int64()), "masks": masks})


def _read_shuffled(source, config, partitions, part_records):
    """The read stage as Ray tasks: the document rows and one summary row per task,
    materialized."""
    import ray
    import ray.data

    k = _scan_kernels
    paths = _engine.as_paths(source)
    if paths is not None:
        cwd = os.getcwd()

        def read(table):
            batches = []
            for rank in table.column("id").to_pylist():
                batches += k.read_paths(paths, cwd, config, part_records, rank, partitions)
            return _concat(batches)

        return (
            ray.data.range(partitions, override_num_blocks=partitions)
            .map_batches(_rows_only(read), batch_format="pyarrow", batch_size=1)
            .materialize()
        )
    columns = _staged.input_columns(source.columns(), config)

    @ray.remote(max_retries=SCAN_TASK_RETRIES)
    def read_block(block, index):
        table = (block if isinstance(block, pa.Table) else pa.table(block)).select(columns)
        batches = table.to_batches() or [
            pa.RecordBatch.from_arrays(
                [pa.array([], f.type) for f in table.schema], schema=table.schema
            )
        ]
        out = []
        for i, batch in enumerate(batches):
            # Parts in the Dataset's order: block, then batch.
            out += k.read_batch(
                batch, config, (index << 32) | i, f"block {index + 1}, batch {i + 1}"
            )
        return _concat(out)

    refs = [read_block.remote(r, i) for i, r in enumerate(_ordered_refs(source))]
    return ray.data.from_arrow_refs(refs).materialize()


def _scan_shuffled(source, config, partitions, part_records):
    """The scan's stages as Ray Data tasks, the rows between them moved by Ray
    Data's shuffle (``groupby`` on a shard of the key); returns the report and the
    seconds of each stage."""
    import ray

    k = _scan_kernels
    seconds = {}
    clock = [time.perf_counter()]
    arrow = dict(batch_format="pyarrow")

    def grouped(ds, fn):
        """``fn`` over each group of ``ds`` by ``shard``, materialized; ``None`` when
        ``ds`` has no rows (Ray Data's shuffle of no rows at all hands its reducers
        blocks without columns)."""
        ds = _with_rows(ds)
        if ds is None:
            return None
        return (
            ds.groupby("shard", num_partitions=shuffle)
            .map_groups(_rows_only(fn), **arrow)
            .materialize()
        )

    def lap(stage):
        now = time.perf_counter()
        seconds[stage] = now - clock[0]
        clock[0] = now

    def each(kernel, select=None):
        def run(table):
            if select is not None:
                table = table.select(select)
            return _concat([kernel(b, config) for b in table.to_batches()])

        run.__name__ = kernel.__name__
        return run

    read = _read_shuffled(source, config, partitions, part_records)
    summaries = [
        s
        for t in _gathered(
            read.map_batches(
                lambda t: t.filter(pc.less(t.column("part"), 0)).select(["summary"]), **arrow
            )
        )
        for s in t.column("summary").to_pylist()
    ]
    offsets = k.offsets(summaries, config)
    # The partitions of the stages after read.
    shuffle = k.shuffle_partitions(partitions, read.sum("text_bytes"))
    parts = np.array([p for p, _ in offsets], dtype=np.int64)
    firsts = np.array([f for _, f in offsets], dtype=np.int64)

    def numbered(table):
        table = table.filter(pc.greater_equal(table.column("part"), 0))
        at = np.searchsorted(parts, table.column("part").to_numpy())
        doc = firsts[at] + table.column("pos").to_numpy()
        return pa.Table.from_arrays(
            [
                pa.array(doc, pa.int64()),
                *(table.column(c) for c in k.META_COLUMNS[1:]),
                table.column("text"),
            ],
            names=[*k.META_COLUMNS, "text"],
        )

    docs = read.map_batches(_rows_only(numbered), **arrow)
    lap("read")

    def lines(table):
        out = each(k.lines, ["doc", "text"])(table)
        if out is None:
            return None
        return _with_shard(
            out, out.column("key").to_numpy().view(np.uint64) % np.uint64(shuffle)
        )

    def boilerplate(group):
        return _concat(
            [
                k.boilerplate(
                    group.select(["key", "doc", "line_start", "line_end"]).to_batches(), config
                )
            ]
        )

    boiler = grouped(docs.map_batches(_rows_only(lines), **arrow), boilerplate)
    boiler_rows = [] if boiler is None else _gathered(boiler)
    lap("boilerplate")

    masks = ray.put(_masks_by_doc(boiler_rows))

    def with_masks(table):
        by_doc = ray.get(masks)
        at = pc.index_in(
            table.column("doc").combine_chunks(), value_set=by_doc.column("doc").combine_chunks()
        )
        doc_masks = (
            by_doc.column("masks").combine_chunks().take(at)
            if by_doc.num_rows
            else pa.nulls(table.num_rows, MASKS_TYPE)
        )
        return pa.table(
            {
                "doc": table.column("doc"),
                "text": table.column("text"),
                "masks": doc_masks.cast(MASKS_TYPE),
            }
        )

    texts = docs.map_batches(_rows_only(with_masks), **arrow).materialize()
    grams = texts.map_batches(_rows_only(each(k.grams)), **arrow).materialize()
    repeat_rows = _gathered(
        grams.map_batches(
            lambda t: t.filter(pc.is_null(t.column("gram"))).drop_columns(["gram"]), **arrow
        )
    )
    lap("grams")

    def gram_rows(table):
        table = table.filter(pc.is_valid(table.column("gram"))).select(["gram", "doc"])
        gram = table.column("gram").to_numpy().view(np.uint32).astype(np.uint64)
        return _with_shard(table, gram % np.uint64(shuffle))

    def pair_shard(table):
        a, b = table.column("a").to_numpy(), table.column("b").to_numpy()
        return _with_shard(table, (a * 31 + b) % shuffle)

    def pair_counts(group):
        out = _concat([k.pair_counts(group.select(["gram", "doc"]).to_batches(), config)])
        return None if out is None else pair_shard(out)

    def sum_pairs(group):
        return _concat([k.sum_pairs(group.select(["a", "b", "n"]).to_batches(), config)])

    counts = grouped(grams.map_batches(_rows_only(gram_rows), **arrow), pair_counts)
    candidates = None if counts is None else grouped(counts, sum_pairs)
    candidate_pairs = 0 if candidates is None else candidates.count()
    lap("pairs")

    def doc_rows(table):
        doc = table.column("doc")
        return _align_rows(
            doc.to_numpy() % shuffle,
            doc=doc,
            text=table.column("text"),
            masks=table.column("masks"),
        )

    def pairs_by_a(table):
        a = table.column("a")
        return _align_rows(a.to_numpy() % shuffle, a=a, b=table.column("b"))

    def split(group):
        is_doc = pc.is_valid(group.column("doc"))
        return group.filter(is_doc), group.filter(pc.invert(is_doc))

    def side(docs, pairs, x):
        # Every pair's document is in the group (its shard's documents are).
        at = pc.index_in(
            pairs.column(x).combine_chunks(), value_set=docs.column("doc").combine_chunks()
        )
        return docs.column("text").combine_chunks().take(at), docs.column(
            "masks"
        ).combine_chunks().take(at)

    def with_a(group):
        docs, pairs = split(group)
        text_a, masks_a = side(docs, pairs, "a")
        b = pairs.column("b")
        return _align_rows(
            b.to_numpy() % shuffle, a=pairs.column("a"), b=b, text_a=text_a, masks_a=masks_a
        )

    def aligned(group):
        docs, pairs = split(group)
        text_b, masks_b = side(docs, pairs, "b")
        table = pa.table(
            {
                "a": pairs.column("a"),
                "b": pairs.column("b"),
                "text_a": pairs.column("text_a"),
                "text_b": text_b,
                "masks_a": pairs.column("masks_a"),
                "masks_b": masks_b,
            }
        ).sort_by([("a", "ascending"), ("b", "ascending")])
        return _concat([k.align(b, config) for b in table.combine_chunks().to_batches()])

    passage_rows = []
    if candidates is not None:
        doc_side = texts.map_batches(_rows_only(doc_rows), **arrow)
        half = grouped(candidates.map_batches(_rows_only(pairs_by_a), **arrow).union(doc_side), with_a)
        passage_rows = _gathered(grouped(half.union(doc_side), aligned))
    lap("align")

    wanted = pa.array(k.report_docs(boiler_rows, repeat_rows, passage_rows), pa.int64())

    def quoted(table):
        return table.filter(pc.is_in(table.column("doc"), value_set=wanted)).select(["doc", "text"])

    text_rows = _gathered(docs.map_batches(quoted, **arrow))
    meta_rows = _gathered(docs.map_batches(lambda t: t.select(k.META_COLUMNS), **arrow))
    text = k.report(
        meta_rows,
        text_rows,
        boiler_rows,
        repeat_rows,
        passage_rows,
        candidate_pairs,
        summaries,
        config,
    )
    lap("report")
    return ScanRun(text, seconds)


def scan(
    source,
    *,
    partitions=None,
    part_records=_engine.DEFAULT_PART_RECORDS,
    work_dir=None,
    memory_limit=None,
    **settings,
):
    """Reused passages of ``source``, clustered, on Ray (the cluster ``ray.init``
    joined, else a local one): the report ``reprint scan --format json`` writes for
    the same inputs and settings, byte for byte.

    ``source``: a path or a list of paths (read as the CLI reads them; relative
    paths resolve in the driver's working folder, which every node must see at the
    same path), or a ``ray.data.Dataset`` whose columns ``id_field`` (default
    ``id``), ``text_field`` (``text``) and, when set, ``date_field`` and
    ``source_field`` are the records, in the Dataset's order. ``partitions``: tasks
    per stage (default: the cluster's CPUs; on the shuffle the stages after read
    take more when the text needs them, see
    :func:`reprint._scan_kernels.shuffle_partitions`). ``part_records``: records per
    read part (paths).

    Without ``work_dir`` the stages run as Ray Data tasks and Ray Data's shuffle
    (``groupby`` on a shard of the key) moves the rows between them: lines by key,
    n-grams by hash, pairs by pair, and each candidate pair paired with its two
    texts in two groupings (by a shard of ``a``, then of ``b``). The driver gathers
    every document's metadata, the boilerplate, repeats and passages, and the texts
    the report quotes, so it must hold those (about 100 bytes a document besides the
    quoted texts); the boilerplate places also go to every grams task.

    With ``work_dir`` (a folder the driver and every node see at the same path) the
    staged scan runs there instead, one Ray task per shard (see
    :mod:`reprint._staged`; a Dataset is written there once as Parquet): kept, so
    that a rerun resumes, and a task Ray retries makes only the parts still missing;
    ``memory_limit`` is then the bytes one task may hold. The other keyword
    arguments are :func:`reprint.scan`'s. Returns a :class:`reprint._staged.ScanRun`.
    """
    import ray

    config = _settings.scan_settings(**settings)
    if work_dir is None and memory_limit is not None:
        raise ValueError("memory_limit= applies to a staged scan: pass work_dir= too")
    if not ray.is_initialized():
        ray.init(log_to_driver=False)
    partitions = int(partitions or max(1, int(ray.cluster_resources().get("CPU", 1))))
    if work_dir is None:
        return _scan_shuffled(source, config, partitions, int(part_records))
    paths = _engine.as_paths(source)
    if paths is None:
        columns = _staged.input_columns(source.columns(), config)

        def paths(folder):
            source.select_columns(columns).write_parquet(folder)

    remote = ray.remote(num_cpus=1, max_retries=SCAN_TASK_RETRIES)(_run_task)

    def run_tasks(stage, world, task):
        ray.get([remote.remote(task, rank) for rank in range(world)])

    return _staged.run(
        paths,
        run_tasks=run_tasks,
        settings=config,
        partitions=partitions,
        work_dir=work_dir,
        memory_limit=memory_limit,
    )
