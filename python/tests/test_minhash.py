"""reprint.MinHash and reprint.MinHashLSH against datasketch itself.

The same usage runs through both libraries; their signatures differ (reprint uses
one-permutation hashing), so the tests compare what both promise: Jaccard estimates
within the theoretical error of the exact value, the same bands and rows, the same
LSH answers for clear near-duplicates and unrelated sets, and the same errors.
"""

import math
import pickle
import random

import datasketch
import numpy as np
import pytest

import reprint


def words(n, start=0):
    return [f"w{i}".encode() for i in range(start, start + n)]


def sketch(lib, values, num_perm=128, **kwargs):
    m = lib.MinHash(num_perm=num_perm, **kwargs)
    for v in values:
        m.update(v)
    return m


def exact_jaccard(a, b):
    a, b = set(a), set(b)
    return len(a & b) / len(a | b)


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
@pytest.mark.parametrize("overlap", [0, 100, 300, 500, 800, 1000])
@pytest.mark.parametrize("num_perm", [128, 256])
def test_jaccard_estimates_within_the_theoretical_error(lib, overlap, num_perm):
    a = words(1000)
    b = words(1000, start=1000 - overlap)
    j = exact_jaccard(a, b)
    est = sketch(lib, a, num_perm).jaccard(sketch(lib, b, num_perm))
    se = math.sqrt(j * (1 - j) / num_perm)
    assert abs(est - j) <= 4 * se + 1e-9, (est, j)


def test_update_batch_equals_updates():
    values = words(500)
    one = sketch(reprint, values)
    batch = reprint.MinHash()
    batch.update_batch(values)
    assert one == batch
    assert np.array_equal(one.digest(), batch.hashvalues)


def test_digest_is_an_array_of_datasketchs_dtype():
    m = sketch(reprint, words(50))
    d = sketch(datasketch, words(50)).digest()
    assert isinstance(m.digest(), np.ndarray)
    assert m.digest().dtype == d.dtype == np.uint32
    assert len(m.digest()) == len(d) == len(m) == 128
    assert m.hashvalues.shape == (128,)


def test_empty_sketches_agree_with_datasketch():
    assert reprint.MinHash().jaccard(reprint.MinHash()) == datasketch.MinHash().jaccard(
        datasketch.MinHash()
    )
    assert reprint.MinHash().count() == 0
    assert reprint.MinHash().is_empty()


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
def test_pickle_round_trip(lib):
    m = sketch(lib, words(300), seed=7)
    back = pickle.loads(pickle.dumps(m))
    assert back == m
    assert back.seed == 7
    assert np.array_equal(back.digest(), m.digest())
    assert back.jaccard(m) == 1.0
    back.update(b"new")
    m.update(b"new")
    assert back == m


def test_pickle_keeps_the_hash_function():
    m = sketch(reprint, words(100), hashfunc=datasketch.hashfunc.sha1_hash32)
    back = pickle.loads(pickle.dumps(m))
    assert back.hashfunc is datasketch.hashfunc.sha1_hash32
    assert back == m


def test_merge_equals_the_sketch_of_the_union():
    a, b = words(400), words(400, start=250)
    merged = sketch(reprint, a)
    merged.merge(sketch(reprint, b))
    assert merged == sketch(reprint, a + b)
    # datasketch's merge has the same property.
    dmerged = sketch(datasketch, a)
    dmerged.merge(sketch(datasketch, b))
    assert dmerged == sketch(datasketch, a + b)


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
def test_copy_is_independent(lib):
    m = sketch(lib, words(100))
    c = m.copy()
    assert c == m and c is not m
    c.update_batch(words(100, start=5000)) if lib is reprint else [c.update(w) for w in words(100, start=5000)]
    assert c != m
    assert m == sketch(lib, words(100))


def test_equality_needs_equal_seeds():
    assert sketch(reprint, words(10), seed=1) != sketch(reprint, words(10), seed=2)
    assert sketch(reprint, words(10)) != "not a minhash"


def test_count_estimates_the_cardinality():
    for n in [10, 100, 1000, 20000]:
        est = sketch(reprint, words(n) + words(n)).count()
        assert abs(est - n) <= 0.3 * n, (n, est)


def test_custom_hash_function():
    a, b = words(1000), words(1000, start=500)
    j = exact_jaccard(a, b)
    h = datasketch.hashfunc.sha1_hash32
    est = sketch(reprint, a, hashfunc=h).jaccard(sketch(reprint, b, hashfunc=h))
    assert abs(est - j) <= 4 * math.sqrt(j * (1 - j) / 128)
    strings = reprint.MinHash(hashfunc=lambda s: hash(s) & 0xFFFFFFFF)
    strings.update("a str value")
    assert not strings.is_empty()


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
def test_mismatched_sketches_raise_value_error(lib):
    a, b = lib.MinHash(num_perm=64), lib.MinHash(num_perm=128)
    with pytest.raises(ValueError):
        a.jaccard(b)
    with pytest.raises(ValueError):
        a.merge(b)
    with pytest.raises(ValueError):
        lib.MinHash(seed=1).jaccard(lib.MinHash(seed=2))


def test_invalid_arguments():
    with pytest.raises(ValueError):
        reprint.MinHash(num_perm=0)
    with pytest.raises(TypeError):
        reprint.MinHash().update("a str needs a hashfunc")
    with pytest.raises(TypeError):
        reprint.MinHash().update_batch([b"ok", 3])


@pytest.mark.parametrize(
    "num_perm,thresholds",
    [(16, [0.3, 0.5, 0.9]), (64, [0.2, 0.5, 0.7, 0.85]), (128, [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])],
)
@pytest.mark.parametrize("weights", [(0.5, 0.5), (0.2, 0.8)])
def test_bands_and_rows_are_datasketchs(num_perm, thresholds, weights):
    for t in thresholds:
        try:
            theirs = datasketch.MinHashLSH(threshold=t, num_perm=num_perm, weights=weights)
        except ValueError as e:  # datasketch refuses a single band; so does reprint
            with pytest.raises(ValueError, match="b < 2"):
                reprint.MinHashLSH(threshold=t, num_perm=num_perm, weights=weights)
            assert "b < 2" in str(e)
            continue
        ours = reprint.MinHashLSH(threshold=t, num_perm=num_perm, weights=weights)
        theirs = datasketch.MinHashLSH(threshold=t, num_perm=num_perm, weights=weights)
        assert (ours.b, ours.r) == (theirs.b, theirs.r), (t, num_perm, weights)


def test_fixed_params():
    lsh = reprint.MinHashLSH(num_perm=128, params=(16, 8))
    assert (lsh.b, lsh.r) == (16, 8)
    for lib in (datasketch, reprint):
        with pytest.raises(ValueError):
            lib.MinHashLSH(num_perm=128, params=(16, 9))


def corpus(seed=3):
    """Base documents, a near-duplicate of each (5% of words changed), unrelated ones."""
    rng = random.Random(seed)
    vocab = [f"v{i}".encode() for i in range(50000)]
    bases = [rng.sample(vocab, 200) for _ in range(20)]
    near = []
    for doc in bases:
        copy = list(doc)
        for i in rng.sample(range(len(copy)), 5):
            copy[i] = f"edit{seed}-{i}".encode()
        near.append(copy)
    unrelated = [rng.sample(vocab, 200) for _ in range(20)]
    return bases, near, unrelated


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
def test_lsh_finds_near_duplicates_and_not_unrelated_sets(lib):
    bases, near, unrelated = corpus()
    lsh = lib.MinHashLSH(threshold=0.5, num_perm=128)
    for i, doc in enumerate(bases):
        lsh.insert(("base", i), sketch(lib, doc))
    for i, doc in enumerate(near):
        assert ("base", i) in lsh.query(sketch(lib, doc))
        assert exact_jaccard(doc, bases[i]) > 0.9
    for doc in unrelated:
        assert lsh.query(sketch(lib, doc)) == []


def test_lsh_answers_agree_with_datasketch():
    bases, near, unrelated = corpus(seed=11)
    answers = {}
    for lib in (datasketch, reprint):
        lsh = lib.MinHashLSH(threshold=0.7, num_perm=128)
        with lsh.insertion_session() as session:
            for i, doc in enumerate(bases):
                session.insert(i, sketch(lib, doc))
        answers[lib] = [sorted(lsh.query(sketch(lib, d))) for d in near + unrelated]
    assert answers[reprint] == answers[datasketch]


@pytest.mark.parametrize("lib", [datasketch, reprint], ids=["datasketch", "reprint"])
def test_lsh_keys_contains_remove_and_errors(lib):
    lsh = lib.MinHashLSH(threshold=0.5, num_perm=128)
    assert lsh.is_empty()
    m = sketch(lib, words(100))
    lsh.insert("a", m)
    lsh.insert(("tuple", 1), m)
    assert "a" in lsh and ("tuple", 1) in lsh and "b" not in lsh
    assert sorted(map(str, lsh.query(m))) == sorted(map(str, ["a", ("tuple", 1)]))
    with pytest.raises(ValueError):
        lsh.insert("a", m)
    with pytest.raises(ValueError):
        lsh.insert("c", lib.MinHash(num_perm=64))
    with pytest.raises(ValueError):
        lsh.query(lib.MinHash(num_perm=64))
    lsh.remove("a")
    assert "a" not in lsh
    assert lsh.query(m) == [("tuple", 1)]
    with pytest.raises(ValueError):
        lsh.remove("a")
    lsh.remove(("tuple", 1))
    assert lsh.is_empty()
    assert lsh.query(m) == []


def test_insert_without_duplication_check_replaces():
    lsh = reprint.MinHashLSH(threshold=0.5)
    lsh.insert("k", sketch(reprint, words(100)))
    lsh.insert("k", sketch(reprint, words(100, start=9000)), check_duplication=False)
    assert lsh.query(sketch(reprint, words(100))) == []
    assert lsh.query(sketch(reprint, words(100, start=9000))) == ["k"]
    assert len(lsh) == 1


def test_lsh_argument_errors_match_datasketch():
    for lib in (datasketch, reprint):
        for kwargs in [{"threshold": 1.5}, {"num_perm": 1}, {"weights": (0.7, 0.7)}]:
            with pytest.raises(ValueError):
                lib.MinHashLSH(**kwargs)


def test_digest_is_a_list_without_numpy(monkeypatch):
    import reprint._minhash

    m = sketch(reprint, words(20))
    expected = [int(v) for v in m.digest()]
    monkeypatch.setattr(reprint._minhash, "_np", None)
    assert m.digest() == expected and isinstance(m.hashvalues, list)
