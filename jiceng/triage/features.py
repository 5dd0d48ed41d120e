"""Fast TF-IDF features for Chinese text, vectorised with numpy.

Three blocks, each a vocabulary of hashed n-grams fixed at training time:

- ``char``: character unigrams and bigrams of the whole text;
- ``word``: the words jieba finds in the training texts (2–4 characters), counted wherever they occur
  in a text, so prediction needs no segmentation (jieba runs at a few hundred messages a second, the
  substring match at tens of thousands);
- ``head``: character 1–3-grams of the first characters (the title, in most messages), weighted.

Each n-gram is hashed to 64 bits from its code points, looked up in the block's sorted vocabulary with
``searchsorted``, then counted, damped (1 + log tf), weighted by idf and L2-normalised, per block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_MULT = np.uint64(0x9E3779B97F4A7C15)
_SEP = 0  # code point between two texts in a batch; never part of an n-gram


def _codepoints(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint64 array of code points with a 0 after each; and the doc of each position."""
    joined = "\x00".join(texts) + "\x00"
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    # Full-width ASCII (！to ～) folds to half-width, as ``text.normalise`` does, without a Python loop.
    wide = (cps >= 0xFF01) & (cps <= 0xFF5E)
    cps[wide] -= np.uint64(0xFEE0)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    return cps, docs


def _ngram_hashes(cps: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every n-gram that does not cross a text boundary, and its start position."""
    m = len(cps) - n + 1
    if m <= 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    with np.errstate(over="ignore"):
        h = cps[:m].copy() + np.uint64(n)
        ok = cps[:m] != _SEP
        for k in range(1, n):
            h = h * _MULT + cps[k : k + m]
            ok &= cps[k : k + m] != _SEP
    pos = np.nonzero(ok)[0]
    return h[pos], pos


def hash_string(text: str) -> np.uint64:
    cps, _ = _codepoints([text])
    h, _ = _ngram_hashes(cps[:-1], len(text))
    return h[0]


class HashTable:
    """A read-only open-addressing table from 64-bit n-gram hashes to vocabulary positions.

    Looking up millions of n-grams by binary search costs ~17 random reads each; this table answers in
    one or two, which is what keeps prediction above a few thousand messages a second.
    """

    def __init__(self, keys: np.ndarray) -> None:
        size = 1 << max(10, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
        self.mask = np.uint64(size - 1)
        self.keys = np.zeros(size, dtype=np.uint64)
        self.values = np.full(size, -1, dtype=np.int64)
        keys = keys[keys != 0]  # 0 marks an empty slot; a zero hash is astronomically unlikely
        slots = self._slot(keys)
        pending = np.arange(len(keys))
        self.probes = 0
        while len(pending):
            self.probes += 1
            s = (slots[pending] + np.uint64(self.probes - 1)) & self.mask
            free = self.values[s] == -1
            # Several keys may race for one free slot: the first of each wins, the rest probe on.
            uniq, first = np.unique(s[free], return_index=True)
            winners = pending[free][first]
            self.keys[uniq] = keys[winners]
            self.values[uniq] = winners
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.nonzero(free)[0][first]] = True
            pending = pending[~placed]

    def _slot(self, h: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (h * np.uint64(0xBF58476D1CE4E5B9)) >> np.uint64(40) & self.mask

    def lookup(self, h: np.ndarray) -> np.ndarray:
        """Vocabulary position of each hash, -1 when absent.

        Only the key array is read for misses (most n-grams are misses); an empty slot has key 0.
        """
        base = self._slot(h)
        found = self.keys[base]
        hit = found == h
        out = np.where(hit, self.values[base], -1)
        todo = np.nonzero(~hit & (found != 0))[0]
        for k in range(1, self.probes):
            if not len(todo):
                break
            s = (base[todo] + np.uint64(k)) & self.mask
            found = self.keys[s]
            hit = found == h[todo]
            out[todo[hit]] = self.values[s[hit]]
            todo = todo[~hit & (found != 0)]
        return out


@dataclass
class Block:
    """One TF-IDF block: n-gram sizes, vocabulary hashes, idf, weight and head length (0 = all)."""

    ns: tuple[int, ...]
    vocab: np.ndarray  # uint64
    idf: np.ndarray  # float32, one per vocabulary entry
    weight: float = 1.0
    head: int = 0
    _table: HashTable | None = None

    @property
    def table(self) -> HashTable:
        if self._table is None:
            self._table = HashTable(self.vocab)
        return self._table

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.head:
            texts = [t[: self.head] for t in texts]
        n_docs, n_vocab = len(texts), len(self.vocab)
        cps, docs = _codepoints(texts)
        keys = []
        for n in self.ns:
            h, pos = _ngram_hashes(cps, n)
            if not len(h) or not n_vocab:
                continue
            idx = self.table.lookup(h)
            hit = idx >= 0
            keys.append(docs[pos[hit]] * n_vocab + idx[hit])
        key = np.sort(np.concatenate(keys)) if keys else np.empty(0, np.int64)
        if len(key):
            edge = np.concatenate(([True], key[1:] != key[:-1]))
            starts = np.nonzero(edge)[0]
            uniq = key[starts]
            tf = np.diff(np.append(starts, len(key))).astype(np.float32)
        else:
            uniq, tf = key, np.empty(0, np.float32)
        rows, cols = uniq // max(n_vocab, 1), uniq % max(n_vocab, 1)
        data = (1.0 + np.log(tf)) * self.idf[cols]
        indptr = np.searchsorted(rows, np.arange(n_docs + 1))
        # Per-document sums of squares (bincount, not reduceat: a trailing document with no known
        # n-gram would put reduceat's last index past the end).
        sq = np.bincount(rows, weights=data * data, minlength=n_docs).astype(np.float32)
        lengths = np.diff(indptr)
        sq[lengths == 0] = 1.0
        data = data * np.repeat((self.weight / np.sqrt(sq)).astype(np.float32), lengths)
        return sp.csr_matrix(
            (data.astype(np.float32), cols.astype(np.int32), indptr.astype(np.int32)), shape=(n_docs, n_vocab)
        )


def all_hashes(texts: Sequence[str], ns: Sequence[int], head: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(hash, doc) of every n-gram of the given sizes."""
    if head:
        texts = [t[:head] for t in texts]
    cps, docs = _codepoints(texts)
    hs, ds = [], []
    for n in ns:
        h, pos = _ngram_hashes(cps, n)
        hs.append(h)
        ds.append(docs[pos])
    return np.concatenate(hs), np.concatenate(ds)


def fit_block(
    texts: Sequence[str],
    ns: Sequence[int],
    *,
    min_df: int = 2,
    max_df: float = 0.9,
    weight: float = 1.0,
    head: int = 0,
    allowed: np.ndarray | None = None,
) -> Block:
    """Learn the vocabulary (document frequency between ``min_df`` and ``max_df``) and smooth idf."""
    h, d = all_hashes(texts, ns, head)
    order = np.lexsort((d, h))
    h, d = h[order], d[order]
    first = np.concatenate(([True], (h[1:] != h[:-1]) | (d[1:] != d[:-1])))
    vocab, df = np.unique(h[first], return_counts=True)
    n_docs = len(texts)
    keep = (df >= min_df) & (df <= max_df * n_docs)
    if allowed is not None:
        keep &= np.isin(vocab, allowed)
    vocab, df = vocab[keep], df[keep]
    idf = (np.log((1 + n_docs) / (1 + df)) + 1).astype(np.float32)
    return Block(tuple(ns), vocab, idf, weight, head)


def word_hashes(words: Sequence[str]) -> np.ndarray:
    """Hashes of the given words (2–4 characters), as the ``word`` block looks them up."""
    out = [hash_string(w) for w in set(words) if 2 <= len(w) <= 4]
    return np.unique(np.array(out, dtype=np.uint64))


def transform(blocks: Sequence[Block], texts: Sequence[str]) -> sp.csr_matrix:
    return sp.hstack([b.transform(texts) for b in blocks], format="csr", dtype=np.float32)
