"""reprint.dedup, scan, align and Index give exactly what the CLI writes."""

import json
import os
import subprocess

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
    # Without an id column, a row's id is its place in the table, as a Parquet file's.
    untitled = reprint.dedup(table.drop_columns(["id"]))
    assert [m["doc"] for m in untitled[0]["members"]] == ["1", "6"], untitled[0]
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


@pytest.fixture()
def rich_records(news_records):
    """The news records with the fields a dump carries besides id and text: dates,
    a keep-by score, lists, nested objects, nulls, booleans, floats, a record without
    an id, a non-ASCII article and its near-copy."""
    records = []
    for i, r in enumerate(news_records):
        records.append(
            {
                **r,
                "published": f"2024-03-{i + 1:02d}T08:00:00Z",
                "score": (i * 7) % 5,
                "tags": ["news", i, None, True],
                "meta": {"weight": i / 3, "big": 2**70, "draft": False, "note": None},
            }
        )
    french = " ".join(
        f"Le conseil municipal a voté {i} mesures déjà prévues pour l'été — «café» n°{i}."
        for i in range(40)
    )
    records.append({"id": "fr", "text": french, "published": "2024-03-20", "score": 1})
    records.append({"text": edited(french), "published": "2024-03-21", "score": 9})
    return records


def test_dict_records_with_extra_fields_equal_the_cli(cli, rich_records, tmp_path):
    path = write_jsonl(tmp_path / "rich.jsonl", rich_records)
    expected = json_lines(cli("dedup", path, "--clusters", "-"))
    assert len(expected) == 3, "the near-copies of a0, a3 and the French article"
    assert reprint.dedup(rich_records) == expected
    flags = ["--keep-by", "score", "--threshold", "0.6"]
    assert reprint.dedup(rich_records, keep_by="score", threshold=0.6) == json_lines(
        cli("dedup", path, *flags, "--clusters", "-")
    )
    assert reprint.dedup(rich_records, output="pairs") == json_lines(cli("dedup", path, "--pairs", "-"))
    report = reprint.scan(rich_records, date_field="published")
    assert report == json.loads(cli("scan", path, "--format", "json", "--date-field", "published"))
    assert [d["doc"] for d in report["documents"]][-1] == str(len(rich_records)), (
        "a record without an id is named by its line, its position counting from 1"
    )


def test_str_records_and_generators_equal_the_cli(cli, rich_records, tmp_path):
    texts = [r["text"] for r in rich_records]
    path = write_jsonl(tmp_path / "texts.jsonl", [{"id": i, "text": t} for i, t in enumerate(texts)])
    expected = json_lines(cli("dedup", path, "--clusters", "-"))
    assert expected and reprint.dedup(texts) == expected
    assert reprint.dedup(t for t in texts) == expected
    assert reprint.dedup(iter(texts)) == expected
    assert reprint.scan(t for t in texts) == json.loads(cli("scan", path, "--format", "json"))
    # Texts under other field names: the str records take them.
    renamed = write_jsonl(tmp_path / "renamed.jsonl", [{"doc": i, "body": t} for i, t in enumerate(texts)])
    assert reprint.dedup(texts, id_field="doc", text_field="body") == json_lines(
        cli("dedup", renamed, "--id-field", "doc", "--text-field", "body", "--clusters", "-")
    )


def test_empty_records_equal_the_cli(cli, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    assert reprint.dedup([]) == json_lines(cli("dedup", path, "--clusters", "-")) == []
    assert reprint.dedup(iter(())) == []
    assert reprint.scan([]) == json.loads(cli("scan", path, "--format", "json"))


def test_bad_records_are_skipped_or_stop_a_strict_run_as_in_the_cli(cli, rich_records, tmp_path):
    bad = [*rich_records[:3], {"id": "no-text", "body": "x"}, *rich_records[3:]]
    path = write_jsonl(tmp_path / "bad.jsonl", bad)
    assert reprint.dedup(bad) == json_lines(cli("dedup", path, "--clusters", "-"))
    assert reprint.scan(bad) == json.loads(cli("scan", path, "--format", "json"))
    for job in (reprint.dedup, reprint.scan):
        with pytest.raises(reprint.InputError) as err:
            job(bad, strict=True)
        # The record at position 3 is the fourth line of the dump.
        assert str(err.value).startswith("<records>:4: "), str(err.value)
    done = subprocess.run(
        [os.environ["REPRINT_BIN"], "--quiet", "dedup", str(path), "--strict", "--clusters", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    problem = str(err.value).removeprefix("<records>:4: ")
    assert f"{path}:4: {problem}" in done.stderr, (done.stderr, problem)


@pytest.mark.parametrize(
    "value, message",
    [
        ({1, 2}, "record 2: Object of type set is not JSON serializable"),
        (float("nan"), "record 2: out of range float values are not JSON compliant: nan"),
        (float("-inf"), "record 2: out of range float values are not JSON compliant: -inf"),
        ({(1, 2): "x"}, "record 2: keys must be str, int, float, bool or None, not tuple"),
        (b"bytes", "record 2: Object of type bytes is not JSON serializable"),
    ],
)
def test_values_json_cannot_hold_raise_type_error_naming_the_record(news_records, value, message):
    records = [*news_records[:2], {"id": "odd", "text": "some words", "extra": [{"deep": value}]}]
    with pytest.raises(TypeError) as err:
        reprint.dedup(records)
    assert str(err.value) == message
    with pytest.raises(TypeError, match="record 1 is a list: records are dicts or str texts"):
        reprint.scan([news_records[0], ["not", "a", "record"]])


def test_json_values_are_written_as_json_dumps_writes_them(cli, tmp_path):
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    class Tagged(dict):
        pass

    text = "Tabs\tquotes \" backslashes \\ newlines\n\r and \u2028 separators, \x00 and émoji 🎉 " * 20
    records = [
        {"id": 2**64 + 1, "text": text, "level": Level.HIGH},
        Tagged(id=1.5e16, text=text + " more", keys={1: "int", 2.5: "float", None: "none", False: "bool"}),
        {"id": -7, "text": text, "tuple": (1, 2.0, "three")},
    ]
    path = write_jsonl(tmp_path / "values.jsonl", records)
    expected = json_lines(cli("dedup", path, "--pairs", "-", "--threshold", "0.5"))
    assert len(expected) == 3, expected
    assert reprint.dedup(records, output="pairs", threshold=0.5) == expected
    cyclic = {"id": "c", "text": "t"}
    cyclic["self"] = cyclic
    with pytest.raises(ValueError, match="record 0: nested more than 1000 levels deep"):
        reprint.dedup([cyclic])
    with pytest.raises(ValueError, match="record 1: a str is not valid Unicode"):
        reprint.dedup([{"text": "fine"}, {"text": "lone \ud800 surrogate"}])


def test_scan_source_field_names_the_outlets_as_the_cli_does(cli, tmp_path):
    texts = sorted(p for p in SEEDS.iterdir() if p.suffix == ".txt")
    records = [
        {"id": p.name, "text": p.read_text(encoding="utf-8"), "outlet": f"outlet-{n % 2}",
         "date": f"2022-01-0{n + 1}T10:00:00Z"}
        for n, p in enumerate(texts)
    ]
    dump = tmp_path / "seeds.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    want = json.loads(cli("scan", dump, "--source-field", "outlet", "--date-field", "date",
                          "--format", "json"))
    got = reprint.scan(records, source_field="outlet", date_field="date")
    assert got == want
    assert [o["outlet"] for o in got["attribution"]["outlets"]] == ["outlet-0", "outlet-1"]
