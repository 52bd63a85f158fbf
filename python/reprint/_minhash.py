"""MinHash and MinHashLSH with datasketch's interface over reprint's Rust core.

The signatures are reprint's one-permutation MinHash with optimal densification (one
hash per value instead of ``num_perm``), so the values differ from datasketch's, but
``jaccard`` estimates the same quantity with at most the same variance, and
``MinHashLSH`` chooses its bands and rows exactly as datasketch does.
"""


from ._reprint import BandIndex, MinHashCore, optimal_params

try:  # numpy is optional: digest() returns a numpy array when it is installed.
    import numpy as _np
except ImportError:  # pragma: no cover - exercised only without numpy
    _np = None

__all__ = ["MinHash", "MinHashLSH", "MinHashLSHInsertionSession"]


def _restore_minhash(cls, num_perm, seed, hashfunc, bins, updated):
    """Rebuilds a pickled :class:`MinHash`."""
    m = cls(num_perm=num_perm, seed=seed, hashfunc=hashfunc)
    m._set_bins(bins, updated)
    return m


class MinHash(MinHashCore):
    """A MinHash sketch of a set of byte strings, a drop-in for ``datasketch.MinHash``.

    ``MinHash(num_perm=128, seed=1, hashfunc=None)``: ``num_perm`` is the signature
    length, ``seed`` selects the hash functions (two sketches compare only with equal
    ``num_perm`` and ``seed``), ``hashfunc`` maps each value to an integer (default:
    xxh3-64 of the bytes, which must then be ``bytes``, ``bytearray`` or similar).

    ``update(b)`` adds one value, ``update_batch(values)`` many (hashed without the
    GIL), ``jaccard(other)`` estimates the Jaccard similarity, ``merge(other)`` makes
    this the sketch of the union, ``count()`` estimates the number of distinct values,
    ``digest()`` / ``hashvalues`` give the signature: a ``numpy.ndarray`` of
    ``uint32`` (the dtype of datasketch 2's default 32-bit scheme; the values are
    32-bit) when numpy is installed, else a list of ints.
    Sketches compare equal when seed and signature are equal, and pickle.
    """

    __slots__ = ()

    def digest(self):
        """The signature: ``numpy.ndarray`` of ``uint32`` (a list of ints without numpy)."""
        if _np is None:
            return self._digest_list()
        return _np.frombuffer(self._digest_bytes(), dtype="<u4").astype(_np.uint32)

    @property
    def hashvalues(self):
        """The signature, as :meth:`digest` returns it (a fresh copy each time)."""
        return self.digest()

    def copy(self):
        """An independent copy of this sketch."""
        bins, updated = self._get_bins()
        return _restore_minhash(type(self), self.num_perm, self.seed, self.hashfunc, bins, updated)

    def __reduce__(self):
        bins, updated = self._get_bins()
        return (_restore_minhash, (type(self), self.num_perm, self.seed, self.hashfunc, bins, updated))

    def __eq__(self, other):
        if not isinstance(other, MinHashCore):
            return NotImplemented
        return (
            self.seed == other.seed
            and self.num_perm == other.num_perm
            and self._digest_bytes() == other._digest_bytes()
        )

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __repr__(self):
        return f"MinHash(num_perm={self.num_perm}, seed={self.seed})"


class MinHashLSH:
    """Locality-sensitive hashing over :class:`MinHash` sketches, a drop-in for
    ``datasketch.MinHashLSH`` (in-memory storage).

    ``MinHashLSH(threshold=0.9, num_perm=128, weights=(0.5, 0.5), params=None)``:
    the number of bands ``b`` and rows per band ``r`` minimise
    ``weights[0] · (false-positive area) + weights[1] · (false-negative area)`` of the
    S-curve around ``threshold``, exactly as datasketch computes them, unless
    ``params=(b, r)`` fixes them. Keys may be any hashable object.
    """

    def __init__(self, threshold=0.9, num_perm=128, weights=(0.5, 0.5), params=None):
        if threshold > 1.0 or threshold < 0.0:
            raise ValueError("threshold must be in [0.0, 1.0]")
        if num_perm < 2:
            raise ValueError("Too few permutation functions")
        if any(w < 0.0 or w > 1.0 for w in weights):
            raise ValueError("Weight must be in [0.0, 1.0]")
        if abs(sum(weights) - 1.0) > 1e-9:
            raise ValueError("Weights must sum to 1.0")
        self.h = num_perm
        self.threshold = threshold
        if params is not None:
            self.b, self.r = int(params[0]), int(params[1])
            if self.b * self.r > num_perm:
                raise ValueError(
                    "The product of b and r in params is "
                    f"{self.b} * {self.r} = {self.b * self.r} -- it must be less than "
                    f"num_perm {num_perm}. Did you forget to specify num_perm?"
                )
        else:
            self.b, self.r = optimal_params(threshold, num_perm, float(weights[0]), float(weights[1]))
        if self.b < 2:
            raise ValueError("The number of bands are too small (b < 2)")
        self._index = BandIndex(self.b, self.r, num_perm)
        self._handles = {}  # key -> handle
        self._keys = {}  # handle -> key
        self._next_handle = 0

    def _check(self, minhash):
        if not isinstance(minhash, MinHashCore):
            raise TypeError(f"expecting a reprint.MinHash, got {type(minhash).__name__}")
        if len(minhash) != self.h:
            raise ValueError(f"Expecting minhash with length {self.h}, got {len(minhash)}")

    def insert(self, key, minhash, check_duplication=True):
        """Indexes ``minhash`` under ``key``. Raises ``ValueError`` if the key is
        already present (unless ``check_duplication`` is false, when the new entry
        replaces the old one) or the sketch's length differs from ``num_perm``."""
        self._check(minhash)
        if key in self._handles:
            if check_duplication:
                raise ValueError("The given key already exists")
            self.remove(key)
        handle = self._next_handle
        self._index.insert(handle, minhash)
        self._next_handle += 1
        self._handles[key] = handle
        self._keys[handle] = key

    def query(self, minhash):
        """The keys whose sketches share at least one band with ``minhash`` (the
        candidates of Jaccard similarity about ``threshold`` or more), in insertion
        order."""
        self._check(minhash)
        return [self._keys[h] for h in self._index.query(minhash)]

    def remove(self, key):
        """Removes ``key``; raises ``ValueError`` if it is not present."""
        handle = self._handles.pop(key, None)
        if handle is None:
            raise ValueError("The given key does not exist")
        del self._keys[handle]
        self._index.remove(handle)

    def __contains__(self, key):
        return key in self._handles

    def __len__(self):
        return len(self._handles)

    def is_empty(self):
        """True when no key is indexed."""
        return not self._handles

    def keys(self):
        """The indexed keys, in insertion order."""
        return list(self._handles)

    def insertion_session(self, buffer_size=50000):
        """A context manager for bulk insertion: ``with lsh.insertion_session() as s:
        s.insert(key, minhash)`` (``buffer_size`` is accepted for datasketch
        compatibility; inserts go straight to the in-memory index)."""
        return MinHashLSHInsertionSession(self, buffer_size=buffer_size)

    def __repr__(self):
        return f"MinHashLSH(threshold={self.threshold}, num_perm={self.h}, b={self.b}, r={self.r}, keys={len(self)})"


class MinHashLSHInsertionSession:
    """Bulk insertion into a :class:`MinHashLSH`, used as a context manager."""

    def __init__(self, lsh, buffer_size=50000):
        self.lsh = lsh
        self.buffer_size = buffer_size

    def insert(self, key, minhash, check_duplication=True):
        """Inserts like :meth:`MinHashLSH.insert`."""
        self.lsh.insert(key, minhash, check_duplication=check_duplication)

    def close(self):
        """Ends the session (nothing is buffered)."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
