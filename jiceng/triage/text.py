"""Text plumbing shared by the classifier, the duplicate finder and hot topics: normalisation, one
quiet jieba, character n-grams and a small bag-of-n-grams cosine."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable

_SPACE = re.compile(r"\s+")
_jieba_lock = threading.Lock()
_jieba_ready = False


# Full-width ASCII (！to ～) and the ideographic space, mapped to their half-width forms: what NFKC does
# to the characters residents type, at a tenth of its cost.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text: str) -> str:
    """Full-width to half-width, whitespace removed: the form the training data uses."""
    text = "".join((text or "").split())
    return text.translate(_HALF_WIDTH) if _FULL_WIDTH.search(text) else text


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
