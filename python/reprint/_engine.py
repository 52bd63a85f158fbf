"""What ``reprint.spark`` and ``reprint.ray`` share: the dedup settings, the Arrow
schemas of the tables between the kernels, the driver's components step and the
result.

The stages run as Arrow kernels of the extension (``reprint._reprint``): each takes
and returns record batches through the Arrow PyCapsule protocol, so no row becomes
a Python object, and runs the library's stage code without the GIL. The engine only
moves the batches: it groups band rows by ``(band, key)`` for the band stage, joins
candidate pairs with their shingle sets for verify, and gathers the verified pairs
and their documents on the driver for the components stage.

Engines have no unsigned integers, so record numbers, band keys and shingle
fingerprints travel as signed integers of the same width and bits.
"""

import json
import os

import pyarrow as pa

from . import _reprint
from .errors import ConfigError

#: Verified pairs the components stage gathers on the driver at most (48 bytes each
#: there, plus each named document's id and shingle set): past it a run stops with
#: :class:`reprint.ConfigError` rather than exhaust the driver's memory.
DRIVER_PAIRS_LIMIT = 20_000_000

#: Records per sign part for path inputs: the unit a sign task takes, as
#: ``reprint dedup --part-records`` (smaller than the CLI's default, so that a
#: modest dump still spreads over the workers).
DEFAULT_PART_RECORDS = 4096

SIGN_SCHEMA = pa.schema(
    [
        ("record", pa.int64()),
        ("id", pa.string()),
        ("text_bytes", pa.int64()),
        ("shingles", pa.int32()),
        ("keep_num", pa.float64()),
        ("keep_str", pa.string()),
        ("keys", pa.list_(pa.int64())),
        ("set", pa.list_(pa.int32())),
        ("hash", pa.int64()),
        ("issue", pa.string()),
        ("message", pa.string()),
    ]
)
#: The unusable records of a run: each one's record number (null: a file that could
#: not be read), the kind of problem and the message naming its file and line.
UNUSABLE_SCHEMA = pa.schema(
    [("record", pa.int64()), ("issue", pa.string()), ("message", pa.string())]
)
BAND_SCHEMA = pa.schema([("band", pa.int32()), ("key", pa.int64()), ("record", pa.int64())])
PAIRS_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64())])
VERIFY_INPUT_SCHEMA = pa.schema(
    [
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("set_a", pa.list_(pa.int32())),
        ("set_b", pa.list_(pa.int32())),
    ]
)
VERIFY_SCHEMA = pa.schema(
    [
        ("a", pa.int64()),
        ("b", pa.int64()),
        ("jaccard", pa.float64()),
        ("containment_a_in_b", pa.float64()),
        ("containment_b_in_a", pa.float64()),
        ("shared_shingles", pa.int64()),
    ]
)


#: What a verify task yields on an engine: its scored pairs (``candidates`` 0) and
#: one row of no pair (``a`` null, :func:`candidates_row`) with the number of distinct
#: candidate pairs it scored, which the summary reports.
SCORED_SCHEMA = VERIFY_SCHEMA.append(pa.field("candidates", pa.int64()))


def scored_rows(verified):
    """A batch of verified pairs (``verify_pairs``'s) as rows of :data:`SCORED_SCHEMA`,
    each counting no candidate."""
    verified = conform(verified, VERIFY_SCHEMA)
    return verified.append_column("candidates", pa.array([0] * verified.num_rows, pa.int64()))


def candidates_row(candidates):
    """The row of no pair that counts a verify task's ``candidates``."""
    return pa.RecordBatch.from_arrays(
        [pa.nulls(1, f.type) for f in VERIFY_SCHEMA] + [pa.array([int(candidates)], pa.int64())],
        schema=SCORED_SCHEMA,
    )


def split_scored(table):
    """The verified pairs (:data:`VERIFY_SCHEMA`) and the number of candidate pairs
    of the gathered rows of :data:`SCORED_SCHEMA`."""
    import pyarrow.compute as pc

    candidates = pc.sum(table.column("candidates")).as_py() or 0
    pairs = table.filter(pc.is_valid(table.column("a"))).select(VERIFY_SCHEMA.names)
    return pairs, candidates


def params(config):
    """``bands``, ``max_bucket``, ``threshold`` and ``keep`` of the settings."""
    return _reprint.dedup_params(config)


def conform(batch, schema):
    """``batch`` (any Arrow record batch) with the columns of ``schema``, cast to its
    types (an engine may hand over large strings or other list field names)."""
    batch = pa.record_batch(batch)
    columns = [batch.column(name).cast(field.type) for name, field in zip(schema.names, schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def as_paths(source):
    """The input paths of ``source`` when it is a path or a list of paths (as given,
    so that document ids are the CLI's), else ``None``."""
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    if isinstance(source, (list, tuple)) and source and all(
        isinstance(s, (str, os.PathLike)) for s in source
    ):
        return [os.fspath(s) for s in source]
    return None


def sign_shard(paths, cwd, config, part_records, rank, world):
    """The sign batches of shard ``rank`` of ``world`` over ``paths`` (relative paths
    resolved in ``cwd``, the driver's working folder, so that ids are the CLI's)."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        batches, _records, _skipped = _reprint.sign_paths(
            paths, config, part_records, rank, world
        )
    finally:
        os.chdir(here)
    return [pa.record_batch(b) for b in batches]


def sign_records(batch, config):
    """Sign rows of a batch of ``record``, ``id``, ``text`` (and optionally
    ``keep_num`` / ``keep_str``)."""
    return pa.record_batch(_reprint.sign_batch(batch, config))


def band_rows(batch):
    """The ``(band, key, record)`` rows of the documents of a sign batch."""
    return pa.record_batch(_reprint.band_rows(conform(batch, SIGN_SCHEMA)))


def band_pairs(batches, max_bucket):
    """Candidate pairs of band rows that hold whole buckets."""
    batches = [conform(b, BAND_SCHEMA) for b in batches]
    return pa.record_batch(_reprint.band_pairs(batches, int(max_bucket)))


def verify_pairs(batch, threshold):
    """The scored pairs at or above ``threshold`` of a batch of pairs with their sets."""
    return pa.record_batch(
        _reprint.verify_pairs(conform(batch, VERIFY_INPUT_SCHEMA), float(threshold))
    )


class Tally:
    """What the sign stage read, besides the signatures: :attr:`documents` (documents
    read, empty ones included), :attr:`empty_documents` (documents without a
    shingle) and :attr:`unusable` (a pyarrow Table of :data:`UNUSABLE_SCHEMA`, one
    row per record or file that could not be used, in record order)."""

    def __init__(self, documents=0, empty_documents=0, unusable=None):
        self.documents = int(documents)
        self.empty_documents = int(empty_documents)
        if unusable is None:
            unusable = UNUSABLE_SCHEMA.empty_table()
        self.unusable = unusable.select(UNUSABLE_SCHEMA.names).cast(UNUSABLE_SCHEMA).sort_by("record")

    @classmethod
    def of_signed(cls, table):
        """The tally of some sign rows (a pyarrow Table of :data:`SIGN_SCHEMA`)."""
        import pyarrow.compute as pc

        usable = pc.is_null(table.column("issue"))
        docs = table.filter(usable)
        empty = pc.sum(pc.equal(docs.column("shingles"), 0).cast(pa.int64())).as_py() or 0
        return cls(docs.num_rows, empty, table.filter(pc.invert(usable)).select(UNUSABLE_SCHEMA.names))

    @classmethod
    def merged(cls, tallies):
        tallies = list(tallies)
        unusable = [t.unusable for t in tallies if t.unusable.num_rows]
        return cls(
            sum(t.documents for t in tallies),
            sum(t.empty_documents for t in tallies),
            pa.concat_tables(unusable) if unusable else None,
        )

    @property
    def records(self):
        """Records the first read saw: the documents and the unusable records that
        have a record number (a file that could not be read has none)."""
        column = self.unusable.column("record")
        return self.documents + len(column) - column.null_count

    def skipped_by_reason(self):
        counts = {}
        for issue in self.unusable.column("issue").to_pylist():
            counts[issue] = counts.get(issue, 0) + 1
        return dict(sorted(counts.items()))


class DedupResult:
    """The clusters of an engine's dedup run: :attr:`table` (pyarrow, one row per
    member: ``cluster``, ``record``, ``id``, ``kept`` and the member's scores against
    the kept one, as docs/STAGES.md's ``dedup.clusters``), :meth:`clusters` (the
    dicts ``reprint.dedup`` returns), :attr:`removed` (the record numbers of the
    documents the keep policy removes), :attr:`stats` (the counts of ``reprint dedup
    --summary-json``), :attr:`unusable` (the records that could not be used, each
    with the message naming its file and line), and the files of ``reprint dedup``:
    :meth:`write_clusters` (``--clusters``), :meth:`write_pairs` (``--pairs``),
    :meth:`write_summary` (``--summary-json``) and, for path inputs,
    :meth:`write_deduplicated` (``-o``)."""

    def __init__(
        self, table, pairs, members, tally, config, paths=None, seconds=None, candidate_pairs=None
    ):
        self.table = table
        #: The verified pairs, with their scores (a pyarrow Table of ``VERIFY_SCHEMA``).
        self.pairs = pairs
        self.verified_pairs = pairs.num_rows
        self._members = members
        self._tally = tally
        self._config = config
        self._paths = paths
        #: Wall seconds of the run as the driver saw it: ``engine`` (the stages on the
        #: engine, which runs them lazily as one job), ``cluster`` (the components
        #: stage on the driver) and ``total``.
        self.seconds = dict(seconds or {})
        #: Distinct candidate pairs from LSH (``None`` when the engine did not count them).
        self.candidate_pairs = candidate_pairs

    @property
    def removed(self):
        import pyarrow.compute as pc

        return self.table.filter(pc.invert(self.table.column("kept"))).column("record")

    @property
    def unusable(self):
        """The records and files that could not be used (:data:`UNUSABLE_SCHEMA`)."""
        return self._tally.unusable

    @property
    def stats(self):
        """The counts of the run, under the names of ``reprint dedup
        --summary-json``'s ``stats`` (``documents``, ``empty_documents``,
        ``skipped``, ``skipped_by_reason``, ``candidate_pairs``, ``verified_pairs``,
        ``clusters``, ``documents_in_clusters``, ``documents_removed``,
        ``duplicate_fraction``)."""
        t = self._tally
        members = self.table.num_rows
        clusters = len(set(self.table.column("cluster").to_pylist()))
        removed = members - clusters
        out = {
            "documents": t.documents,
            "empty_documents": t.empty_documents,
            "skipped": t.unusable.num_rows,
            "skipped_by_reason": t.skipped_by_reason(),
        }
        if self.candidate_pairs is not None:
            out["candidate_pairs"] = self.candidate_pairs
        out.update(
            verified_pairs=self.verified_pairs,
            clusters=clusters,
            documents_in_clusters=members,
            documents_removed=removed,
            duplicate_fraction=removed / t.documents if t.documents else 0.0,
        )
        return out

    def clusters_jsonl(self):
        return _reprint.clusters_jsonl(self.table.to_batches())

    def clusters(self):
        return [json.loads(line) for line in self.clusters_jsonl().splitlines()]

    def pairs_jsonl(self):
        """The lines of ``reprint dedup --pairs``: every verified pair with its
        scores, by the input order of ``doc_a``, then ``doc_b``."""
        return _reprint.pairs_jsonl(self.pairs.to_batches(), self._members.to_batches())

    def summary_json(self):
        """The document of ``reprint dedup --summary-json`` (counts, seconds,
        throughput, settings) for this run."""
        stats = dict(self.stats)
        total = self.seconds.get("total")
        stats["stage_seconds"] = {k: v for k, v in self.seconds.items() if k != "total"}
        if total is not None:
            stats["total_seconds"] = total
            if total > 0:
                stats["documents_per_second"] = self._tally.documents / total
        return _reprint.dedup_summary(self._config, json.dumps(stats))

    def write_clusters(self, path):
        """Writes the clusters file atomically (a temporary file renamed into place)."""
        _write_atomically(path, self.clusters_jsonl())

    def write_pairs(self, path):
        """Writes the pairs file atomically."""
        _write_atomically(path, self.pairs_jsonl())

    def write_summary(self, path):
        """Writes the summary document atomically."""
        _write_atomically(path, self.summary_json())

    def write_deduplicated(self, path):
        """Writes the deduplicated dump, as ``reprint dedup -o`` does: the inputs read
        a second time on the driver and every record written but the removed
        duplicates and the unusable records (JSON Lines records byte for byte,
        whole files as ``{"id", "text"}`` lines). Each cluster member is checked
        against its checksum from the first read, and the number of records too: an
        input that changed raises :class:`reprint.InputChangedError` and leaves no
        file. Only for a run over paths (a table input has no records to copy: keep
        its rows whose record number is not in :attr:`removed`). Returns the records
        written."""
        if self._paths is None:
            raise ConfigError(
                "write_deduplicated needs a run over paths; for a table, keep the rows "
                "whose record number is not in DedupResult.removed"
            )
        import pyarrow.compute as pc

        members = self._members.select(["record", "hash"])
        kept = self.table.select(["record", "kept"])
        decided = members.join(kept, "record", join_type="inner").rename_columns(["record", "hash", "write"])
        unusable = self._tally.unusable
        left_out = pa.table(
            {
                "record": unusable.column("record"),
                "hash": pa.nulls(unusable.num_rows, pa.int64()),
                "write": pa.array([False] * unusable.num_rows, pa.bool_()),
            }
        )
        decided = pa.concat_tables([decided, left_out])
        decided = decided.filter(pc.is_valid(decided.column("record"))).combine_chunks()
        return _reprint.write_kept(
            self._paths, self._config, self._tally.records, decided.to_batches(), os.fspath(path)
        )


def _write_atomically(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def components(pairs, members, config, tally, paths=None, seconds=None, candidate_pairs=None):
    """The components stage on the driver: ``pairs`` (a pyarrow Table of verified
    pairs with their scores), ``members`` (a Table of the sign rows of the documents
    they name) and ``tally`` (what the sign stage read) into a :class:`DedupResult`
    (``paths``: the input paths of a run over paths; ``seconds``: the engine's)."""
    import time

    if pairs.num_rows > DRIVER_PAIRS_LIMIT:
        raise ConfigError(
            f"{pairs.num_rows} verified pairs: more than the {DRIVER_PAIRS_LIMIT} the "
            "driver links into clusters (reprint._engine.DRIVER_PAIRS_LIMIT); run "
            "`reprint dedup --work-dir` for a collection this duplicated"
        )
    t = time.perf_counter()
    pairs = pairs.select(VERIFY_SCHEMA.names).cast(VERIFY_SCHEMA)
    pairs = pairs.sort_by([("a", "ascending"), ("b", "ascending")]).combine_chunks()
    members = members.select(SIGN_SCHEMA.names)
    batches = [conform(b, SIGN_SCHEMA) for b in members.to_batches()]
    edges = pairs.select(["a", "b"])
    table = pa.Table.from_batches(
        [pa.record_batch(_reprint.cluster_members(edges.to_batches(), batches, config))]
    )
    members = pa.Table.from_batches(batches, schema=SIGN_SCHEMA).select(["record", "id", "hash"])
    seconds = dict(seconds or {})
    seconds["cluster"] = time.perf_counter() - t
    seconds["total"] = sum(seconds.values())
    return DedupResult(table, pairs, members, tally, config, paths, seconds, candidate_pairs)


def cli_parser(engine, address_help):
    """The command line of ``python -m reprint.<engine>``."""
    import argparse

    p = argparse.ArgumentParser(
        prog=f"python -m reprint.{engine}",
        description=f"reprint on {engine}: `dedup` writes DIR/clusters.jsonl, the file "
        "`reprint dedup --clusters` writes; `scan` writes DIR/scan.json, the report "
        "`reprint scan --format json` writes",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dedup", help="near-duplicate clusters of the inputs")
    d.add_argument("inputs", nargs="+", metavar="INPUT", help="files and folders, as the CLI reads them")
    d.add_argument("--out", required=True, metavar="DIR", help="folder for clusters.jsonl (made if missing)")
    d.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the deduplicated dump here (JSON Lines), as `reprint dedup -o`",
    )
    d.add_argument("--pairs", metavar="FILE", help="write every verified pair with its scores here")
    d.add_argument("--summary-json", metavar="FILE", help="write the run's counts, timings and settings here")
    d.add_argument("--strict", action="store_true", help="stop at the first record that cannot be used")
    d.add_argument("--threshold", type=float, default=0.8)
    d.add_argument("--shingle", type=int, default=5)
    d.add_argument("--char-ngrams", type=int)
    d.add_argument("--num-perm", type=int, default=128)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--bands", type=int)
    d.add_argument("--rows", type=int)
    d.add_argument("--keep", choices=["first", "longest"], default="first")
    d.add_argument("--keep-by")
    d.add_argument("--id-field")
    d.add_argument("--text-field", default="text")
    d.add_argument("--strip-diacritics", action="store_true")
    d.add_argument("--partitions", type=int, help="tasks per stage (default: the engine's parallelism)")
    d.add_argument("--part-records", type=int, default=DEFAULT_PART_RECORDS)
    d.add_argument(engine == "spark" and "--master" or "--address", help=address_help)
    from . import _staged

    _staged.add_cli(sub, engine, address_help)
    return p


#: Unusable records named one by one on stderr by ``python -m reprint.<engine>``.
PROBLEMS_SHOWN = 10


def run_cli(args, dedup, **engine):
    """The body of ``python -m reprint.<engine> dedup``: runs ``dedup`` on
    ``args.inputs`` with the parsed settings (and the ``engine`` keyword arguments),
    writes ``args.out``/clusters.jsonl and the files the options ask for, and says on
    stderr what it wrote and which records it could not use."""
    import sys

    inputs = {os.path.realpath(i) for i in args.inputs}
    for flag, dest in [("--output", args.output), ("--pairs", args.pairs), ("--summary-json", args.summary_json)]:
        if dest is not None and os.path.realpath(dest) in inputs:
            raise ConfigError(f"{flag} {dest} is an input; name another file")
    os.makedirs(args.out, exist_ok=True)
    result = dedup(
        args.inputs,
        partitions=args.partitions,
        part_records=args.part_records,
        **engine,
        **dedup_kwargs(args),
    )
    unusable = result.unusable
    for message in unusable.column("message").to_pylist()[:PROBLEMS_SHOWN]:
        print(f"warning: {message}", file=sys.stderr)
    if unusable.num_rows > PROBLEMS_SHOWN:
        print(f"warning: ... and {unusable.num_rows - PROBLEMS_SHOWN} more", file=sys.stderr)
    path = os.path.join(args.out, "clusters.jsonl")
    result.write_clusters(path)
    wrote = [path]
    if args.pairs:
        result.write_pairs(args.pairs)
        wrote.append(args.pairs)
    if args.output:
        result.write_deduplicated(args.output)
        wrote.append(args.output)
    if args.summary_json:
        result.write_summary(args.summary_json)
        wrote.append(args.summary_json)
    stats = result.stats
    skipped = ", ".join(f"{k} {n}" for k, n in stats["skipped_by_reason"].items())
    print(
        f"{stats['documents']} documents, {stats['documents_in_clusters']} in "
        f"{stats['clusters']} clusters, {stats['documents_removed']} removed; "
        f"{stats['skipped']} records skipped{f' ({skipped})' if skipped else ''}; "
        f"wrote {', '.join(wrote)}",
        file=sys.stderr,
    )
    return 0


def dedup_kwargs(args):
    """The dedup settings of parsed command-line arguments."""
    return dict(
        threshold=args.threshold,
        shingle=args.shingle,
        char_ngrams=args.char_ngrams,
        num_perm=args.num_perm,
        seed=args.seed,
        bands=args.bands,
        rows=args.rows,
        keep=args.keep,
        keep_by=args.keep_by,
        id_field=args.id_field,
        text_field=args.text_field,
        strip_diacritics=args.strip_diacritics,
        strict=args.strict,
    )
