"""The Python API's dedup on a JSON Lines dump, as the peers of benches/compare run:
the dump read into Python records (dicts of id and text), ``reprint.dedup(records,
output="pairs")`` with the comparison's settings, the verified pairs written for
benches/compare/evaluate.py."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "compare"))

import common  # noqa: E402

import reprint  # noqa: E402

args = common.arguments(__doc__)
st = common.Stages()
ids, texts = common.read_jsonl(args.input)
records = [{"id": i, "text": t} for i, t in zip(ids, texts)]
del texts
st.done("read")
pairs = reprint.dedup(
    records,
    threshold=args.threshold,
    num_perm=args.num_perm,
    bands=args.bands,
    rows=args.rows,
    shingle=args.shingle,
    output="pairs",
)
st.done("dedup")
with open(args.pairs, "w") as f:
    for p in pairs:
        f.write(json.dumps({"a": p["doc_a"], "b": p["doc_b"]}) + "\n")
st.done("write")
st.write(args.stats, pairs=len(pairs))
