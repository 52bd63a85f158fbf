"""What ``reprint.spark.scan`` and ``reprint.ray.scan`` share: the staged scan's
stages (docs/STAGES.md) run as engine tasks over one work folder, and the report
read from it on the driver.

The engine schedules the tasks and retries the ones a lost worker took; the rows
between the stages travel as the stages' own Parquet partitions in the work folder
(lines by key, n-grams by hash, pairs by document range), which is the shuffle the
stages were cut for. Every part is written atomically and marked complete, so a
retried task makes only what is missing, and the report is byte for byte the one
``reprint scan --format json`` writes for the same inputs and settings.

The work folder must be one that the driver and every worker see at the same path
(on one machine any folder; on a cluster a shared filesystem such as NFS, Lustre or
a mounted bucket).
"""

import json
import os
import shutil
import sys
import tempfile
import time

from . import _reprint

#: The stages after ``store`` (which reads the inputs in one task), in order.
SHARDED_STAGES = ("boilerplate", "grams", "postings", "pairs", "align")


def run_shard(work, paths, cwd, settings, stage, rank, world):
    """Runs shard ``rank`` of ``world`` of ``stage`` in the work folder ``work``
    (relative input paths resolved in ``cwd``, the driver's working folder, so that
    document ids are the CLI's); returns ``(parts made, parts already complete)``."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return _reprint.scan_stage(work, paths, settings, stage, int(rank), int(world))
    finally:
        os.chdir(here)


class ScanRun:
    """The outcome of a scan on an engine: :attr:`text` (the report, the bytes of
    ``reprint scan --format json``), :meth:`report` (it parsed, the dict
    :func:`reprint.scan` returns), :meth:`write` and :attr:`seconds` (wall seconds
    per stage, as the driver saw them)."""

    def __init__(self, text, seconds):
        self.text = text
        self.seconds = seconds

    def report(self):
        return json.loads(self.text)

    def write(self, path):
        """Writes the report atomically (a temporary file renamed into place)."""
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(self.text)
        os.replace(tmp, path)


def input_columns(columns, settings):
    """The columns of a table input the scan reads: the id, text, date and source
    fields the settings name, in the table's order."""
    s = json.loads(settings)
    wanted = {s["id_field"] or "id", s["text_field"] or "text", s["date_field"], s["source_field"]}
    return [c for c in columns if c in wanted]


def run(paths_or_writer, *, run_tasks, settings, partitions, work_dir=None, memory_limit=None):
    """The staged scan on an engine.

    ``paths_or_writer``: the input paths, or a function that writes the table input
    as Parquet files into the folder it is given (with the engine's own writer) and
    returns nothing. ``run_tasks(stage, world, task)``: the engine runs
    ``task(rank)`` for every rank in ``range(world)`` and returns when all are
    done, raising if one failed for good. ``work_dir``: the work folder (kept;
    default a temporary folder in the driver's working folder, removed after).
    Returns a :class:`ScanRun`.
    """
    partitions = max(1, int(partitions))
    cwd = os.getcwd()
    temporary = work_dir is None
    root = tempfile.mkdtemp(prefix=".reprint-scan-", dir=cwd) if temporary else os.path.abspath(work_dir)
    try:
        os.makedirs(root, exist_ok=True)
        seconds = {}
        if callable(paths_or_writer):
            # Written once: a rerun in the same folder resumes on the same rows.
            input_dir = os.path.join(root, "input")
            done = os.path.join(root, "input.complete")
            if not os.path.exists(done):
                t = time.perf_counter()
                shutil.rmtree(input_dir, ignore_errors=True)
                paths_or_writer(input_dir)
                open(done, "w").close()
                seconds["input"] = time.perf_counter() - t
            # The Parquet files alone, in name order (the table's order): not the
            # engine's own markers, which the scan would count as passed over.
            parts = sorted(
                name for name in os.listdir(input_dir)
                if name.endswith(".parquet") and not name.startswith((".", "_"))
            )
            paths = [os.path.join(input_dir, name) for name in parts] or [input_dir]
        else:
            paths = list(paths_or_writer)
        work = os.path.join(root, "stages")
        _reprint.scan_work(work, paths, settings, memory_limit)

        def task(stage, world):
            return lambda rank: run_shard(work, paths, cwd, settings, stage, rank, world)

        for stage, world in [("store", 1)] + [(s, partitions) for s in SHARDED_STAGES]:
            t = time.perf_counter()
            run_tasks(stage, world, task(stage, world))
            seconds[stage] = time.perf_counter() - t
        t = time.perf_counter()
        text = _reprint.scan_report(work, paths, settings, "json")
        seconds["report"] = time.perf_counter() - t
        return ScanRun(text, seconds)
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)


def run_cli(args, scan, **engine):
    """The body of ``python -m reprint.<engine> scan``: runs ``scan`` on
    ``args.inputs``, writes ``args.out``/scan.json and says on stderr what it wrote
    and how long each stage took."""
    os.makedirs(args.out, exist_ok=True)
    result = scan(
        args.inputs,
        partitions=args.partitions,
        work_dir=args.work_dir,
        memory_limit=args.memory_limit,
        **engine,
        **scan_kwargs(args),
    )
    path = os.path.join(args.out, "scan.json")
    result.write(path)
    report = result.report()
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    print(
        f"{len(report.get('clusters', []))} reuse clusters; wrote {path} ({stages})",
        file=sys.stderr,
    )
    return 0


def add_cli(sub, engine, address_help):
    """The ``scan`` command of ``python -m reprint.<engine>``."""
    s = sub.add_parser("scan", help="passages reused across the inputs, clustered")
    s.add_argument("inputs", nargs="+", metavar="INPUT", help="files and folders, as the CLI reads them")
    s.add_argument("--out", required=True, metavar="DIR", help="folder for scan.json (made if missing)")
    s.add_argument("--min-words", type=int)
    s.add_argument("--ngram", type=int)
    s.add_argument("--min-shared", type=int)
    s.add_argument("--max-df", type=int)
    s.add_argument("--date-field")
    s.add_argument("--source-field")
    s.add_argument("--boilerplate-min-docs", type=int)
    s.add_argument("--strip-diacritics", action="store_true")
    s.add_argument("--id-field")
    s.add_argument("--text-field", default="text")
    s.add_argument("--strict", action="store_true")
    s.add_argument("--partitions", type=int, help="tasks per stage (default: the engine's parallelism)")
    s.add_argument(
        "--work-dir",
        metavar="DIR",
        help="run the staged scan in this work folder, which every worker sees at the same "
        "path (kept, so that a rerun resumes; default: the stages on the engine's shuffle)",
    )
    s.add_argument(
        "--memory-limit",
        type=int,
        metavar="BYTES",
        help="bytes one task of a staged scan may hold (with --work-dir)",
    )
    s.add_argument(engine == "spark" and "--master" or "--address", help=address_help)


def scan_kwargs(args):
    """The scan settings of parsed command-line arguments."""
    return dict(
        min_words=args.min_words,
        ngram=args.ngram,
        min_shared=args.min_shared,
        max_df=args.max_df,
        date_field=args.date_field,
        source_field=args.source_field,
        boilerplate_min_docs=args.boilerplate_min_docs,
        strip_diacritics=args.strip_diacritics,
        id_field=args.id_field,
        text_field=args.text_field,
        strict=args.strict,
    )
