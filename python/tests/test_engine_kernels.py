"""The Arrow kernels the engines run (reprint._engine over reprint._reprint), chained
here in one process as an engine chains them: the clusters are reprint.dedup's."""

import json

import pyarrow as pa
import pytest

from reprint import _engine, _reprint, _settings, dedup
from reprint.errors import ConfigError

from conftest import SEEDS


def _records(seed_texts):
    texts = list(seed_texts.values())
    out = []
    for n, text in enumerate(texts):
        out.append({"id": f"a{n}", "text": text})
        out.append({"id": f"b{n}", "text": text.replace(" the ", " a ", 3) + " Reporting by staff."})
    out.append({"id": "empty", "text": ""})
    out.append({"id": "none", "text": None})
    return out


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
    sets = dict(zip(signed.column("record").to_pylist(), signed.column("set").to_pylist()))
    a, b = candidates.column("a").to_pylist(), candidates.column("b").to_pylist()
    joined = pa.RecordBatch.from_arrays(
        [pa.array(a, pa.int64()), pa.array(b, pa.int64()),
         pa.array([sets[x] for x in a], pa.list_(pa.int32())),
         pa.array([sets[x] for x in b], pa.list_(pa.int32()))],
        schema=_engine.VERIFY_INPUT_SCHEMA,
    )
    verified = pa.Table.from_batches([_engine.verify_pairs(joined, p["threshold"])])
    return _engine.components(verified, pa.Table.from_batches([signed]), config), signed


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
        _engine.components(pairs, _engine.SIGN_SCHEMA.empty_table(), _settings.dedup_settings())


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
