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
from conftest import assert_the_files_of_the_cli, RAY_ON_LOOPBACK, REPO, read_json_lines, with_a_task_killed


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
    # One row more, at the end, without a text: counted, not clustered.
    tail = pa.Table.from_pylist(records[150:] + [{"id": "no-text", "text": None}])
    ds = ray.data.from_arrow([pa.Table.from_pylist(records[:150]), tail])
    got = reprint.ray.dedup(ds, threshold=0.5)
    assert got.clusters_jsonl() == want
    assert got.stats["skipped_by_reason"] == {"missing_text": 1}
    assert got.stats["documents"] == len(records)


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


def test_command_line_writes_the_files_of_the_cli(ray_cluster, dumps, cli_dedup_files, tmp_path):
    # The messy dump has a record of each kind that cannot be used: each is counted
    # and named, none is written to the deduplicated dump.
    want = cli_dedup_files(dumps["seeds"], dumps["messy"])
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c",
         RAY_ON_LOOPBACK + "import runpy; runpy.run_module('reprint.ray', run_name='__main__')",
         "dedup", dumps["seeds"], dumps["messy"],
         "--out", str(out), "--partitions", "2",
         "--pairs", str(out / "pairs.jsonl"), "-o", str(out / "dedup.jsonl"),
         "--summary-json", str(out / "summary.json")],
        cwd=REPO, env=dict(os.environ, RAY_ADDRESS=ray_cluster.address),
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert_the_files_of_the_cli(out, want)
    assert "4 records skipped" in done.stderr and "messy.jsonl:8: malformed JSON" in done.stderr


def test_strict_stops_at_the_first_unusable_record(ray_session, dumps):
    with pytest.raises(Exception, match="malformed JSON"):
        reprint.ray.dedup(os.path.abspath(dumps["messy"]), strict=True)
