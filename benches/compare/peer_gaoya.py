"""Deduplicate a JSON Lines dump with gaoya: MinHashStringIndex with its built-in
word analyzer (lowercase, 5-grams), bulk insert and bulk query on all cores; the
index returns documents whose MinHash estimate reaches the threshold."""

import gaoya

import common

args = common.arguments(__doc__)
st = common.Stages()
ids, texts = common.read_jsonl(args.input)
st.done("read")
index = gaoya.minhash.MinHashStringIndex(
    hash_size=32,
    jaccard_threshold=args.threshold if args.verify == "estimate" else 0.0,
    num_bands=args.bands,
    band_size=args.rows,
    analyzer="word",
    lowercase=True,
    ngram_range=(args.shingle, args.shingle),
    id_container="smallvec",
)
index.par_bulk_insert_docs(list(range(len(texts))), texts)
st.done("sign_and_index")
pairs = []
batch = 20000
for start in range(0, len(texts), batch):
    results = index.par_bulk_query(texts[start : start + batch])
    for offset, found in enumerate(results):
        i = start + offset
        pairs.extend((i, j) for j in found if j > i)
st.done("query")
n = common.write_pairs(args.pairs, ids, pairs)
st.done("write")
st.write(args.stats, pairs=n)
