#!/usr/bin/env python3
"""Builds a news-size dump with planted reused passages, and its truth, for
benchmarking `reprint scan` at scale.

The newswire articles are split in two halves. Every document has a *background*
of two to four articles of the first half recombined, with half of their words
replaced by random words of the dump's vocabulary: it keeps the length, word
statistics and layout of news, but two documents built from the same article
share only a quarter of their words in place and few 5-word sequences: at most a
heavily reworded copy, which the truth file marks (see below). Into that
background, *planted passages* are inserted
at paragraph boundaries: a run of 40 to 160 words of a real article of the second
half (each article gives at most one passage), copied into 2 to 40 documents
(most families small, a few wire-story sized).
Half of the copies are verbatim; the others are reworded the way outlets do:
about one word in ten replaced, or one sentence dropped, or both.

The truth file lists every family with its members' byte offsets in the final
document text, so `score_passages.py` can compute pair recall and character
precision of a scan. It also lists, per document, the newswire article behind each
background paragraph: two backgrounds made from one article are heavily reworded
copies of it (a quarter of the words in common, sometimes a short run), which a
scan tolerant of rewording may report; the scorer counts those apart. Deterministic for a seed. Nothing is written inside the
repository unless asked to.

With `--outlets K`, every document also gets an outlet (`o00` … `o{K-1}`, field
`outlet`) and a publication date (field `date`, ISO 8601 UTC, within 60 days).
Each family's first member is its *original* (the verbatim copy); its document is
published first and every other member's document after it by a lag drawn from a
log-normal distribution (median 3 hours, most between minutes and a few days,
capped at 14 days). Originals come mostly from the first outlets (weights
1/(i+1)^1.5: wire services), copies from every outlet with weights 1, 2 or 3 (some
outlets copy more than others); a document keeps the outlet and date of the first
family it joins. When a document already dated joins a family, the family's
original is its earliest-dated such member, so dates never contradict the truth.
The truth then records per family its `original` document and per member its
`outlet` and `date` (scored by `score_attribution.py`).

usage: make_passages.py DUMP.jsonl[.gz] OUT.jsonl TRUTH.json [--docs 100000] [--seed 1]
                        [--outlets K]
"""

import argparse
import datetime
import json
import math
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import make_archive  # noqa: E402  (shared reader of JSON Lines dumps)


def read_texts(path):
    """The dump's texts of at least 40 words, whitespace collapsed."""
    return [" ".join(t.split()) for t in make_archive.read_texts(path)]


def mutate(words, rng, vocab, rate):
    return [rng.choice(vocab) if rng.random() < rate else w for w in words]


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def passage_source(sources, rng):
    """A run of 40 to 160 words of an article not used before, cut at sentence
    ends (None when the articles run out)."""
    while sources:
        sentences = SENTENCE_END.split(sources.pop())
        if len(sentences) < 2:
            continue
        start = rng.randrange(len(sentences))
        out = []
        for s in sentences[start:]:
            out.append(s)
            if sum(len(x.split()) for x in out) >= rng.randint(40, 160):
                break
        if 40 <= sum(len(x.split()) for x in out) <= 200:
            return out
    return None


def reword(sentences, rng, vocab):
    """A copy as an outlet would print it: verbatim, or reworded."""
    kind = rng.random()
    if kind < 0.5:
        return " ".join(sentences), "verbatim"
    out = list(sentences)
    if kind < 0.75 and len(out) >= 3:
        del out[rng.randrange(len(out))]
        return " ".join(out), "sentence-dropped"
    words = mutate(" ".join(out).split(" "), rng, vocab, 0.1)
    return " ".join(words), "words-replaced"


def family_size(rng):
    """2 most often, sometimes a wire story copied dozens of times."""
    r = rng.random()
    if r < 0.55:
        return 2
    if r < 0.85:
        return rng.randint(3, 6)
    if r < 0.98:
        return rng.randint(7, 15)
    return rng.randint(16, 40)


EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
WINDOW_SECONDS = 60 * 86_400


def lag_seconds(rng):
    """A copy's delay behind its original: log-normal, median 3 h, 1 min to 14 days."""
    lag = math.exp(rng.gauss(math.log(3 * 3_600), 1.5))
    return int(min(max(lag, 60), 14 * 86_400))


def iso(seconds):
    return (EPOCH + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Outlets:
    """Outlet and date of each document, given out as families are planted."""

    def __init__(self, k, rng):
        self.rng = rng
        self.names = [f"o{i:02}" for i in range(k)]
        self.origin_weights = [1 / (i + 1) ** 1.5 for i in range(k)]
        self.copy_weights = [1 + i % 3 for i in range(k)]
        self.outlet = {}
        self.date = {}

    def original(self, d):
        if d not in self.outlet:
            self.outlet[d] = self.rng.choices(self.names, self.origin_weights)[0]
            self.date[d] = self.rng.randrange(WINDOW_SECONDS)
        return self.date[d]

    def copy(self, d, original_date):
        if d not in self.outlet:
            self.outlet[d] = self.rng.choices(self.names, self.copy_weights)[0]
            self.date[d] = original_date + lag_seconds(self.rng)

    def fill(self, d):
        """A document in no family: any outlet, any date."""
        if d not in self.outlet:
            self.outlet[d] = self.rng.choice(self.names)
            self.date[d] = self.rng.randrange(WINDOW_SECONDS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("out")
    ap.add_argument("truth")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--carrying",
        type=float,
        default=0.2,
        help="share of documents that carry at least one planted passage",
    )
    ap.add_argument(
        "--outlets",
        type=int,
        default=0,
        help="give documents one of K outlets and dates with a known copy direction",
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    # Its own generator, so that the dump's text is the same with or without outlets.
    outlets = Outlets(args.outlets, random.Random(args.seed + 1)) if args.outlets else None
    texts = read_texts(args.dump)
    vocab = sorted({w for t in texts[:3000] for w in t.split()})
    rng.shuffle(texts)
    background, sources = texts[: len(texts) // 2], texts[len(texts) // 2 :]

    # Background paragraphs of every document, with the article each comes from.
    docs = []
    origins = []
    for _ in range(args.docs):
        picked, paragraphs = [], []
        for _ in range(rng.randint(2, 4)):
            i = rng.randrange(len(background))
            picked.append(i)
            paragraphs.append(" ".join(mutate(background[i].split(" "), rng, vocab, 0.5)))
        origins.append(picked)
        docs.append(paragraphs)

    # Plant families until the wanted share of documents carries a passage.
    hosts = list(range(args.docs))
    rng.shuffle(hosts)
    target = int(args.carrying * args.docs)
    planted = {}  # doc -> list of (paragraph slot, text, family, kind)
    families = []
    cursor = 0
    while cursor < target:
        size = min(family_size(rng), target - cursor + 1)
        if size < 2:
            break
        members = hosts[cursor : cursor + size]
        cursor += size
        # A few documents carry two passages: reuse some hosts at random.
        if rng.random() < 0.15 and cursor > 10:
            members[-1] = hosts[rng.randrange(cursor - 1)]
        members = sorted(set(members))
        if len(members) < 2:
            continue
        sentences = passage_source(sources, rng)
        if sentences is None:
            print("note: newswire articles ran out; fewer documents carry a passage")
            break
        fid = len(families)
        families.append({"id": fid, "members": []})
        first = members[0]
        if outlets is not None:
            dated = [d for d in members if d in outlets.date]
            if dated:
                first = min(dated, key=lambda d: (outlets.date[d], d))
            start = outlets.original(first)
            for d in members:
                if d != first:
                    outlets.copy(d, start)
            families[fid]["original"] = f"d{first:06}"
        for d in [first] + [m for m in members if m != first]:
            k = 0 if d == first else 1
            text, kind = (" ".join(sentences), "verbatim") if k == 0 else reword(sentences, rng, vocab)
            slot = rng.randint(0, len(docs[d]))
            planted.setdefault(d, []).append((slot, text, fid, kind))

    derived = {}  # doc -> [[background article, start, end]] of its background paragraphs
    with open(args.out, "w", encoding="utf-8") as out:
        for d, paragraphs in enumerate(docs):
            inserts = sorted(planted.get(d, []), key=lambda x: (x[0], x[2]))
            # (text, family, kind, background article); family None for background
            pieces = []
            k = 0
            for slot in range(len(paragraphs) + 1):
                while k < len(inserts) and inserts[k][0] == slot:
                    pieces.append((inserts[k][1], inserts[k][2], inserts[k][3], None))
                    k += 1
                if slot < len(paragraphs):
                    pieces.append((paragraphs[slot], None, None, origins[d][slot]))
            text = ""
            spans = []
            for piece, fid, kind, article in pieces:
                if text:
                    text += "\n\n"
                start = len(text.encode("utf-8"))
                end = start + len(piece.encode("utf-8"))
                if fid is not None:
                    member = {"doc": f"d{d:06}", "start": start, "end": end, "kind": kind}
                    if outlets is not None:
                        member["outlet"] = outlets.outlet[d]
                        member["date"] = iso(outlets.date[d])
                    families[fid]["members"].append(member)
                else:
                    spans.append([article, start, end])
                text += piece
            derived[f"d{d:06}"] = spans
            record = {"id": f"d{d:06}", "text": text}
            if outlets is not None:
                outlets.fill(d)
                record["outlet"] = outlets.outlet[d]
                record["date"] = iso(outlets.date[d])
            out.write(json.dumps(record) + "\n")

    with open(args.truth, "w", encoding="utf-8") as f:
        json.dump({"families": families, "background": derived}, f)
    pairs = sum(len(f["members"]) * (len(f["members"]) - 1) // 2 for f in families)
    print(
        f"{args.docs} documents, {len(families)} planted families, "
        f"{sum(len(f['members']) for f in families)} planted occurrences, {pairs} planted pairs"
    )


if __name__ == "__main__":
    main()
