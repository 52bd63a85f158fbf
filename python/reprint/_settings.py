"""The settings of the jobs: the one place that turns the keyword arguments of
:func:`reprint.dedup` and :func:`reprint.scan` (and of the engines' ``dedup`` and
``scan``) into the JSON the extension reads into the library's configuration."""

import json

from . import _reprint


def dedup_settings(
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
):
    """The dedup settings as the extension's functions take them (JSON), with
    :func:`reprint.dedup`'s names and defaults; checked here, so that a bad one fails
    before any record is read (on an engine: on the driver, not in a task)."""
    text = json.dumps(
        {
            "threshold": float(threshold),
            "shingle": int(shingle),
            "char_ngrams": None if char_ngrams is None else int(char_ngrams),
            "num_perm": int(num_perm),
            "seed": int(seed),
            "bands": None if bands is None else int(bands),
            "rows": None if rows is None else int(rows),
            "keep": keep,
            "keep_by": keep_by,
            "id_field": id_field,
            "text_field": text_field,
            "strip_diacritics": bool(strip_diacritics),
            "strict": bool(strict),
        }
    )
    _reprint.dedup_params(text)
    return text


def scan_settings(
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
    """The scan settings as the extension's functions take them (JSON), with
    :func:`reprint.scan`'s names and defaults; checked here, so that a bad one fails
    before any record is read (on an engine: on the driver, not in a task)."""
    text = json.dumps(
        {
            "min_words": min_words,
            "ngram": ngram,
            "min_shared": min_shared,
            "max_df": max_df,
            "date_field": date_field,
            "source_field": source_field,
            "boilerplate_min_docs": boilerplate_min_docs,
            "strip_diacritics": bool(strip_diacritics),
            "align_config": align_config,
            "id_field": id_field,
            "text_field": text_field,
            "strict": bool(strict),
        }
    )
    return _reprint.scan_settings(text)
