"""reprint.spark.scan and reprint.ray.scan on their multi-process clusters: the
report is ``reprint scan --format json``'s, byte for byte, for paths and for the
engines' own tables, and stays so when a worker dies mid-run (the engine retries its
task, which finds the parts already made)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pytest

import reprint.ray
import reprint.spark
from conftest import RAY_ON_LOOPBACK, REPO, read_json_lines

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
    assert set(got.seconds) >= {"store", "boilerplate", "grams", "postings", "pairs", "align"}
    assert not [p for p in os.listdir(REPO) if p.startswith(".reprint-scan-")], "work folder left"


def test_spark_scan_of_a_dataframe_is_the_scan_of_its_records(spark, dumps, cli_scan, tmp_path):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    df = spark.createDataFrame(pa.Table.from_pylist(reuters_records(dumps)).to_pandas())
    work = tmp_path / "work"
    got = reprint.spark.scan(df, spark=spark, partitions=2, work_dir=str(work), **REUTERS)
    assert got.text == want
    # The work folder is kept, and a rerun in it resumes: every part is there.
    again = reprint.spark.scan(df, spark=spark, partitions=2, work_dir=str(work), **REUTERS)
    assert again.text == want and "input" not in again.seconds


def test_spark_scan_survives_a_killed_executor(spark, spark_cluster, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    result = {}

    def run():
        try:
            result["got"] = reprint.spark.scan(
                os.path.abspath(dumps["reuters"]), spark=spark, partitions=6, **REUTERS
            )
        except BaseException as e:  # reported below
            result["error"] = e

    app = spark.sparkContext.applicationId
    before = set(spark_cluster.executor_pids(app))
    assert len(before) == 2, f"expected two executor JVMs, found {before}"
    job = threading.Thread(target=run)
    job.start()
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + 120
    while not tracker.getActiveStageIds() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tracker.getActiveStageIds(), "the run never started a stage"
    victim = sorted(before)[0]
    os.kill(victim, signal.SIGKILL)
    job.join(timeout=600)
    assert not job.is_alive()
    assert "error" not in result, f"the run failed after the executor was killed: {result.get('error')}"
    assert result["got"].text == want
    after = set(spark_cluster.executor_pids(app))
    assert victim not in after and after - before, "the worker did not launch a new executor"


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


@pytest.mark.parametrize("name", ["seeds", "reuters"])
def test_ray_scan_equals_the_cli(ray_session, dumps, cli_scan, name, monkeypatch):
    monkeypatch.chdir(REPO)
    flags, settings = (REUTERS_FLAGS, REUTERS) if name == "reuters" else ([], {})
    want = cli_scan(dumps[name], flags=flags)
    got = reprint.ray.scan(dumps[name], partitions=3, **settings)
    assert got.text == want


def test_ray_scan_of_a_dataset_is_the_scan_of_its_records(ray_session, dumps, cli_scan, tmp_path):
    import ray.data

    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    records = reuters_records(dumps)
    half = len(records) // 2
    ds = ray.data.from_arrow([pa.Table.from_pylist(records[:half]), pa.Table.from_pylist(records[half:])])
    got = reprint.ray.scan(ds, partitions=2, work_dir=str(tmp_path / "work"), **REUTERS)
    assert got.text == want


def test_ray_scan_survives_a_killed_task(ray_session, ray_cluster, dumps, cli_scan):
    want = cli_scan(dumps["reuters"], flags=REUTERS_FLAGS)
    result = {}

    def run():
        try:
            result["got"] = reprint.ray.scan(
                os.path.abspath(dumps["reuters"]), partitions=6, **REUTERS
            )
        except BaseException as e:  # reported below
            result["error"] = e

    job = threading.Thread(target=run)
    job.start()
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and job.is_alive() and time.monotonic() < deadline:
        for pid in ray_cluster.task_pids(ray_cluster.worker):
            if "_run_task" in open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace"):
                os.kill(pid, signal.SIGKILL)
                killed = pid
                break
        time.sleep(0.01)
    job.join(timeout=300)
    assert not job.is_alive(), "the run did not finish within 5 minutes of the kill"
    assert killed is not None, "no task ran on the worker node to kill"
    assert "error" not in result, f"the run failed after a task was killed: {result.get('error')}"
    assert result["got"].text == want


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
