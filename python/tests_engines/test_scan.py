"""reprint.spark.scan and reprint.ray.scan on their multi-process clusters: the
report is ``reprint scan --format json``'s, byte for byte, for paths and for the
engines' own tables, and stays so when a worker dies mid-run (the engine retries its
task: on Spark's shuffle it recomputes the lost rows, over a work folder it finds
the parts already made)."""

import json
import os
import subprocess
import sys

import pyarrow as pa
import pytest

import reprint.ray
import reprint.spark
from conftest import RAY_ON_LOOPBACK, REPO, read_json_lines, with_a_task_killed, with_an_executor_killed

#: Settings of the Reuters runs: dated, so that the likely sources and lags are
#: reported too.
REUTERS = dict(date_field="date")
REUTERS_FLAGS = ["--date-field", "date"]


def reuters_records(dumps):
    return [
        {"id": r["id"], "text": r["text"], "date": r["date"]}
        for r in read_json_lines(open(dumps["reuters"], encoding="utf-8").read())
    ]


def clusters_of(report):
    return json.loads(report)["clusters"]


@pytest.mark.parametrize("name", ["seeds", "reuters"])
def test_spark_scan_equals_the_cli(spark, dumps, cli_scan, name, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)
    flags, settings = (REUTERS_FLAGS, REUTERS) if name == "reuters" else ([], {})
    want = cli_scan(dumps[name], flags=flags)
    got = reprint.spark.scan(dumps[name], spark=spark, partitions=3, **settings)
    assert got.text == want
    assert len(clusters_of(want)) >= 4, "the dump should have reuse clusters"
    assert set(got.seconds) == {"read", "boilerplate", "grams", "pairs", "align", "report"}
    assert not [p for p in os.listdir(REPO) if p.startswith(".reprint-scan-")], "work folder left"


def test_spark_scan_of_a_dataframe_is_the_scan_of_its_records(spark, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    df = spark.createDataFrame(pa.Table.from_pylist(reuters_records(dumps)).to_pandas())
    assert df.rdd.getNumPartitions() > 1, "the records should span partitions"
    got = reprint.spark.scan(df, spark=spark, partitions=3, **REUTERS)
    assert got.text == want


def test_spark_staged_scan_of_a_dataframe_resumes_in_its_work_folder(spark, dumps, cli_scan, tmp_path):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    df = spark.createDataFrame(pa.Table.from_pylist(reuters_records(dumps)).to_pandas())
    work = tmp_path / "work"
    got = reprint.spark.scan(df, spark=spark, partitions=2, work_dir=str(work), **REUTERS)
    assert got.text == want
    assert set(got.seconds) >= {"store", "boilerplate", "grams", "postings", "pairs", "align"}
    # The work folder is kept, and a rerun in it resumes: every part is there.
    again = reprint.spark.scan(df, spark=spark, partitions=2, work_dir=str(work), **REUTERS)
    assert again.text == want and "input" not in again.seconds


def test_spark_scan_survives_a_killed_executor(spark, spark_cluster, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    got = with_an_executor_killed(spark, spark_cluster, lambda: reprint.spark.scan(
        os.path.abspath(dumps["reuters"]), spark=spark, partitions=6, **REUTERS
    ))
    assert got.text == want


def test_spark_command_line_writes_the_report(spark_cluster, dumps, cli_scan, tmp_path):
    want = cli_scan(dumps["seeds"])
    env = dict(os.environ, **{k: spark_cluster.env[k] for k in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
    done = subprocess.run(
        [sys.executable, "-m", "reprint.spark", "scan", dumps["seeds"],
         "--out", str(tmp_path / "out"), "--master", spark_cluster.url, "--partitions", "2"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "scan.json").read_text(encoding="utf-8") == want


def test_bad_settings_fail_on_the_driver(spark):
    with pytest.raises(ValueError, match="max_df"):
        reprint.spark.scan("corpus/seeds", spark=spark, max_df=1)
    with pytest.raises(ValueError, match="unknown field"):
        reprint.spark.scan("corpus/seeds", spark=spark, align_config={"no_such": 1})
    with pytest.raises(ValueError, match="work_dir"):
        reprint.spark.scan("corpus/seeds", spark=spark, memory_limit=1 << 30)


def test_spark_scan_of_records_without_the_text_field_fails_as_the_cli_does(spark, tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": 1, "body": "a"}\n{"id": 2, "body": "b"}\n', encoding="utf-8")
    with pytest.raises(reprint.ReprintError, match="body"):
        reprint.spark.scan(str(path), spark=spark, partitions=2)


@pytest.mark.parametrize("name", ["seeds", "reuters"])
def test_ray_scan_equals_the_cli(ray_session, dumps, cli_scan, name, monkeypatch):
    monkeypatch.chdir(REPO)
    flags, settings = (REUTERS_FLAGS, REUTERS) if name == "reuters" else ([], {})
    want = cli_scan(dumps[name], flags=flags)
    got = reprint.ray.scan(dumps[name], partitions=3, **settings)
    assert got.text == want
    assert set(got.seconds) == {"read", "boilerplate", "grams", "pairs", "align", "report"}
    assert not [p for p in os.listdir(REPO) if p.startswith(".reprint-scan-")], "work folder left"


def reuters_dataset(dumps, blocks):
    import ray.data

    records = reuters_records(dumps)
    step = -(-len(records) // blocks)
    return ray.data.from_arrow(
        [pa.Table.from_pylist(records[i : i + step]) for i in range(0, len(records), step)]
    )


def test_ray_scan_of_a_dataset_is_the_scan_of_its_records(ray_session, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    got = reprint.ray.scan(reuters_dataset(dumps, 3), partitions=2, **REUTERS)
    assert got.text == want


def test_ray_staged_scan_of_a_dataset_resumes_in_its_work_folder(ray_session, dumps, cli_scan, tmp_path):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    ds = reuters_dataset(dumps, 2)
    work = tmp_path / "work"
    got = reprint.ray.scan(ds, partitions=2, work_dir=str(work), **REUTERS)
    assert got.text == want
    assert set(got.seconds) >= {"store", "boilerplate", "grams", "postings", "pairs", "align"}
    again = reprint.ray.scan(ds, partitions=2, work_dir=str(work), **REUTERS)
    assert again.text == want and "input" not in again.seconds


def test_ray_scan_survives_a_killed_task(ray_session, ray_cluster, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    got = with_a_task_killed(ray_cluster, lambda: reprint.ray.scan(
        os.path.abspath(dumps["reuters"]), partitions=6, part_records=100, **REUTERS
    ), "Map")
    assert got.text == want


def test_ray_scan_settings_fail_before_any_task():
    with pytest.raises(ValueError, match="max_df"):
        reprint.ray.scan("corpus/seeds", max_df=1)
    with pytest.raises(ValueError, match="work_dir"):
        reprint.ray.scan("corpus/seeds", memory_limit=1 << 30)


def test_ray_command_line_writes_the_report(ray_cluster, dumps, cli_scan, tmp_path):
    want = cli_scan(dumps["seeds"])
    done = subprocess.run(
        [sys.executable, "-c",
         RAY_ON_LOOPBACK + "import runpy; runpy.run_module('reprint.ray', run_name='__main__')",
         "scan", dumps["seeds"], "--out", str(tmp_path / "out"), "--partitions", "2"],
        cwd=REPO, env=dict(os.environ, RAY_ADDRESS=ray_cluster.address),
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "scan.json").read_text(encoding="utf-8") == want
