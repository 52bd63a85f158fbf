"""Deduplicate a JSON Lines dump with datasketch: MinHash per document,
MinHashLSH index, one query per document, candidates kept when the MinHash
estimate reaches the threshold."""

from datasketch import MinHash, MinHashLSH

import common

args = common.arguments(__doc__)
st = common.Stages()
ids, texts = common.read_jsonl(args.input)
st.done("read")
sigs = []
for text in texts:
    m = MinHash(num_perm=args.num_perm, seed=1)
    m.update_batch([s.encode("utf-8") for s in common.shingles(text, args.shingle)])
    sigs.append(m)
del texts
st.done("sign")
lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm, params=(args.bands, args.rows))
with lsh.insertion_session() as session:
    for i, m in enumerate(sigs):
        session.insert(i, m, check_duplication=False)
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
