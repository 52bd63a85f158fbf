"""The Arrow kernels the engines run (reprint._engine over reprint._reprint), chained
here in one process as an engine chains them: the clusters are reprint.dedup's."""

import json

import pyarrow as pa
import pytest

from reprint import _engine, _reprint, _settings, dedup
from reprint.errors import ConfigError, InputChangedError, InputError

from conftest import SEEDS, json_lines, write_jsonl


def _records(seed_texts):
    texts = list(seed_texts.values())
    out = []
    for n, text in enumerate(texts):
        out.append({"id": f"a{n}", "text": text})
        out.append({"id": f"b{n}", "text": text.replace(" the ", " a ", 3) + " Reporting by staff."})
    out.append({"id": "empty", "text": ""})
    out.append({"id": "none", "text": None})
    return out


def _verified(signed, candidates, threshold):
    """The verify stage over ``candidates``, each pair joined with both sets of ``signed``."""
    sets = dict(zip(signed.column("record").to_pylist(), signed.column("set").to_pylist()))
    a, b = candidates.column("a").to_pylist(), candidates.column("b").to_pylist()
    joined = pa.RecordBatch.from_arrays(
        [pa.array(a, pa.int64()), pa.array(b, pa.int64()),
         pa.array([sets[x] for x in a], pa.list_(pa.int32())),
         pa.array([sets[x] for x in b], pa.list_(pa.int32()))],
        schema=_engine.VERIFY_INPUT_SCHEMA,
    )
    return pa.Table.from_batches([_engine.verify_pairs(joined, threshold)])


def _chain(records, **settings):
    config = _settings.dedup_settings(**settings)
    p = _engine.params(config)
    batch = pa.RecordBatch.from_pylist(
        [{"record": n, "id": r["id"], "text": r["text"]} for n, r in enumerate(records)],
        schema=pa.schema([("record", pa.int64()), ("id", pa.string()), ("text", pa.string())]),
    )
    signed = _engine.sign_records(batch, config)
    assert [(f.name, f.type) for f in signed.schema] == [(f.name, f.type) for f in _engine.SIGN_SCHEMA]
    rows = _engine.band_rows(signed)
    candidates = _engine.band_pairs([rows.slice(0, 7), rows.slice(7)], p["max_bucket"])
    verified = _verified(signed, candidates, p["threshold"])
    table = pa.Table.from_batches([signed])
    return _engine.components(verified, table, config, _engine.Tally.of_signed(table)), signed


def _chain_paths(paths, world=3, part_records=2, **settings):
    """The kernels over input paths, as an engine chains them: ``world`` sign shards,
    the band stage over all rows, verify with both sets, components on the driver."""
    config = _settings.dedup_settings(**settings)
    p = _engine.params(config)
    batches = []
    for rank in range(world):
        made, _records, _skipped = _reprint.sign_paths(paths, config, part_records, rank, world)
        batches += [pa.record_batch(b) for b in made]
    signed = pa.Table.from_batches(batches, schema=_engine.SIGN_SCHEMA)
    rows = [_engine.band_rows(b) for b in signed.to_batches()]
    candidates = _engine.band_pairs(rows, p["max_bucket"])
    verified = _verified(signed, candidates, p["threshold"])
    return _engine.components(
        verified, signed, config, _engine.Tally.of_signed(signed), paths,
        candidate_pairs=candidates.num_rows,
    )


#: Lines of a dump that cannot be used, one of each kind the ingest names.
BAD_LINES = ['{"id": "broken", "text": ', "[1, 2, 3]", '{"id": "notext"}', '{"id": [1], "text": "t"}']


def _messy_dump(path, seed_texts):
    """A JSON Lines dump of near-duplicates with unusable lines between them."""
    lines = [json.dumps(r) for r in _records(seed_texts)[:-1]]
    for n, bad in enumerate(BAD_LINES):
        lines.insert(2 + 3 * n, bad)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_run_over_paths_writes_the_files_of_the_cli(cli, seed_texts, tmp_path):
    dump = _messy_dump(tmp_path / "messy.jsonl", seed_texts)
    result = _chain_paths([str(dump)], threshold=0.5)
    out = tmp_path / "cli"
    out.mkdir()
    cli("dedup", dump, "--threshold", "0.5", "--clusters", out / "clusters.jsonl",
        "--pairs", out / "pairs.jsonl", "-o", out / "dedup.jsonl",
        "--summary-json", out / "summary.json")
    assert result.clusters_jsonl() == (out / "clusters.jsonl").read_text(encoding="utf-8")
    assert result.pairs_jsonl() == (out / "pairs.jsonl").read_text(encoding="utf-8")
    assert len(json_lines(result.pairs_jsonl())) == result.verified_pairs >= 5
    written = result.write_deduplicated(tmp_path / "dedup.jsonl")
    assert (tmp_path / "dedup.jsonl").read_bytes() == (out / "dedup.jsonl").read_bytes()
    assert written == len((out / "dedup.jsonl").read_text(encoding="utf-8").splitlines())
    # Every count the engine knows is the CLI's; so are the layout and the settings.
    want = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    got = json.loads(result.summary_json())
    assert {k: want["stats"][k] for k in got["stats"]} == got["stats"]
    assert got["stats"]["skipped"] == 4 and got["stats"]["documents_removed"] == 5
    assert got["stats"]["skipped_by_reason"] == {
        "bad_id": 1, "malformed_json": 1, "missing_text": 1, "not_an_object": 1,
    }
    assert got["config"] == want["config"] and got["command"] == "dedup"
    assert set(got["seconds"]) >= {"cluster", "total"}
    # Each unusable record is named by file and line.
    messages = result.unusable.column("message").to_pylist()
    assert len(messages) == 4 and all(f"{dump}:" in m for m in messages)


def test_the_deduplicated_dump_is_refused_when_a_member_changed(seed_texts, tmp_path):
    dump = _messy_dump(tmp_path / "messy.jsonl", seed_texts)
    result = _chain_paths([str(dump)], threshold=0.5)
    with pytest.raises(ConfigError, match="is an input"):
        result.write_deduplicated(dump)
    lines = dump.read_text(encoding="utf-8").splitlines()
    member = next(n for n, line in enumerate(lines) if line.startswith('{"id": "b1"'))
    lines[member] = lines[member].replace("Reporting by staff.", "Reporting by desk.")
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputChangedError):
        result.write_deduplicated(tmp_path / "dedup.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.jsonl"]
    # One record more than the first read saw.
    dump.write_text("\n".join(lines + [json.dumps({"id": "new", "text": "x"})]) + "\n")
    result = _chain_paths([str(dump)], threshold=0.5)
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputChangedError):
        result.write_deduplicated(tmp_path / "dedup.jsonl")


def test_unusable_records_are_counted_and_strict_stops_at_the_first(seed_texts, tmp_path):
    records = _records(seed_texts)
    result, _ = _chain(records, threshold=0.5)
    assert result.stats["skipped"] == 1 and result.stats["skipped_by_reason"] == {"missing_text": 1}
    assert result.stats["documents"] == len(records) - 1 and result.stats["empty_documents"] == 1
    assert "record 11" in result.unusable.column("message")[0].as_py()
    with pytest.raises(ConfigError, match="run over paths"):
        result.write_deduplicated(tmp_path / "out.jsonl")
    with pytest.raises(InputError, match="missing"):
        _chain(records, threshold=0.5, strict=True)
    dump = _messy_dump(tmp_path / "messy.jsonl", seed_texts)
    with pytest.raises(InputError, match="malformed JSON"):
        _reprint.sign_paths([str(dump)], _settings.dedup_settings(strict=True), 2, 0, 1)


def test_kernels_chained_give_the_clusters_of_dedup(seed_texts):
    records = _records(seed_texts)
    result, signed = _chain(records, threshold=0.5)
    want = dedup([r for r in records if r["text"] is not None], threshold=0.5)
    assert result.clusters() == want
    assert len(want) == 5
    # The unusable record keeps its row, with a null id; the empty one has no shingles.
    assert signed.column("id").to_pylist()[-1] is None
    assert signed.column("shingles").to_pylist()[-2] == 0
    assert sorted(result.removed.to_pylist()) == [1, 3, 5, 7, 9]


def test_keep_longest_and_keep_by_choose_as_dedup_does(seed_texts):
    records = _records(seed_texts)[:-1]
    result, _ = _chain(records, threshold=0.5, keep="longest")
    assert result.clusters() == dedup(records, threshold=0.5, keep="longest")
    assert all(c["kept"].startswith("b") for c in result.clusters())


def test_sign_paths_shards_cover_the_inputs_once():
    config = _settings.dedup_settings()
    seen = []
    for rank in range(3):
        batches, records, skipped = _reprint.sign_paths([str(SEEDS)], config, 2, rank, 3)
        assert records == 5 and skipped == {}
        for b in batches:
            seen += pa.record_batch(b).column("record").to_pylist()
    assert sorted(seen) == [0, 1, 2, 3, 4]


def test_kernels_refuse_columns_of_another_type_and_bad_settings():
    bad = pa.RecordBatch.from_pylist([{"record": "x", "id": "a", "text": "t"}])
    with pytest.raises(ValueError, match="record"):
        _reprint.sign_batch(bad, _settings.dedup_settings())
    with pytest.raises(ConfigError):
        _settings.dedup_settings(threshold=1.5)
    with pytest.raises(ValueError, match="keep"):
        _settings.dedup_settings(keep="shortest")


def test_components_refuses_more_pairs_than_the_driver_limit(monkeypatch):
    monkeypatch.setattr(_engine, "DRIVER_PAIRS_LIMIT", 1)
    pairs = pa.table({"a": pa.array([0, 0], pa.int64()), "b": pa.array([1, 2], pa.int64())})
    with pytest.raises(ConfigError, match="DRIVER_PAIRS_LIMIT"):
        _engine.components(
            pairs, _engine.SIGN_SCHEMA.empty_table(), _settings.dedup_settings(), _engine.Tally()
        )


def test_an_arrow_batch_is_read_through_the_capsule_protocol():
    config = _settings.dedup_settings()
    batch = pa.RecordBatch.from_pylist(
        [{"record": 0, "id": "a", "text": "one two three four five six"}],
        schema=pa.schema([("record", pa.int64()), ("id", pa.string()), ("text", pa.string())]),
    )
    out = _reprint.sign_batch(batch, config)
    assert out.num_rows == 1
    again = pa.record_batch(out)
    assert again.column("shingles").to_pylist() == [2]
    assert json.loads(json.dumps(again.column("keys").to_pylist()))[0].__len__() == _engine.params(config)["bands"]
