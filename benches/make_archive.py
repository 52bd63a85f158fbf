#!/usr/bin/env python3
"""Builds a synthetic news archive and a set of articles to check from a JSON Lines
dump (for example a public newswire collection), for benchmarking `reprint check`.

Archive documents recombine two to three dump documents, with a few per cent of
their words replaced, so passages are reused across the archive the way wire copy
is. Articles to check are built the same way: `articles.jsonl` from archive
material only (every part is reused, each about a dozen times: the heavy case),
`articles_mixed.jsonl` from one archive part and one or two parts held out of the
archive (half of the article is new). Deterministic for a seed. Nothing is written
inside the repository unless asked to.

usage: make_archive.py DUMP.jsonl[.gz] OUT_DIR [--docs 100000] [--articles 200] [--seed 1]
"""

import argparse
import gzip
import json
import os
import random


def read_texts(path):
    opener = gzip.open if path.endswith(".gz") else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                text = json.loads(line).get("text", "")
            except json.JSONDecodeError:
                continue
            if isinstance(text, str) and len(text.split()) >= 40:
                texts.append(text)
    return texts


def mutate(text, rng, vocab, rate):
    words = text.split(" ")
    for i in range(len(words)):
        if rng.random() < rate:
            words[i] = rng.choice(vocab)
    return " ".join(words)


def compose(texts, rng, vocab, parts):
    return "\n\n".join(mutate(rng.choice(texts), rng, vocab, 0.03) for _ in range(parts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("out_dir")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    texts = read_texts(args.dump)
    held_out, texts = texts[:2000], texts[2000:]
    vocab = sorted({w for t in texts[:2000] for w in t.split() if w.isalpha()})
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "archive.jsonl"), "w", encoding="utf-8") as f:
        for i in range(args.docs):
            text = compose(texts, rng, vocab, rng.choice((2, 3)))
            f.write(json.dumps({"id": f"archive-{i}", "text": text}) + "\n")
    with open(os.path.join(args.out_dir, "articles.jsonl"), "w", encoding="utf-8") as f:
        for i in range(args.articles):
            text = compose(texts, rng, vocab, rng.choice((2, 3)))
            f.write(json.dumps({"id": f"article-{i}", "text": text}) + "\n")
    with open(os.path.join(args.out_dir, "articles_mixed.jsonl"), "w", encoding="utf-8") as f:
        for i in range(args.articles):
            parts = [mutate(rng.choice(texts), rng, vocab, 0.03)]
            parts += [mutate(rng.choice(held_out), rng, vocab, 0.03) for _ in range(rng.choice((1, 2)))]
            rng.shuffle(parts)
            f.write(json.dumps({"id": f"mixed-{i}", "text": "\n\n".join(parts)}) + "\n")


if __name__ == "__main__":
    main()
