"""The scan stages as Arrow kernels, for an engine that moves the rows between
them with its own shuffle (``reprint.spark.scan``): each function takes and returns
pyarrow record batches and runs the Rust kernel without the GIL.

The tables, in the order of the stages (Spark DDL; engines have no unsigned
integers, so line keys and n-gram hashes are the bits of the unsigned values):

- :data:`DOCS_DDL`: one row per usable document (its part, its place in the part,
  id, text, size, date, outlet, encoding), and per read task one summary row
  (``part`` −1, ``summary`` the task's counts as JSON);
- :data:`LINES_DDL`: the short lines of each document, by ``key``;
- :data:`BOILERPLATE_DDL`: the places of the boilerplate lines (``kind`` 0 a line
  repeated in a document, 1 a line common to many documents, 2 a passage repeated
  in one document);
- :data:`GRAMS_DDL`: each document's distinct unmasked n-grams (``gram``) and its
  repeats (``gram`` null, ``seq`` their order, the two spans);
- :data:`COUNTS_DDL`, :data:`CANDIDATES_DDL`: pairs of documents and the n-grams
  they share (``a < b``);
- :data:`PASSAGES_DDL`: the aligned passages of each candidate pair, in alignment
  order (``seq``).

A kernel that groups (boilerplate, pair counts, pair sums) must be given every row
of its keys: the engine partitions by the key first.
"""

import os

import pyarrow as pa

from . import _reprint

DOCS_DDL = (
    "part long, pos long, id string, text string, text_bytes long, date string, "
    "date_seconds long, date_nanos int, outlet string, encoding string, summary string"
)
LINES_DDL = "key long, doc long, line_start long, line_end long"
BOILERPLATE_DDL = "key long, kind byte, doc long, line_start long, line_end long"
GRAMS_DDL = (
    "gram int, doc long, seq int, first_start long, first_end long, "
    "second_start long, second_end long"
)
COUNTS_DDL = "a long, b long, n long"
CANDIDATES_DDL = "a long, b long, shared long"
PASSAGES_DDL = (
    "a long, b long, seq int, a_start long, a_end long, b_start long, b_end long, "
    "similarity double"
)
#: Bytes of text per shuffle partition of a scan on an engine's shuffle: a
#: partition's n-gram rows take several times its text (a row per distinct n-gram),
#: and an engine task holds a whole partition, so the stages after read run in at
#: least one partition per this many bytes of text (see :func:`shuffle_partitions`).
SHUFFLE_TEXT_BYTES = 16 << 20


def shuffle_partitions(partitions, text_bytes):
    """The partitions of the stages after read: ``partitions`` (the tasks the caller
    asked for), or more when the documents' ``text_bytes`` need more to keep each
    near :data:`SHUFFLE_TEXT_BYTES`."""
    return max(int(partitions), -(-int(text_bytes or 0) // SHUFFLE_TEXT_BYTES))


#: The document columns the report takes besides the text.
META_COLUMNS = ["doc", "id", "text_bytes", "date", "date_seconds", "date_nanos", "outlet", "encoding"]


def _plain_type(t):
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(_plain_type(t.value_type))
    return t


def plain(batch):
    """``batch`` with large strings and large lists as plain ones (the kernels read
    32-bit offsets; an engine may hand over either)."""
    batch = pa.record_batch(batch)
    if all(_plain_type(f.type) == f.type for f in batch.schema):
        return batch
    columns = [c.cast(_plain_type(c.type)) for c in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _batches(tables):
    out = []
    for t in tables:
        if isinstance(t, pa.Table):
            out.extend(plain(b) for b in t.to_batches())
        else:
            out.append(plain(t))
    return out


def read_paths(paths, cwd, settings, part_records, rank, world):
    """The document batches of read shard ``rank`` of ``world`` over ``paths``
    (relative paths resolved in ``cwd``, the driver's working folder, so that ids
    are the CLI's), the last ending with the task's summary row."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        batches = _reprint.scan_read_paths(paths, settings, int(part_records), int(rank), int(world))
    finally:
        os.chdir(here)
    return [pa.record_batch(b) for b in batches]


def read_batch(batch, settings, part, display):
    """The document batches of a batch of an engine's table (one record per row), as
    part ``part``; the last ends with the summary row."""
    return [pa.record_batch(b) for b in _reprint.scan_read_batch(plain(batch), settings, int(part), display)]


def offsets(summaries, settings):
    """``[(part, first document)]`` from every read task's summary."""
    return _reprint.scan_offsets(list(summaries), settings)


def lines(batch, settings):
    return pa.record_batch(_reprint.scan_lines(plain(batch), settings))


def boilerplate(batches, settings):
    return pa.record_batch(_reprint.scan_boilerplate(_batches(batches), settings))


def grams(batch, settings):
    return pa.record_batch(_reprint.scan_grams(plain(batch), settings))


def pair_counts(batches, settings):
    return pa.record_batch(_reprint.scan_pair_counts(_batches(batches), settings))


def sum_pairs(batches, settings):
    return pa.record_batch(_reprint.scan_sum_pairs(_batches(batches), settings))


def align(batch, settings):
    return pa.record_batch(_reprint.scan_align(plain(batch), settings))


def report_docs(boilerplate_rows, repeat_rows, passage_rows):
    """The documents whose texts the report quotes."""
    return _reprint.scan_report_docs(
        _batches(boilerplate_rows), _batches(repeat_rows), _batches(passage_rows)
    )


def report(meta, texts, boilerplate_rows, repeat_rows, passage_rows, candidate_pairs, summaries, settings):
    """The report (the text of ``reprint scan --format json``) of the gathered rows."""
    return _reprint.scan_report_rows(
        _batches(meta),
        _batches(texts),
        _batches(boilerplate_rows),
        _batches(repeat_rows),
        _batches(passage_rows),
        int(candidate_pairs),
        list(summaries),
        settings,
    )
