"""Deduplicate a JSON Lines dump with rensa: RMinHash per document, RMinHashLSH
index, one query per document, candidates kept when the MinHash estimate reaches
the threshold."""

from rensa import RMinHash, RMinHashLSH

import common

args = common.arguments(__doc__)
st = common.Stages()
ids, texts = common.read_jsonl(args.input)
st.done("read")
sigs = []
for text in texts:
    m = RMinHash(num_perm=args.num_perm, seed=42)
    m.update(list(common.shingles(text, args.shingle)))
    sigs.append(m)
del texts
st.done("sign")
lsh = RMinHashLSH(threshold=args.threshold, num_perm=args.num_perm, num_bands=args.bands)
for i, m in enumerate(sigs):
    lsh.insert(i, m)
st.done("index")
pairs = []
candidates = 0
for i, m in enumerate(sigs):
    for j in lsh.query(m):
        if j <= i:
            continue
        candidates += 1
        if args.verify == "none" or m.jaccard(sigs[j]) >= args.threshold:
            pairs.append((i, j))
st.done("query")
n = common.write_pairs(args.pairs, ids, pairs)
st.done("write")
st.write(args.stats, candidates=candidates, pairs=n)
