"""Shared fixtures: the CLI binary to compare with, and the repository's corpus."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SEEDS = REPO / "corpus" / "seeds"


@pytest.fixture(scope="session")
def cli():
    """Runs the ``reprint`` binary named by ``REPRINT_BIN`` (built from this tree)
    and returns its stdout; fails, never skips, when it is missing."""
    path = os.environ.get("REPRINT_BIN")
    if not path:
        pytest.fail(
            "REPRINT_BIN is not set: build the CLI (cargo build --bin reprint) and set "
            "REPRINT_BIN=target/debug/reprint to compare the Python results with it"
        )
    if not os.access(path, os.X_OK):
        pytest.fail(f"REPRINT_BIN={path} is not an executable file")

    def run(*args):
        done = subprocess.run(
            [path, "--quiet", *map(str, args)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"reprint {' '.join(map(str, args))} failed:\n{done.stderr}")
        return done.stdout

    return run


@pytest.fixture(scope="session")
def seed_texts():
    """The texts of corpus/seeds/ (five news articles), by file name."""
    files = sorted(SEEDS.glob("*.txt"))
    assert len(files) == 5, f"expected 5 articles in {SEEDS}"
    return {f.name: f.read_text(encoding="utf-8") for f in files}


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]
