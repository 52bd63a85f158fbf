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
    ]
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


class DedupResult:
    """The clusters of an engine's dedup run: :attr:`table` (pyarrow, one row per
    member: ``cluster``, ``record``, ``id``, ``kept`` and the member's scores against
    the kept one, as docs/STAGES.md's ``dedup.clusters``), :meth:`clusters` (the
    dicts ``reprint.dedup`` returns), :meth:`write_clusters` (the file ``reprint
    dedup --clusters`` writes) and :attr:`removed` (the record numbers of the
    documents the keep policy removes)."""

    def __init__(self, table, pairs):
        self.table = table
        self.verified_pairs = pairs

    @property
    def removed(self):
        import pyarrow.compute as pc

        return self.table.filter(pc.invert(self.table.column("kept"))).column("record")

    def clusters_jsonl(self):
        return _reprint.clusters_jsonl(self.table.to_batches())

    def clusters(self):
        return [json.loads(line) for line in self.clusters_jsonl().splitlines()]

    def write_clusters(self, path):
        """Writes the clusters file atomically (a temporary file renamed into place)."""
        text = self.clusters_jsonl()
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)


def components(pairs, members, config):
    """The components stage on the driver: ``pairs`` (a pyarrow Table of verified
    ``a``, ``b``) and ``members`` (a Table of the sign rows of the documents they
    name) into a :class:`DedupResult`."""
    if pairs.num_rows > DRIVER_PAIRS_LIMIT:
        raise ConfigError(
            f"{pairs.num_rows} verified pairs: more than the {DRIVER_PAIRS_LIMIT} the "
            "driver links into clusters (reprint._engine.DRIVER_PAIRS_LIMIT); run "
            "`reprint dedup --work-dir` for a collection this duplicated"
        )
    pairs = pairs.select(["a", "b"]).combine_chunks()
    members = members.select(SIGN_SCHEMA.names)
    batches = [conform(b, SIGN_SCHEMA) for b in members.to_batches()]
    table = pa.Table.from_batches(
        [pa.record_batch(_reprint.cluster_members(pairs.to_batches(), batches, config))]
    )
    return DedupResult(table, pairs.num_rows)


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


def run_cli(args, dedup, **engine):
    """The body of ``python -m reprint.<engine> dedup``: runs ``dedup`` on
    ``args.inputs`` with the parsed settings (and the ``engine`` keyword arguments),
    writes ``args.out``/clusters.jsonl and says on stderr what it wrote."""
    import sys

    os.makedirs(args.out, exist_ok=True)
    result = dedup(
        args.inputs,
        partitions=args.partitions,
        part_records=args.part_records,
        **engine,
        **dedup_kwargs(args),
    )
    path = os.path.join(args.out, "clusters.jsonl")
    result.write_clusters(path)
    clusters = len(set(result.table.column("cluster").to_pylist()))
    print(
        f"{result.table.num_rows} documents in {clusters} clusters, "
        f"{len(result.removed)} removed; wrote {path}",
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
    )
