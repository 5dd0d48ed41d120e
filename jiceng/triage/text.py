"""Text plumbing shared by the classifier, the duplicate finder and hot topics: normalisation, one
quiet jieba, character n-grams and a small bag-of-n-grams cosine."""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")
_jieba_lock = threading.Lock()
_jieba_ready = False


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), whitespace removed: the form the training data uses."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def jieba_cut(text: str) -> list[str]:
    """Words of ``text``. jieba is initialised once, quietly, from the dictionary in its package."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba.lcut(text, HMM=False)


def char_ngrams(text: str, n: int = 2) -> Counter[str]:
    return Counter(text[i : i + n] for i in range(max(len(text) - n + 1, 0)))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def text_similarity(a: str, b: str) -> float:
    """Cosine of character-bigram counts of the normalised texts: 1.0 for the same words."""
    return cosine(char_ngrams(normalise(a)), char_ngrams(normalise(b)))


def first_sentence(text: str, limit: int = 40) -> str:
    text = (text or "").strip()
    for stop in "。！？!?\n":
        pos = text.find(stop)
        if 0 < pos < limit:
            return text[: pos + 1]
    return text[:limit] + ("…" if len(text) > limit else "")


def tokens_of(texts: Iterable[str]) -> list[list[str]]:
    return [jieba_cut(t) for t in texts]
