"""dedup, scan, align and Index: the jobs of the ``reprint`` command line for Python.

Records go to the Rust core as the CLI reads them, with no temporary file. Python
dicts and texts are handed over in memory (``_reprint.dedup_records``,
``scan_records``, ``index_add``, ``IndexReader.check_records``): the core walks them
and reads them as the JSON Lines file of them, through the library's one ingest path,
with no ``json.dumps`` per record. A pyarrow Table is written as Parquet into memory
(columnar, no per-row Python objects) and read by the core as a Parquet file. The
reports are written by the library's own report writers, so every result has exactly
the structure and content of the CLI's JSON.
"""

import json
import os
from contextlib import contextmanager

from . import _reprint
from ._settings import dedup_settings, scan_settings

__all__ = ["dedup", "scan", "align", "Index"]


def _is_path(value):
    return isinstance(value, os.PathLike)


@contextmanager
def _job_input(records):
    """What a job reads: ``(paths, None)`` for a path or a list of paths, else
    ``(None, records)`` with the records (dicts or str texts) in a list, or, for a
    pyarrow Table, the bytes of the Parquet file of it, written in memory (the core
    reads its rows as it reads a Parquet file's, named ``<table>:ROW``)."""
    if isinstance(records, (str, bytes)):
        raise TypeError(
            "records must be an iterable of dicts or texts, a pyarrow Table, or a "
            "pathlib.Path (or list of paths) of input files; wrap a single text in a list"
        )
    if _is_path(records):
        yield [os.fspath(records)], None
        return
    if hasattr(records, "to_batches") and hasattr(records, "schema"):  # a pyarrow Table
        import pyarrow as pa
        import pyarrow.parquet as pq

        sink = pa.BufferOutputStream()
        pq.write_table(records, sink, compression="none")
        yield None, sink.getvalue().to_pybytes()
        return
    if not isinstance(records, list):
        records = list(records)
    if records and all(_is_path(r) for r in records):
        yield [os.fspath(r) for r in records], None
        return
    yield None, records


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def dedup(
    records,
    *,
    threshold=0.8,
    shingle=5,
    char_ngrams=None,
    num_perm=128,
    seed=1,
    bands=None,
    rows=None,
    keep="first",
    keep_by=None,
    id_field=None,
    text_field="text",
    strip_diacritics=False,
    strict=False,
    output="clusters",
):
    """Finds near-duplicate documents, like ``reprint dedup``.

    ``records``: an iterable of dicts (with ``id_field``, default ``"id"``, and
    ``text_field``) or of ``str`` texts (their ids are their positions), a pyarrow
    Table, or a ``pathlib.Path`` / list of paths of files and folders the CLI would
    read. The keyword arguments are the CLI's flags: ``threshold`` (minimum exact
    Jaccard similarity of shingle sets), ``shingle`` (words per shingle) or
    ``char_ngrams``, ``num_perm``, ``seed``, ``bands`` and ``rows`` (together),
    ``keep`` (``"first"`` or ``"longest"``) or ``keep_by`` (a field), ``strict``.

    Returns what ``reprint dedup --clusters`` writes, one dict per duplicate cluster
    (``output="pairs"``: what ``--pairs`` writes, one dict per verified pair).
    Raises :class:`reprint.ConfigError` for invalid settings.

    Dicts and texts are read exactly as the CLI reads a JSON Lines file of
    ``json.dumps(record)`` lines: the record at position ``p`` is line ``p + 1`` (its
    id when it has none). A record without a text is skipped (with ``strict=True``:
    :class:`reprint.InputError` ``"<records>:LINE: ..."``); a value JSON cannot hold
    (a set, NaN, an object) raises ``TypeError`` naming the record's position.
    """
    if output not in ("clusters", "pairs"):
        raise ValueError(f'output must be "clusters" or "pairs", not {output!r}')
    settings = dedup_settings(
        threshold=threshold,
        shingle=shingle,
        char_ngrams=char_ngrams,
        num_perm=num_perm,
        seed=seed,
        bands=bands,
        rows=rows,
        keep=keep,
        keep_by=keep_by,
        id_field=id_field,
        text_field=text_field,
        strip_diacritics=strip_diacritics,
        strict=strict,
    )
    with _job_input(records) as (paths, records):
        run = _reprint.dedup_paths if records is None else _reprint.dedup_records
        text = run(records if paths is None else paths, settings, pairs=output == "pairs")
    return _json_lines(text)


def scan(
    records,
    *,
    min_words=None,
    ngram=None,
    min_shared=None,
    max_df=None,
    date_field=None,
    source_field=None,
    boilerplate_min_docs=None,
    strip_diacritics=False,
    align_config=None,
    id_field=None,
    text_field="text",
    strict=False,
):
    """Finds passages reused across documents and groups them into clusters, like
    ``reprint scan``.

    ``records`` as for :func:`dedup`. The keyword arguments are the CLI's flags
    (``None`` keeps the CLI's default; ``source_field`` names the outlet, as
    ``--source-field``); ``align_config`` is a dict in the shape of ``reprint align
    --print-config``. Returns the report ``reprint scan --format json`` writes,
    parsed (a dict).
    """
    settings = scan_settings(
        min_words=min_words,
        ngram=ngram,
        min_shared=min_shared,
        max_df=max_df,
        date_field=date_field,
        source_field=source_field,
        boilerplate_min_docs=boilerplate_min_docs,
        strip_diacritics=strip_diacritics,
        align_config=align_config,
        id_field=id_field,
        text_field=text_field,
        strict=strict,
    )
    with _job_input(records) as (paths, records):
        run = _reprint.scan_paths if records is None else _reprint.scan_records
        text = run(records if paths is None else paths, settings)
    return json.loads(text)


def _char_offsets(text):
    """Maps byte offsets into ``text``'s UTF-8 encoding to ``str`` indices."""
    if text.isascii():
        return lambda offset: offset
    encoded = text.encode("utf-8")
    return lambda offset: len(encoded[:offset].decode("utf-8"))


def align(a, b, *, min_words=None, align_config=None, offsets="chars"):
    """The passages texts ``a`` and ``b`` share, even reworded, like ``reprint align``.

    Returns a list of dicts ``{"a": {"start", "end", "text"}, "b": {...},
    "similarity"}`` in the order of ``reprint align --format json``. Offsets index
    the Python strings (``a[start:end] == text``); ``offsets="bytes"`` gives the
    CLI's byte offsets into the UTF-8 texts instead.
    """
    if offsets not in ("chars", "bytes"):
        raise ValueError(f'offsets must be "chars" or "bytes", not {offsets!r}')
    passages = _reprint.align_texts(
        a,
        b,
        min_words=min_words,
        align_config=None if align_config is None else json.dumps(align_config),
    )
    ea, eb = a.encode("utf-8"), b.encode("utf-8")
    ca, cb = _char_offsets(a), _char_offsets(b)
    out = []
    for a_start, a_end, b_start, b_end, similarity in passages:
        pa = {"start": a_start, "end": a_end, "text": ea[a_start:a_end].decode("utf-8")}
        pb = {"start": b_start, "end": b_end, "text": eb[b_start:b_end].decode("utf-8")}
        if offsets == "chars":
            pa["start"], pa["end"] = ca(a_start), ca(a_end)
            pb["start"], pb["end"] = cb(b_start), cb(b_end)
        out.append({"a": pa, "b": pb, "similarity": similarity})
    return out


class Index:
    """The on-disk archive of ``reprint index add`` and ``reprint check``.

    ``Index(path, *, min_words=None, max_candidates=None, include_self=False)``: the
    index folder (created by the first :meth:`add`) and the settings of
    ``reprint check``. An index written here is read by the CLI and the other way
    round.
    """

    def __init__(self, path, *, min_words=None, max_candidates=None, include_self=False):
        self.path = os.fspath(path)
        self._check_settings = dict(
            min_words=min_words, max_candidates=max_candidates, include_self=include_self
        )
        self._reader = None

    def _open(self):
        if self._reader is None:
            self._reader = _reprint.IndexReader(self.path, **self._check_settings)
        return self._reader

    def add(
        self,
        records,
        *,
        replace=False,
        strict=False,
        shingle=None,
        max_df=None,
        strip_diacritics=False,
        id_field=None,
        text_field="text",
        merge=True,
    ):
        """Archives ``records`` (as for :func:`dedup`), like ``reprint index add``.

        ``replace``: replace documents whose id is archived with another text
        (otherwise they are conflicts, not stored); ``strict``: stop at the first
        bad record or conflict, leaving the index untouched; ``shingle``,
        ``max_df``, ``strip_diacritics``: parameters of a new index; ``merge``: merge
        small segments afterwards, as the CLI does unless ``--no-merge``.
        Returns a summary dict of counts.
        """
        with _job_input(records) as (paths, records):
            summary = _reprint.index_add(
                self.path,
                paths or [],
                records=records,
                replace=bool(replace),
                strict=bool(strict),
                shingle=shingle,
                max_df=max_df,
                strip_diacritics=bool(strip_diacritics),
                id_field=id_field,
                text_field=text_field,
                merge=bool(merge),
            )
        self._reader = None  # reopen: the index has new segments
        names = ("added", "replaced", "identical", "conflicts", "issues", "documents", "text_bytes")
        result = dict(zip(names, summary[:7]))
        result["conflict_ids"] = [{"id": i, "origin": o} for i, o in summary[7]]
        result["replaced_ids"] = list(summary[8])
        return result

    def check(self, text, id=None):
        """Which archived documents ``text`` copies from, how much and where: the
        dict ``reprint check --format json`` writes for one article (``id``, default
        ``"article"``, names it in the result)."""
        return json.loads(self._open().check_text("article" if id is None else str(id), text))

    def check_records(self, records, *, id_field=None, text_field="text", strict=False):
        """Checks every record (as for :func:`dedup`), like ``reprint check INDEX
        FILES --format json``: one dict per article, in input order."""
        with _job_input(records) as (paths, records):
            lines, _skipped = self._open().check_paths(
                paths or [], id_field=id_field, text_field=text_field, strict=bool(strict),
                records=records,
            )
        return [json.loads(line) for line in lines]

    @property
    def params(self):
        """The index's parameters: ``{"shingle_words", "max_df", "strip_diacritics"}``."""
        shingle_words, max_df, strip = self._open().params()
        return {"shingle_words": shingle_words, "max_df": max_df, "strip_diacritics": strip}

    def __repr__(self):
        return f"Index({self.path!r})"
