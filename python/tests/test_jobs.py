"""reprint.dedup, scan, align and Index give exactly what the CLI writes."""

import json
import pathlib

import pyarrow as pa
import pytest

import reprint
from conftest import SEEDS, json_lines, write_jsonl


def edited(text, every=100):
    """A near-copy of ``text``: every ``every``-th word changed."""
    words = text.split()
    return " ".join("CHANGED" if i % every == every - 1 else w for i, w in enumerate(words))


@pytest.fixture()
def news_records(seed_texts):
    """The five articles, a near-copy of two of them, and a passage reused in another."""
    texts = list(seed_texts.values())
    records = [{"id": f"a{i}", "text": t} for i, t in enumerate(texts)]
    records.append({"id": "copy-of-a0", "text": edited(texts[0])})
    records.append({"id": "copy-of-a3", "text": edited(texts[3], every=60)})
    passage = " ".join(texts[1].split()[:120])
    records.append({"id": "quotes-a1", "text": "A new opening paragraph about other matters. " + passage})
    return records


def test_dedup_of_the_seed_folder_equals_the_cli(cli):
    # The five articles are not near-duplicates of each other: no cluster on either side.
    assert reprint.dedup(SEEDS) == json_lines(cli("dedup", SEEDS, "--clusters", "-")) == []


def test_dedup_of_records_equals_the_cli(cli, news_records, tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", news_records)
    expected = json_lines(cli("dedup", path, "--clusters", "-"))
    assert reprint.dedup(news_records) == expected
    assert len(expected) == 2, "each near-copy makes a cluster with its original"


def test_dedup_options_and_pairs_equal_the_cli(cli, news_records, tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", news_records)
    flags = ["--threshold", "0.5", "--shingle", "3", "--num-perm", "64", "--keep", "longest"]
    ours = dict(threshold=0.5, shingle=3, num_perm=64, keep="longest")
    assert reprint.dedup(news_records, **ours) == json_lines(cli("dedup", path, *flags, "--clusters", "-"))
    assert reprint.dedup(news_records, output="pairs", **ours) == json_lines(
        cli("dedup", path, *flags, "--pairs", "-")
    )


def test_dedup_takes_texts_and_arrow_tables(news_records):
    expected = reprint.dedup(news_records)
    table = pa.Table.from_pylist(news_records)
    assert reprint.dedup(table) == expected
    # A timestamp column (no JSON value in Python) reads as its ISO text, as in the CLI.
    dated = table.append_column(
        "published", pa.array([1641340800 + 3600 * i for i in range(len(table))], pa.timestamp("s"))
    )
    assert reprint.dedup(dated) == expected
    report = reprint.scan(dated, date_field="published")
    assert report["documents"][0]["date"] == "2022-01-05T00:00:00", report["documents"][0]
    texts = [r["text"] for r in news_records]
    by_position = reprint.dedup(texts)
    assert len(by_position) == len(expected)


def test_scan_of_the_seed_folder_equals_the_cli(cli):
    report = reprint.scan(SEEDS)
    assert report == json.loads(cli("scan", SEEDS, "--format", "json"))
    assert len(report["documents"]) == 5 and report["clusters"], "the seeds share passages"


def test_scan_of_records_equals_the_cli(cli, news_records, tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", news_records)
    expected = json.loads(cli("scan", path, "--format", "json"))
    assert reprint.scan(news_records) == expected
    assert reprint.scan(news_records, min_words=20) == json.loads(
        cli("scan", path, "--format", "json", "--min-words", "20")
    )


def test_align_equals_the_cli(cli, seed_texts, tmp_path):
    a = next(iter(seed_texts.values()))
    b = "Some other words first. " + edited(a, every=30)
    pa_, pb_ = tmp_path / "a.txt", tmp_path / "b.txt"
    pa_.write_text(a, encoding="utf-8")
    pb_.write_text(b, encoding="utf-8")
    expected = json.loads(cli("align", pa_, pb_, "--format", "json"))["passages"]
    assert expected, "the edited copy must align"
    assert reprint.align(a, b, offsets="bytes") == expected
    for p in reprint.align(a, b):
        assert a[p["a"]["start"] : p["a"]["end"]] == p["a"]["text"]
        assert b[p["b"]["start"] : p["b"]["end"]] == p["b"]["text"]


def test_align_offsets_index_python_strings():
    a = "Café déjà vu: " + " ".join(f"mot{i} élan" for i in range(60))
    b = "Préambule — " + a
    passages = reprint.align(a, b)
    assert passages
    for p in passages:
        assert a[p["a"]["start"] : p["a"]["end"]] == p["a"]["text"]
        assert b[p["b"]["start"] : p["b"]["end"]] == p["b"]["text"]
    as_bytes = reprint.align(a, b, offsets="bytes")
    assert [p["a"]["text"] for p in as_bytes] == [p["a"]["text"] for p in passages]
    assert as_bytes[0]["b"]["start"] > passages[0]["b"]["start"]


def test_invalid_settings_raise_config_error(news_records):
    with pytest.raises(reprint.ConfigError) as err:
        reprint.dedup(news_records, threshold=1.5)
    assert isinstance(err.value, ValueError) and isinstance(err.value, reprint.ReprintError)
    with pytest.raises(reprint.ConfigError):
        reprint.dedup(news_records, text_field="body")
    with pytest.raises(ValueError):
        reprint.dedup(news_records, keep="oldest")
    with pytest.raises(TypeError):
        reprint.dedup("a single string")
    with pytest.raises(ValueError):
        reprint.align("a", "b", align_config={"no_such_field": 1})


def test_missing_input_raises_io_error(tmp_path):
    with pytest.raises(reprint.IoError) as err:
        reprint.dedup(tmp_path / "missing.jsonl")
    assert isinstance(err.value, OSError)
