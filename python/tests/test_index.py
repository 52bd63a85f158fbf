"""reprint.Index reads and writes the CLI's on-disk index."""

import pytest

import reprint
from conftest import json_lines, write_jsonl


@pytest.fixture()
def archive(seed_texts):
    return [{"id": name, "text": text} for name, text in seed_texts.items()]


@pytest.fixture()
def articles(seed_texts):
    """Articles to check: one quoting two archived ones, one copying one, one new."""
    texts = list(seed_texts.values())
    quote = lambda t, n: " ".join(t.split()[:n])
    return [
        {"id": "quotes", "text": "An introduction of our own. " + quote(texts[0], 90) + " Then " + quote(texts[2], 70)},
        {"id": "copy", "text": texts[4]},
        {"id": "new", "text": " ".join(f"fresh{i} words here" for i in range(80))},
    ]


def check_with_cli(cli, index, articles, tmp_path):
    path = write_jsonl(tmp_path / "articles.jsonl", articles)
    return json_lines(cli("check", index, path, "--format", "json"))


def test_index_built_by_python_is_checked_by_the_cli_identically(cli, archive, articles, tmp_path):
    index = reprint.Index(tmp_path / "archive.idx")
    summary = index.add(archive)
    assert summary["added"] == 5 and summary["documents"] == 5
    expected = check_with_cli(cli, tmp_path / "archive.idx", articles, tmp_path)
    assert index.check_records(articles) == expected
    assert [index.check(a["text"], id=a["id"]) for a in articles] == expected
    assert expected[0]["sources"], "the quoting article must find its sources"


def test_index_built_by_the_cli_is_checked_by_python_identically(cli, archive, articles, tmp_path):
    path = write_jsonl(tmp_path / "archive.jsonl", archive)
    cli("index", "add", tmp_path / "archive.idx", path)
    expected = check_with_cli(cli, tmp_path / "archive.idx", articles, tmp_path)
    index = reprint.Index(tmp_path / "archive.idx")
    assert index.check_records(articles) == expected
    assert index.params["shingle_words"] > 0


def test_adds_from_python_and_the_cli_mix(cli, archive, articles, tmp_path):
    idx = tmp_path / "archive.idx"
    reprint.Index(idx).add(archive[:3])
    cli("index", "add", idx, write_jsonl(tmp_path / "rest.jsonl", archive[3:]))
    summary = reprint.Index(idx).add(archive)  # all already archived, identical
    assert summary["identical"] == 5 and summary["added"] == 0
    one_go = tmp_path / "one.idx"
    cli("index", "add", one_go, write_jsonl(tmp_path / "all.jsonl", archive))
    assert reprint.Index(idx).check_records(articles) == reprint.Index(one_go).check_records(articles)


def test_conflicts_and_replace(archive, tmp_path):
    index = reprint.Index(tmp_path / "archive.idx")
    index.add(archive)
    changed = [{"id": archive[0]["id"], "text": "a different text " * 30}]
    summary = index.add(changed)
    assert summary["conflicts"] == 1 and summary["conflict_ids"][0]["id"] == archive[0]["id"]
    with pytest.raises(reprint.IdConflictError):
        index.add(changed, strict=True)
    assert index.add(changed, replace=True)["replaced"] == 1


def test_records_and_tables_are_read_in_memory_and_named_so(archive, articles, tmp_path):
    import pyarrow as pa

    index = reprint.Index(tmp_path / "archive.idx")
    index.add(pa.Table.from_pylist(archive))
    assert index.check_records(pa.Table.from_pylist(articles)) == index.check_records(articles)
    # A conflict names where the record was read: the records' own place, no file.
    summary = index.add([{"id": "x", "text": "padding " * 40}, {"id": archive[1]["id"], "text": "other " * 40}])
    assert summary["conflict_ids"] == [{"id": archive[1]["id"], "origin": "<records>:2"}]
    summary = index.add(pa.Table.from_pylist([{"id": archive[2]["id"], "text": "another " * 40}]))
    assert summary["conflict_ids"] == [{"id": archive[2]["id"], "origin": "<table>:1"}]
    # A record without a text is skipped and counted, from a table as from records.
    table = pa.table({"id": ["y", "z"], "text": ["fresh words " * 30, None]})
    assert index.add(table)["issues"] == 1


def test_index_errors_are_typed(archive, tmp_path):
    with pytest.raises(reprint.NotAnIndexError):
        reprint.Index(tmp_path / "absent.idx").check("some text")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("not an index")
    with pytest.raises(reprint.NotAnIndexError):
        reprint.Index(tmp_path / "other").add(archive)
    idx = tmp_path / "archive.idx"
    reprint.Index(idx).add(archive)
    with pytest.raises(reprint.IncompatibleError):
        reprint.Index(idx).add(archive, shingle=9)
    manifest = next(p for p in idx.iterdir() if "manifest" in p.name.lower())
    data = bytearray(manifest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    manifest.write_bytes(bytes(data))
    with pytest.raises(reprint.CorruptError) as err:
        reprint.Index(idx).check("some text")
    assert isinstance(err.value, reprint.ReprintError)
