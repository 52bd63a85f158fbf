"""reprint.ray on a cluster of a head and a worker node: the clusters file is the
CLI's, byte for byte, and stays so when a Ray worker process running a task is
killed mid-job (Ray retries the task)."""

import json
import os
import subprocess
import sys

import pyarrow as pa
import pytest

import reprint.ray
from conftest import RAY_ON_LOOPBACK, REPO, read_json_lines, with_a_task_killed


@pytest.mark.parametrize("name", ["seeds", "reuters", "synth"])
def test_clusters_equal_the_cli(ray_session, dumps, cli_clusters, name, monkeypatch):
    monkeypatch.chdir(REPO)
    threshold = 0.5 if name == "synth" else 0.8
    want = cli_clusters(dumps[name], flags=["--threshold", str(threshold)])
    got = reprint.ray.dedup(dumps[name], partitions=3, part_records=500, threshold=threshold)
    assert got.clusters_jsonl() == want
    if name != "seeds":
        assert len(read_json_lines(want)) > 3, "the dump should have clusters"


def test_a_dataset_gives_the_clusters_of_its_records(ray_session, dumps, cli_clusters):
    import ray.data

    want = cli_clusters(dumps["synth"], flags=["--threshold", "0.5"])
    records = [{"id": r["id"], "text": r["text"]} for r in read_json_lines(open(dumps["synth"]).read())]
    ds = ray.data.from_arrow([pa.Table.from_pylist(records[:150]), pa.Table.from_pylist(records[150:])])
    got = reprint.ray.dedup(ds, threshold=0.5)
    assert got.clusters_jsonl() == want


def test_a_dataset_without_duplicates_gives_no_clusters(ray_session, cli_clusters, tmp_path):
    # Most shards of every pairing are empty here: none may fail or lose its columns.
    import ray.data

    records = [{"id": f"d{n}", "text": f"story {n} " + " ".join(f"w{n}x{k}" for k in range(30))}
               for n in range(40)]
    dump = tmp_path / "distinct.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert cli_clusters(dump) == ""
    got = reprint.ray.dedup(ray.data.from_items(records), partitions=4)
    assert got.clusters_jsonl() == "" and got.table.num_rows == 0 and len(got.removed) == 0


def test_a_killed_task_is_retried_with_the_same_clusters(ray_session, ray_cluster, dumps, cli_clusters):
    want = cli_clusters(dumps["reuters"])
    got = with_a_task_killed(ray_cluster, lambda: reprint.ray.dedup(
        os.path.abspath(dumps["reuters"]), partitions=6, part_records=100
    ), "Map")
    assert got.clusters_jsonl() == want


def test_command_line_writes_the_clusters_file(ray_cluster, dumps, cli_clusters, tmp_path):
    want = cli_clusters(dumps["seeds"], dumps["synth"])
    done = subprocess.run(
        [sys.executable, "-c",
         RAY_ON_LOOPBACK + "import runpy; runpy.run_module('reprint.ray', run_name='__main__')",
         "dedup", dumps["seeds"], dumps["synth"],
         "--out", str(tmp_path / "out"), "--partitions", "2"],
        cwd=REPO, env=dict(os.environ, RAY_ADDRESS=ray_cluster.address),
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "clusters.jsonl").read_text(encoding="utf-8") == want
