"""The learned half of the sensitive-request detector: hashed character 1–3-grams and a logistic
regression over "ordinary" and the rule kinds, trained on the written corpus
(``data/sensitive_train.csv``, composed, and ``data/sensitive_written.csv``, written whole), the rules'
labelled examples, the requests assembled by
``sensitive_composer`` (scene templates × slots × paraphrase operators, with hard negatives) and, when
present, the real ordinary messages of ``shared/datasets/gov-messages/train.csv`` as negatives (read
there, never copied).

The threshold is chosen on a validation split of that corpus only (``choose``: whole composer scenes
and a fifth of the written and real rows held out), never on ``data/sensitive_test*.csv``. The shipped
model is ``data/sensitive_model.npz`` (the non-zero weight columns only, no pickle, the threshold
inside), built by ``python -m jiceng.triage.sensitive_model`` and loaded lazily at the first call. A
hit's reason names the n-grams that pushed it over the threshold.
"""

from __future__ import annotations

import csv
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from jiceng.triage.board import datasets_dir
from jiceng.triage.features import _ngram_hashes, all_hashes, hash_string

DATA = Path(__file__).with_name("data")
MODEL_FILE = DATA / "sensitive_model.npz"
TRAIN_FILE = DATA / "sensitive_train.csv"  # composed by ``corpus_sensitive`` (rewritten by it)
# Written whole by hand, in residents' own words (2,460 requests, 1,710 of them ordinary): kept apart so
# that rewriting the composed file never drops them.
WRITTEN_FILE = DATA / "sensitive_written.csv"
TEST_FILE = DATA / "sensitive_test.csv"
TEST_FILE2 = DATA / "sensitive_test2.csv"  # written before any tuning; never tuned on
RULES_EXAMPLES = Path(__file__).with_name("tests") / "data" / "sensitive_labelled.csv"
BITS = 18
NGRAMS = (1, 2, 3)
C = 4.0
REAL_WEIGHT = 0.5  # weight of each real ordinary message against a written example
MAX_CHARS = 400
MASK = np.uint64((1 << BITS) - 1)
# Ordinary and sensitive weigh the same in training: 0.5 is the even odds, used when a model file
# carries no chosen threshold.
DEFAULT_THRESHOLD = 0.5
TARGET_REAL_FLAGGED = 0.04  # at most this share of held-out real ordinary messages flagged
PRUNE = 0.02  # weights below this are dropped from the shipped file


def grams(text: str) -> list[str]:
    text = head(text)
    out: list[str] = []
    for n in NGRAMS:
        out.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return out


def _slot(gram: str) -> int:
    return int(hash_string(gram) & MASK)


_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _half(m: re.Match[str]) -> str:
    ch = m.group(0)
    return " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0)


def _normalise(text: str) -> str:
    """``text.normalise`` (whitespace removed, full-width to half-width), replacing only the full-width
    characters present instead of mapping every character: the same text at a fraction of the cost."""
    return _FULL_WIDTH.sub(_half, "".join(text.split()))


def head(text: str) -> str:
    """The first ``MAX_CHARS`` characters of the normalised text, normalising only what is kept."""
    cut = _normalise((text or "")[: 2 * MAX_CHARS])
    if len(cut) < MAX_CHARS and len(text or "") > 2 * MAX_CHARS:
        cut = _normalise(text)
    return cut[:MAX_CHARS]


def counts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, hashed slot, damped and L2-normalised weight) of every distinct n-gram of every text: the
    non-zero entries of ``features`` without building its matrix."""
    h, docs = all_hashes([head(t) for t in texts], NGRAMS)
    key, n = np.unique((docs.astype(np.int64) << BITS) | (h & MASK).astype(np.int64), return_counts=True)
    rows, slots = key >> BITS, key & int(MASK)
    vals = 1.0 + np.log(n)
    sq = np.bincount(rows, weights=vals * vals, minlength=len(texts))
    sq[sq == 0] = 1.0
    return rows, slots, vals / np.sqrt(sq[rows])


def features(texts: Sequence[str]) -> sp.csr_matrix:
    """Damped (1 + log tf), L2-normalised counts of the hashed character n-grams, vectorised."""
    texts = [head(t) for t in texts]
    h, docs = all_hashes(texts, NGRAMS)
    x = sp.csr_matrix((np.ones(len(h)), ((docs, (h & MASK).astype(np.int64)))), shape=(len(texts), 1 << BITS))
    x.sum_duplicates()
    x.data = 1.0 + np.log(x.data)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


@dataclass
class SensitiveModel:
    classes: list[str]  # "" = ordinary, then the kinds
    columns: np.ndarray  # hashed slots with a weight
    coef: np.ndarray  # (classes, len(columns))
    intercept: np.ndarray
    threshold: float = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        self._pos = {int(c): i for i, c in enumerate(self.columns)}
        self._lookup = np.full(1 << BITS, -1, dtype=np.int64)
        self._lookup[self.columns] = np.arange(len(self.columns))
        self._coef_t = np.ascontiguousarray(self.coef.T)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        rows, slots, vals = counts(texts)
        col = self._lookup[slots]
        hit = col >= 0
        rows, col, vals = rows[hit], col[hit], vals[hit]
        indptr = np.searchsorted(rows, np.arange(len(texts) + 1))  # rows come sorted
        x = sp.csr_matrix((vals, col, indptr), shape=(len(texts), len(self.columns)))
        z = np.asarray(x @ self._coef_t) + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def proba_one(self, text: str) -> np.ndarray:
        """``proba`` of one text without sparse matrices: a tenth of the cost, for per-message calls."""
        cps = np.frombuffer(head(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        h = np.concatenate([_ngram_hashes(cps, n)[0] for n in NGRAMS])
        slots, counts = np.unique((h & MASK).astype(np.int64), return_counts=True)
        z = self.intercept.astype(np.float64).copy()
        if len(slots):
            vals = 1.0 + np.log(counts)
            known = self._lookup[slots]
            hit = known >= 0
            z += self.coef[:, known[hit]] @ vals[hit] / np.sqrt((vals * vals).sum())
        e = np.exp(z - z.max())
        return np.asarray(e / e.sum())

    def score(self, texts: Sequence[str]) -> np.ndarray:
        """Probability that each text is sensitive (1 − P(ordinary))."""
        return np.asarray(1.0 - self.proba(texts)[:, 0])

    def explain(self, text: str, top: int = 3) -> tuple[str, float, list[str]]:
        """(kind, probability, strongest n-grams for that kind) of one text."""
        p = self.proba_one(text)
        k = int(np.argmax(p[1:])) + 1
        weights: dict[str, float] = {}
        for g in set(grams(text)):
            i = self._pos.get(_slot(g))
            if i is not None and len(g) > 1:
                weights[g] = float(self.coef[k, i] - self.coef[0, i])
        best = sorted(weights, key=lambda g: -weights[g])
        chosen: list[str] = []
        for g in best:
            if weights[g] <= 0 or len(chosen) >= top:
                break
            if not any(g in c or c in g for c in chosen):
                chosen.append(g)
        return self.classes[k], float(1.0 - p[0]), chosen

    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(
            path,
            classes=np.asarray(self.classes),
            columns=self.columns.astype(np.int32),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept,
            threshold=np.asarray(self.threshold),
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SensitiveModel:
        with np.load(path) as z:
            return cls(
                classes=[str(c) for c in z["classes"]],
                columns=z["columns"].astype(np.int64),
                coef=z["coef"].astype(np.float64),
                intercept=z["intercept"],
                threshold=float(z["threshold"]),
            )


def _read(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def labelled(path: Path) -> tuple[list[str], list[str]]:
    """Texts and labels ("" ordinary, else the kind) of a text,sensitive,kind file."""
    texts, labels = [], []
    for r in _read(path):
        if r.get("sensitive", "").strip() not in ("0", "1"):
            continue
        texts.append(r["text"])
        labels.append((r.get("kind") or "life").strip() if r["sensitive"].strip() == "1" else "")
    return texts, labels


def real_ordinary() -> list[str]:
    """The real messages of the shared data set (all ordinary government matters), or none."""
    path = datasets_dir() / "gov-messages" / "train.csv"
    return [r["text"] for r in _read(path)] if path.exists() else []


# Event types whose ordinary messages may also be sensitive ones (gas, fire, fights, people trapped or
# lost, collapses, wage arrears, bullying): their composed messages are not used as negatives.
NOT_NEGATIVE = {
    "NY04", "NY06", "NY08", "XF07", "ZA03", "ZA13", "ZA15", "SC12", "MD04", "MD09", "MD14", "MD17",
    "MD20", "LD01", "MZ04", "MZ17", "JY05", "JY06", "SW10", "SZ18", "YL01",
}  # fmt: skip
COMPOSED_PER_TYPE = 20


def composed_ordinary(per_type: int = COMPOSED_PER_TYPE) -> list[str]:
    """Ordinary complaints composed by the event-type corpus (``corpus_types``) for the types that are
    never sensitive by themselves: short and long, with addresses, "好几天没人管", typos — the everyday
    messages the detector must leave alone (e.g. "门口垃圾好几天没人收")."""
    from jiceng.triage.corpus_types import generate

    texts, codes = generate(per_type, seed=3)
    return [t for t, c in zip(texts, codes, strict=True) if c not in NOT_NEGATIVE and not c.startswith("AQ")]


def training_set() -> tuple[list[str], list[str], list[float]]:
    """Texts, labels and sample weights of the whole corpus (see ``corpus``)."""
    parts = corpus()
    return parts.texts, parts.labels, parts.weights


@dataclass
class Corpus:
    texts: list[str]
    labels: list[str]
    weights: list[float]
    groups: list[str]  # the composer's scene, or "written"/"real"/"types" with a row bucket


COMPOSED_PER_SCENE = 40
VALIDATION_SHARE = 0.2


def corpus() -> Corpus:
    from jiceng.triage.sensitive_composer import compose, stories_from

    texts, labels = labelled(TRAIN_FILE)
    if WRITTEN_FILE.exists():
        t, lab = labelled(WRITTEN_FILE)
        texts += t
        labels += lab
    if RULES_EXAMPLES.exists():
        t, lab = labelled(RULES_EXAMPLES)
        texts += t
        labels += lab
    groups = [f"written{i % 5}" for i in range(len(texts))]
    weights = [1.0] * len(texts)
    real = real_ordinary()
    rows = compose(COMPOSED_PER_SCENE, stories=stories_from(real))
    texts += [r[0] for r in rows]
    labels += [r[1] for r in rows]
    groups += [r[2] for r in rows]
    weights += [1.0] * len(rows)
    texts += real
    labels += [""] * len(real)
    groups += [f"real{i % 5}" for i in range(len(real))]
    weights += [REAL_WEIGHT] * len(real)
    composed = composed_ordinary()
    texts += composed
    labels += [""] * len(composed)
    groups += [f"types{i % 5}" for i in range(len(composed))]
    weights += [REAL_WEIGHT] * len(composed)
    return Corpus(texts, labels, weights, groups)


def _held_out(groups: Sequence[str]) -> set[str]:
    """The validation groups: one bucket in five of the written, real and type-corpus rows, and one
    composer scene in five (whole scenes, so validation sees templates the model never saw)."""
    names = sorted(set(groups))
    scenes = [g for g in names if not re.fullmatch(r"(written|real|types)\d", g)]
    held = {g for g in names if re.fullmatch(r"(written|real|types)0", g)}
    held |= set(scenes[2::5])
    return held


def fit(
    texts: Sequence[str], labels: Sequence[str], weights: Sequence[float] | None = None
) -> SensitiveModel:
    from sklearn.linear_model import LogisticRegression

    classes = [""] + sorted({lab for lab in labels if lab})
    y = np.asarray([classes.index(lab) for lab in labels])
    x = features(texts)
    used = np.unique(x.indices)
    x = x[:, used]
    counts = np.bincount(y, minlength=len(classes)).astype(float)
    sw = np.asarray(weights if weights is not None else [1.0] * len(texts), dtype=float)
    # Ordinary and sensitive weigh the same in total, whatever the number of real messages.
    neg, pos = sw[y == 0].sum(), sw[y != 0].sum()
    sw = np.where(y == 0, sw * pos / max(neg, 1e-9), sw)
    del counts
    clf = LogisticRegression(C=C, max_iter=2000)
    clf.fit(x, y, sample_weight=sw)
    coef = clf.coef_
    keep = np.abs(coef).max(axis=0) > PRUNE
    return SensitiveModel(classes, used[keep], coef[:, keep], clf.intercept_)


_lock = threading.Lock()
_model: SensitiveModel | None = None


def shipped() -> SensitiveModel | None:
    """The shipped model, loaded at the first call; None when the file is missing."""
    global _model
    if _model is None and MODEL_FILE.exists():
        with _lock:
            if _model is None:
                _model = SensitiveModel.load()
    return _model


def choose(target_real: float = TARGET_REAL_FLAGGED) -> dict[str, Any]:
    """The threshold, chosen on the validation split of the training corpus only: the model is fitted
    on the other part, the rules and the model score the held-out part, and the threshold is the one
    with the best F1 on the held-out written and composed requests among those that flag at most
    ``target_real`` of the held-out real ordinary messages."""
    from jiceng.triage.sensitive import default_lexicon, detect_rules

    parts = corpus()
    held = _held_out(parts.groups)
    tr = [i for i, g in enumerate(parts.groups) if g not in held]
    va = [i for i, g in enumerate(parts.groups) if g in held]
    model = fit([parts.texts[i] for i in tr], [parts.labels[i] for i in tr], [parts.weights[i] for i in tr])
    lexicon = default_lexicon()
    scores = model.score([parts.texts[i] for i in va])
    ruled = np.asarray([bool(detect_rules(parts.texts[i], lexicon)) for i in va])
    truth = np.asarray([bool(parts.labels[i]) for i in va])
    real = np.asarray([parts.groups[i].startswith("real") for i in va])
    best: dict[str, Any] = {}
    for t in np.arange(0.30, 0.96, 0.01):
        said = ruled | (scores >= t)
        flagged = float(said[real].mean()) if real.any() else 0.0
        req = ~real
        tp = float((said & truth & req).sum())
        p = tp / max(float((said & req).sum()), 1.0)
        r = tp / max(float((truth & req).sum()), 1.0)
        f1 = 2 * p * r / max(p + r, 1e-9)
        if flagged <= target_real and f1 > best.get("f1", -1.0):
            best = {"threshold": round(float(t), 2), "precision": p, "recall": r, "f1": f1, "real": flagged}
    best["n"] = int((~real).sum())
    best["n_real"] = int(real.sum())
    return best


def main() -> None:
    chosen = choose()
    texts, labels, weights = training_set()
    model = fit(texts, labels, weights)
    model.threshold = float(chosen.get("threshold", DEFAULT_THRESHOLD))
    model.save()
    print(
        f"{MODEL_FILE.name}: {len(texts)} texts, {len(model.columns)} columns, classes {model.classes}; "
        f"threshold {model.threshold:.2f} on validation: P {chosen.get('precision', 0):.3f} "
        f"R {chosen.get('recall', 0):.3f} (n={chosen['n']}), real flagged {chosen.get('real', 0):.3f} "
        f"(n={chosen['n_real']})"
    )


if __name__ == "__main__":
    main()
