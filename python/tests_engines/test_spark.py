"""reprint.spark on a standalone cluster of two workers: the clusters file is the
CLI's, byte for byte, and stays so when an executor JVM is killed mid-job."""

import os
import subprocess
import sys

import pyarrow as pa
import pytest

import reprint.spark
from conftest import assert_the_files_of_the_cli, REPO, read_json_lines, with_an_executor_killed


@pytest.mark.parametrize("name", ["seeds", "reuters", "synth"])
def test_clusters_equal_the_cli(spark, dumps, cli_clusters, name, monkeypatch):
    monkeypatch.chdir(REPO)
    flags = ["--threshold", "0.5"] if name == "synth" else []
    want = cli_clusters(dumps[name], flags=flags)
    got = reprint.spark.dedup(
        dumps[name], spark=spark, partitions=3, part_records=500,
        threshold=0.5 if name == "synth" else 0.8,
    )
    assert got.clusters_jsonl() == want
    if name != "seeds":
        assert len(read_json_lines(want)) > 3, "the dump should have clusters"


def test_a_dataframe_gives_the_clusters_of_its_records(spark, dumps, cli_clusters):
    want = cli_clusters(dumps["synth"], flags=["--threshold", "0.5"])
    table = pa.Table.from_pylist(
        [{"id": r["id"], "text": r["text"]} for r in read_json_lines(open(dumps["synth"]).read())]
    )
    # One row more, at the end, without a text: counted, not clustered.
    table = pa.concat_tables([table, pa.table({"id": ["no-text"], "text": pa.nulls(1, pa.string())})])
    df = spark.createDataFrame(table.to_pandas())  # its partitions in the records' order
    got = reprint.spark.dedup(df, spark=spark, threshold=0.5)
    assert got.clusters_jsonl() == want
    assert got.stats["skipped_by_reason"] == {"missing_text": 1}
    assert got.stats["documents"] == table.num_rows - 1
    assert len(got.removed) == sum(c["size"] - 1 for c in read_json_lines(want))


def test_a_killed_executor_gives_the_same_clusters(spark, spark_cluster, dumps, cli_clusters):
    want = cli_clusters(dumps["reuters"])
    got = with_an_executor_killed(spark, spark_cluster, lambda: reprint.spark.dedup(
        os.path.abspath(dumps["reuters"]), spark=spark, partitions=6, part_records=100
    ))
    assert got.clusters_jsonl() == want


def test_command_line_writes_the_files_of_the_cli(spark_cluster, dumps, cli_dedup_files, tmp_path):
    # The messy dump has a record of each kind that cannot be used: each is counted
    # and named, none is written to the deduplicated dump.
    want = cli_dedup_files(dumps["seeds"], dumps["messy"])
    out = tmp_path / "out"
    env = dict(os.environ, **{k: spark_cluster.env[k] for k in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON")})
    done = subprocess.run(
        [sys.executable, "-m", "reprint.spark", "dedup", dumps["seeds"], dumps["messy"],
         "--out", str(out), "--master", spark_cluster.url, "--partitions", "2",
         "--pairs", str(out / "pairs.jsonl"), "-o", str(out / "dedup.jsonl"),
         "--summary-json", str(out / "summary.json")],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert_the_files_of_the_cli(out, want)
    assert "4 records skipped" in done.stderr and "messy.jsonl:8: malformed JSON" in done.stderr


def test_strict_stops_at_the_first_unusable_record(spark, dumps):
    with pytest.raises(Exception, match="malformed JSON"):
        reprint.spark.dedup(os.path.abspath(dumps["messy"]), spark=spark, strict=True)
