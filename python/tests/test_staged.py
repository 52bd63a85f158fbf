"""The staged scan's stage functions that the engines schedule
(``reprint._staged``), run here shard by shard in this process: the report is the
CLI's, a partial run is refused with the stage it misses, and a rerun resumes."""

import json

import pytest

import reprint
from reprint import _reprint, _settings, _staged
from conftest import SEEDS


def in_order(calls):
    """``run_tasks`` that runs every shard here, in rank order, and notes it."""

    def run_tasks(stage, world, task):
        calls.append((stage, world, [task(rank) for rank in range(world)]))

    return run_tasks


def test_stages_shard_by_shard_give_the_cli_report(cli, tmp_path):
    want = cli("scan", SEEDS, "--format", "json")
    calls = []
    settings = _settings.scan_settings()
    got = _staged.run([str(SEEDS)], run_tasks=in_order(calls), settings=settings, partitions=3,
                      work_dir=str(tmp_path / "work"))
    assert got.text == want
    assert got.report() == reprint.scan(SEEDS)
    assert [(s, w) for s, w, _ in calls] == [("store", 1)] + [
        (s, 3) for s in _staged.SHARDED_STAGES
    ]
    assert all(made >= 1 for _, _, shards in calls[:1] for made, _ in shards)
    # Everything is made: a rerun in the same folder makes nothing and reads the same report.
    again = []
    assert _staged.run([str(SEEDS)], run_tasks=in_order(again), settings=settings, partitions=3,
                       work_dir=str(tmp_path / "work")).text == want
    assert all(made == 0 for _, _, shards in again for made, _ in shards)


def test_a_table_input_is_written_once_and_scanned_as_parquet(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [{"id": p.name, "text": p.read_text(encoding="utf-8"), "extra": 1}
               for p in sorted(SEEDS.iterdir()) if p.suffix == ".txt"]
    jsonl = tmp_path / "seeds.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    want = cli("scan", jsonl, "--format", "json")
    table = pa.Table.from_pylist(records)
    writes = []

    def write(folder):
        writes.append(folder)
        import os

        os.makedirs(folder)
        columns = _staged.input_columns(table.column_names, settings)
        assert columns == ["id", "text"]
        pq.write_table(table.select(columns), f"{folder}/part-00000.parquet")

    settings = _settings.scan_settings()
    work = str(tmp_path / "work")
    for _ in range(2):
        got = _staged.run(write, run_tasks=in_order([]), settings=settings, partitions=2,
                          work_dir=work)
        assert got.report()["clusters"] == json.loads(want)["clusters"]
    assert len(writes) == 1


def test_a_report_before_every_stage_ran_names_the_missing_stage(tmp_path):
    settings = _settings.scan_settings()
    work = str(tmp_path / "work")
    _reprint.scan_work(work, [str(SEEDS)], settings)
    _reprint.scan_stage(work, [str(SEEDS)], settings, "store", 0, 1)
    with pytest.raises(reprint.StageIncompleteError):
        _reprint.scan_report(work, [str(SEEDS)], settings)


def test_a_folder_of_other_settings_is_refused(tmp_path):
    work = str(tmp_path / "work")
    _reprint.scan_work(work, [str(SEEDS)], _settings.scan_settings())
    with pytest.raises(reprint.IncompatibleError):
        _reprint.scan_work(work, [str(SEEDS)], _settings.scan_settings(min_words=20))


def test_bad_settings_and_stages_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="max_df"):
        _settings.scan_settings(max_df=1)
    with pytest.raises(ValueError, match="align_config"):
        _settings.scan_settings(align_config={"no_such": 1})
    settings = _settings.scan_settings()
    work = str(tmp_path / "work")
    _reprint.scan_work(work, [str(SEEDS)], settings)
    with pytest.raises(ValueError, match="no scan stage"):
        _reprint.scan_stage(work, [str(SEEDS)], settings, "sort", 0, 1)
    with pytest.raises(reprint.ConfigError, match="world size 1"):
        _reprint.scan_stage(work, [str(SEEDS)], settings, "store", 0, 2)


def test_the_engine_stubs_name_every_export_and_scan_setting():
    import ast
    import inspect
    import pathlib

    import reprint.ray
    import reprint.spark

    for module in (reprint.spark, reprint.ray):
        tree = ast.parse(pathlib.Path(module.__file__).with_suffix(".pyi").read_text())
        names, params = set(), {}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                names.add(node.name)
                params[node.name] = [a.arg for a in node.args.args + node.args.kwonlyargs]
            elif isinstance(node, ast.ImportFrom):
                names.update(a.asname or a.name for a in node.names)
            elif isinstance(node, ast.AnnAssign):
                names.add(node.target.id)
        assert set(module.__all__) <= names, module.__name__
        # scan's settings in the stub are exactly those scan_settings takes.
        settings = list(inspect.signature(_settings.scan_settings).parameters)
        assert params["scan"][-len(settings):] == settings, module.__name__
