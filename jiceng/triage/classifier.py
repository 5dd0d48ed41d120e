"""The dispatch classifier: TF-IDF blocks (characters, jieba words, the title), the features that tell
the classes apart most (chi-squared), a linear SVM on them and a vote of the nearest training messages,
with probabilities calibrated by temperature scaling on out-of-fold scores and an auto-dispatch
threshold chosen for a target precision.

A model is one ``.npz`` file of plain arrays plus a JSON header (no pickle), a few MB, loaded in well
under a second.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from jiceng.triage.features import Block, fit_block, transform, word_hashes
from jiceng.triage.text import jieba_cut, normalise

FORMAT = "jiceng-triage-1"
HEAD_CHARS = 20
HEAD_WEIGHT = 0.7
SVM_C = 0.5
# Each class weighted by the inverse of its frequency: the small classes (交通运输 has a third of
# 城乡建设's messages) lose fewer messages to the large ones. Chosen, with C, by 5-fold CV on the
# 80 % development part of train.csv only (docs/triage-category.md); the 20 % hold-out never took part.
CLASS_WEIGHT: str | None = "balanced"
# The SVM sees only the features with the highest chi-squared score against the classes, and the
# share of the nearest training messages' votes (cosine similarity squared, over those features) is
# added to its scores. Chosen by 5-fold CV on the development part only, six split seeds
# (docs/triage-category.md): +0.6 points of accuracy and macro-F1 on every split.
FEATURES_KEPT = 20_000
NEIGHBOURS = 10
NEIGHBOUR_WEIGHT = 0.5
# Above this many training messages the neighbour vote is left out (its memory and its cost at
# prediction grow with the training set); the model is then the SVM alone.
NEIGHBOUR_ROWS_MAX = 20_000


@dataclass
class Params:
    """Hyper-parameters, chosen by cross-validation on a development split (see bench_triage)."""

    C: float = SVM_C
    class_weight: str | None = CLASS_WEIGHT
    head_chars: int = HEAD_CHARS
    head_weight: float = HEAD_WEIGHT
    min_df: int = 2
    features_kept: int = FEATURES_KEPT  # 0 = all
    neighbours: int = NEIGHBOURS  # 0 = no neighbour vote
    neighbour_weight: float = NEIGHBOUR_WEIGHT
    neighbour_rows_max: int = NEIGHBOUR_ROWS_MAX
    calibration_folds: int = 5
    target_precision: float = 0.95


@dataclass
class TextModel:
    blocks: list[Block]
    classes: list[str]
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    temperature: float = 1.0
    threshold: float | None = None  # confidence at which a suggestion dispatches itself
    meta: dict[str, Any] = field(default_factory=dict)
    # The weights of "not a government matter / cannot tell" (features + 1 bias), when trained with
    # one: it takes its share of the softmax, so the types' probabilities then sum to less than one.
    background: np.ndarray | None = None
    # The training messages' feature rows (kept features only) and class indices, for the neighbour
    # vote; None when the model has none.
    memory: Memory | None = None

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        # Whitespace only: the features fold full-width characters themselves, vectorised.
        return transform(self.blocks, ["".join((t or "").split()) for t in texts])

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        return self.row_scores(self.features(texts))

    def row_scores(self, X: sp.csr_matrix) -> np.ndarray:
        scores = np.asarray(X @ self.coef.T + self.intercept)
        if self.memory is not None:
            scores = scores + self.memory.weight * self.memory.vote(X, len(self.classes))
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self.background is None:
            return softmax(self.decision(texts), self.temperature)
        return softmax(self.decision_with_background(texts), self.temperature)[:, :-1]

    def decision_with_background(self, texts: Sequence[str]) -> np.ndarray:
        """The types' scores with the background's as a last column."""
        assert self.background is not None
        X = self.features(texts)
        scores = self.row_scores(X)
        bg = np.asarray(X @ self.background[:-1]).reshape(-1, 1) + self.background[-1]
        return np.hstack([scores, bg])

    def predict(self, texts: Sequence[str]) -> list[str]:
        scores = self.decision(texts)
        return [self.classes[i] for i in scores.argmax(axis=1)]

    def rank(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        p = self.predict_proba([text])[0]
        order = np.argsort(-p)[:top]
        return [(self.classes[i], float(p[i])) for i in order]

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "format": FORMAT,
            "classes": self.classes,
            "temperature": self.temperature,
            "threshold": self.threshold,
            "blocks": [{"ns": list(b.ns), "weight": b.weight, "head": b.head} for b in self.blocks],
            "meta": self.meta,
        }
        if self.memory is not None:
            header["neighbours"] = {"k": self.memory.k, "weight": self.memory.weight}
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
        }
        if self.background is not None:
            arrays["background"] = self.background.astype(np.float32)
        if self.memory is not None:
            rows = self.memory.rows
            arrays["memory_data"] = rows.data.astype(np.float32)
            arrays["memory_indices"] = rows.indices.astype(np.int32)
            arrays["memory_indptr"] = rows.indptr.astype(np.int64)
            arrays["memory_labels"] = self.memory.labels.astype(np.int16)
        for i, b in enumerate(self.blocks):
            arrays[f"vocab{i}"] = b.vocab
            arrays[f"idf{i}"] = b.idf
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)  # readers never see a half-written model
        return path

    @classmethod
    def load(cls, path: Path | str) -> TextModel:
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode())
            if header.get("format") != FORMAT:
                raise ValueError(f"{path} 不是分拨模型文件（格式 {header.get('format')!r}）")
            blocks = [
                Block(tuple(spec["ns"]), z[f"vocab{i}"], z[f"idf{i}"], spec["weight"], spec["head"])
                for i, spec in enumerate(header["blocks"])
            ]
            memory = None
            if "memory_data" in z.files:
                spec = header["neighbours"]
                width = sum(len(b.vocab) for b in blocks)
                indptr = z["memory_indptr"]
                rows = sp.csr_matrix(
                    (z["memory_data"], z["memory_indices"], indptr), shape=(len(indptr) - 1, width)
                )
                memory = Memory(
                    rows, z["memory_labels"].astype(np.int64), int(spec["k"]), float(spec["weight"])
                )
            return cls(
                blocks=blocks,
                classes=header["classes"],
                coef=z["coef"],
                intercept=z["intercept"],
                temperature=header["temperature"],
                threshold=header["threshold"],
                meta=header.get("meta", {}),
                background=z["background"] if "background" in z.files else None,
                memory=memory,
            )


@dataclass
class Memory:
    """The nearest-neighbour vote: each message's ``k`` most similar training messages (dot product
    of the feature rows, i.e. the sum of the blocks' cosines) vote for their class with their
    similarity squared; the vote is each class's share, so it adds at most ``weight`` to a score."""

    rows: sp.csr_matrix  # (training messages, features), kept features only
    labels: np.ndarray  # class index of each row
    k: int
    weight: float
    _rows_t: sp.csr_matrix | None = None

    def vote(self, X: sp.csr_matrix, n_classes: int) -> np.ndarray:
        if self._rows_t is None:
            self._rows_t = self.rows.T.tocsr()
        sim = np.asarray((X @ self._rows_t).todense(), dtype=np.float32)
        n, m = sim.shape
        votes = np.zeros((n, n_classes), dtype=np.float32)
        if not n or not m:
            return votes
        k = min(self.k, m)
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k] if k < m else np.tile(np.arange(m), (n, 1))
        near = np.take_along_axis(sim, top, axis=1)
        rows = np.repeat(np.arange(n), k)
        np.add.at(votes, (rows, self.labels[top].ravel()), (near * near).ravel())
        total = votes.sum(axis=1, keepdims=True)
        return votes / np.where(total > 0, total, 1.0)


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


TokenCache = dict[str, list[str]]


def _words(texts: Sequence[str], cache: TokenCache | None) -> list[str]:
    out: list[str] = []
    for t in texts:
        if cache is not None and t in cache:
            words = cache[t]
        else:
            words = jieba_cut(t)
            if cache is not None:
                cache[t] = words
        out.extend(set(words))
    return out


def fit_blocks(
    texts: Sequence[str], params: Params, cache: TokenCache | None = None, *, head: bool = True
) -> list[Block]:
    words = _words(texts, cache)
    df = Counter(words)
    vocabulary = word_hashes([w for w, n in df.items() if n >= params.min_df])
    blocks = [
        fit_block(texts, (1, 2), min_df=params.min_df),
        fit_block(texts, (2, 3, 4), min_df=params.min_df, allowed=vocabulary),
    ]
    if head:
        blocks.append(
            fit_block(
                texts, (1, 2, 3), min_df=params.min_df, weight=params.head_weight, head=params.head_chars
            )
        )
    return blocks


def _svm(
    X: sp.csr_matrix,
    y: np.ndarray,
    C: float,
    class_weight: str | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.svm import LinearSVC

    clf = LinearSVC(C=C, max_iter=5000, class_weight=class_weight)
    clf.fit(X, y, sample_weight=sample_weight)
    coef, intercept = clf.coef_, clf.intercept_
    classes = [str(c) for c in clf.classes_]
    if len(classes) == 2:  # sklearn keeps one row for two classes: make it symmetric
        coef = np.vstack([-coef[0], coef[0]])
        intercept = np.array([-intercept[0], intercept[0]])
    return coef.astype(np.float32), intercept.astype(np.float32), classes


def kept_features(X: sp.csr_matrix, y: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` features with the highest chi-squared score against the classes
    (all columns when ``k`` is 0 or at least their number)."""
    if not k or k >= X.shape[1]:
        return np.arange(X.shape[1])
    from sklearn.feature_selection import chi2

    stat, _ = chi2(X, y)
    order = np.argsort(-np.nan_to_num(stat, nan=0.0), kind="stable")
    return np.sort(order[:k])


def fit_scorer(
    X: sp.csr_matrix,
    y: np.ndarray,
    params: Params,
    weights: np.ndarray | None = None,
    remembered: np.ndarray | None = None,
) -> TextModel:
    """The SVM on the kept features (the others' weights are zero) and, for a training set of at most
    ``params.neighbour_rows_max`` messages, the neighbour vote: a model without blocks, scoring rows.
    ``weights`` weigh the rows in the SVM; only the rows ``remembered`` (a mask; all when None) are
    neighbours."""
    kept = kept_features(X, y, params.features_kept)
    c, intercept, classes = _svm(X[:, kept], y, params.C, params.class_weight, weights)
    coef = np.zeros((len(classes), X.shape[1]), dtype=np.float32)
    coef[:, kept] = c
    memory = None
    if params.neighbours and len(y) <= params.neighbour_rows_max:
        mask = np.zeros(X.shape[1], dtype=np.float32)
        mask[kept] = 1.0
        which = np.arange(len(y)) if remembered is None else np.flatnonzero(remembered)
        rows = sp.csr_matrix(X[which] @ sp.diags(mask))
        rows.eliminate_zeros()
        index = {k: i for i, k in enumerate(classes)}
        labels = np.array([index[str(v)] for v in y[which].tolist()], dtype=np.int64)
        memory = Memory(rows, labels, params.neighbours, params.neighbour_weight)
    return TextModel([], classes, coef, intercept, memory=memory)


def centroids(X: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Nearest-centroid weights: each class's mean feature vector, L2-normalised.

    One sparse product for all classes, so it trains in about a second whatever the number of
    classes, where a linear SVM over hundreds of classes takes minutes (and its time varies with
    how the classes overlap). Used for the catalogue model, whose synthetic phrasings share their
    templates across all classes: shared n-grams weigh about the same in every centroid and cancel
    out in the ranking, so the keywords, names and descriptions decide.
    """
    classes = sorted({str(v) for v in y.tolist()})
    index = {c: i for i, c in enumerate(classes)}
    rows = np.array([index[str(v)] for v in y.tolist()])
    members = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, np.arange(len(rows)))), shape=(len(classes), len(rows))
    )
    coef = np.asarray((members @ X).todense(), dtype=np.float32)
    norms = np.linalg.norm(coef, axis=1, keepdims=True)
    coef /= np.where(norms > 0, norms, 1.0)
    return coef, np.zeros(len(classes), dtype=np.float32), classes


def softmax_regression(
    X: sp.csr_matrix,
    y_idx: np.ndarray,
    n_classes: int,
    *,
    epochs: int = 5,
    batch: int = 2048,
    lr: float = 0.1,
    l2: float = 1e-6,
    weights: np.ndarray | None = None,
    init: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression trained by mini-batch Adam: (coef, intercept).

    One softmax over all classes (not one-vs-rest), so its scores are comparable across hundreds of
    classes and its probabilities need only a temperature. ``weights`` are per-sample (class balance);
    ``init`` continues from earlier weights. A few epochs of large batches: tens of seconds for the
    342-type catalogue on ~20,000 messages, where a one-vs-rest SVM takes minutes.
    """
    rng = np.random.default_rng(seed)
    n, f = X.shape
    X = X.astype(np.float32)
    W = np.zeros((n_classes, f), np.float32) if init is None else init[0].astype(np.float32).copy()
    b = np.zeros(n_classes, np.float32) if init is None else init[1].astype(np.float32).copy()
    w = np.ones(n, np.float32) if weights is None else np.asarray(weights, np.float32)
    m, v, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            Xb = X[idx]
            z = np.asarray(Xb @ W.T) + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y_idx[idx]] -= 1.0
            p *= (w[idx] / w[idx].sum())[:, None]
            g = np.asarray((Xb.T @ p).T, dtype=np.float32) + l2 * W
            gb = p.sum(axis=0)
            step += 1
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            mb = beta1 * mb + (1 - beta1) * gb
            vb = beta2 * vb + (1 - beta2) * gb * gb
            a = lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
            W -= (a * m / (np.sqrt(v) + eps)).astype(np.float32)
            b -= (a * mb / (np.sqrt(vb) + eps)).astype(np.float32)
    return W, b


def prune(coef: np.ndarray, mass: float) -> np.ndarray:
    """Each class's largest weights that carry ``mass`` of its absolute weight, the rest set to zero.

    A softmax regression trained by Adam leaves small weights on every feature; the zeros compress to
    nothing in the model file (0.7 of the mass keeps about a tenth of the weights and every top-1
    decision on the written corpus).
    """
    a = np.abs(coef)
    ordered = -np.sort(-a, axis=1)
    cum = np.cumsum(ordered, axis=1)
    k = np.minimum((cum < mass * cum[:, -1:]).sum(axis=1), a.shape[1] - 1)
    cut = ordered[np.arange(len(a)), k]
    return np.where(a >= cut[:, None], coef, 0).astype(np.float32)


def fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    """The temperature that minimises the log-loss of softmax(scores × T) on out-of-fold scores."""
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        p = softmax(scores, t)
        return float(-np.log(np.clip(p[np.arange(len(y_idx)), y_idx], 1e-12, None)).mean())

    return float(minimize_scalar(nll, bounds=(0.05, 50.0), method="bounded").x)


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target: float
) -> tuple[float | None, float]:
    """The lowest confidence at which every suggestion at or above it is right at least ``target`` of
    the time; with the share of cases that would dispatch themselves. (None, 0) when none qualifies."""
    order = np.argsort(-confidence)
    hits = np.cumsum(correct[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.nonzero(precision >= target)[0]
    if not len(ok):
        return None, 0.0
    k = ok[-1]
    return float(confidence[order][k]), float((k + 1) / len(order))


def stratified_folds(y: np.ndarray, k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    smallest = min(Counter(y.tolist()).values())
    k = max(2, min(k, smallest))
    return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    params: Params | None = None,
    *,
    cache: TokenCache | None = None,
    calibrate: bool = True,
    progress: Callable[[str], None] | None = None,
    weights: Sequence[float] | None = None,
    remembered: Sequence[bool] | None = None,
) -> TextModel:
    """Train on (text, label) pairs. Calibration and the threshold come from an inner cross-validation
    of the SVM and the neighbour vote on the training texts, so they never see the texts they are
    judged on. ``weights`` (one per text) weigh the texts in the SVM; only the texts ``remembered``
    (all when None) are kept as neighbours."""
    params = params or Params()
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    keep = None if remembered is None else np.asarray(remembered, dtype=bool)
    started = time.perf_counter()
    texts = [normalise(t) for t in texts]
    y = np.array([str(label) for label in labels])
    if len(set(y.tolist())) < 2:
        raise ValueError("训练数据至少需要两个类别")
    blocks = fit_blocks(texts, params, cache)
    X = transform(blocks, texts)
    model = fit_scorer(X, y, params, w, keep)
    model.blocks = blocks
    classes = model.classes
    if calibrate and min(Counter(y.tolist()).values()) >= 2:
        if progress:
            progress("校准置信度……")
        index = {c: i for i, c in enumerate(classes)}
        oof = np.zeros((len(y), len(classes)), dtype=np.float32)
        for tr, te in stratified_folds(y, params.calibration_folds, seed=0):
            fold = fit_scorer(
                X[tr], y[tr], params, None if w is None else w[tr], None if keep is None else keep[tr]
            )
            cols = [index[k] for k in fold.classes]
            part = np.full((len(te), len(classes)), -10.0, dtype=np.float32)
            part[:, cols] = fold.row_scores(X[te])
            oof[te] = part
        y_idx = np.array([index[v] for v in y])
        model.temperature = fit_temperature(oof, y_idx)
        p = softmax(oof, model.temperature)
        confidence, correct = p.max(axis=1), p.argmax(axis=1) == y_idx
        model.threshold, coverage = choose_threshold(confidence, correct, params.target_precision)
        model.meta.update(
            {
                "validation_accuracy": float(correct.mean()),
                "target_precision": params.target_precision,
                "auto_dispatch_share": coverage,
            }
        )
    model.meta.update(
        {
            "n": len(texts),
            "classes": dict(Counter(y.tolist())),
            "params": params.__dict__,
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "training_seconds": round(time.perf_counter() - started, 2),
        }
    )
    return model


@dataclass
class Scores:
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    labels: list[str]
    confusion: list[list[int]]
    n: int
    throughput_per_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class": self.per_class,
            "throughput_per_s": self.throughput_per_s,
            "n": self.n,
            "labels": self.labels,
            "confusion": self.confusion,
            **self.extra,
        }


def score(y_true: Sequence[str], y_pred: Sequence[str]) -> Scores:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labels)
    }
    present = sorted(set(y_true))
    return Scores(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        per_class=per_class,
        labels=labels,
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        n=len(y_true),
    )


HOLDOUT_SEED = 20261207  # the fixed 80/20 split that hyper-parameter choices never looked at


def holdout_split(labels: Sequence[str], share: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(development, hold-out) indices: a stratified split with a fixed seed. C and the class weighting
    were chosen by cross-validation on the development part alone."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    dev, held = train_test_split(idx, test_size=share, stratify=list(labels), random_state=HOLDOUT_SEED)
    return np.sort(dev), np.sort(held)


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    params: Params | None = None,
    *,
    folds: int = 5,
    seeds: Sequence[int] = (0,),
    cache: TokenCache | None = None,
    progress: Callable[[str], None] | None = None,
    extra: Sequence[tuple[str, str]] = (),
    extra_weight: float = 1.0,
    extra_remembered: bool = True,
) -> Scores:
    """k-fold cross-validation, repeated over ``seeds`` (different splits); every fold trains the whole
    pipeline (vocabularies, idf, SVM, calibration) on its training part only. Figures are pooled over
    all out-of-fold predictions; the spread over repeats is reported in ``extra``.

    ``extra`` (text, label) pairs are added to every fold's training part and never scored (more
    labelled messages from elsewhere, e.g. ``board.board_rows``), weighing ``extra_weight`` each in the
    SVM and among the neighbours unless ``extra_remembered`` is False."""
    params = params or Params()
    texts = [normalise(t) for t in texts]
    more_texts = [normalise(t) for t, _ in extra]
    more_labels = [str(label) for _, label in extra]
    y = np.array([str(label) for label in labels])
    cache = {} if cache is None else cache
    all_true: list[str] = []
    all_pred: list[str] = []
    repeats = []
    correct_conf: list[tuple[float, bool]] = []
    for seed in seeds:
        pred = np.empty(len(y), dtype=object)
        for i, (tr, te) in enumerate(stratified_folds(y, folds, seed)):
            if progress:
                progress(f"交叉验证 seed={seed} 第 {i + 1} 折……")
            model = train(
                [texts[j] for j in tr] + more_texts,
                y[tr].tolist() + more_labels,
                params,
                cache=cache,
                calibrate=True,
                weights=[1.0] * len(tr) + [extra_weight] * len(more_texts) if more_texts else None,
                remembered=[True] * len(tr) + [extra_remembered] * len(more_texts) if more_texts else None,
            )
            proba = model.predict_proba([texts[j] for j in te])
            pred[te] = [model.classes[k] for k in proba.argmax(axis=1)]
            for j, row in zip(te, proba, strict=True):
                correct_conf.append((float(row.max()), model.classes[int(row.argmax())] == y[j]))
        s = score(y.tolist(), pred.tolist())
        repeats.append((s.accuracy, s.macro_f1))
        all_true += y.tolist()
        all_pred += pred.tolist()
    pooled = score(all_true, all_pred)
    conf = np.array([c for c, _ in correct_conf])
    ok = np.array([k for _, k in correct_conf])
    threshold, share = choose_threshold(conf, ok, params.target_precision)
    pooled.n = len(y)
    pooled.extra = {
        "folds": folds,
        "seeds": list(seeds),
        "extra_training_rows": len(more_texts),
        "repeats": [{"accuracy": a, "macro_f1": f} for a, f in repeats],
        "accuracy_std": float(np.std([a for a, _ in repeats])),
        "ece": expected_calibration_error(conf, ok),
        "auto_dispatch": {
            "target_precision": params.target_precision,
            "threshold": threshold,
            "share": share,
        },
    }
    return pooled


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (confidence > lo) & (confidence <= hi)
        if m.any():
            total += m.mean() * abs(confidence[m].mean() - correct[m].mean())
    return float(total)


def throughput(model: TextModel, texts: Sequence[str], batch: int = 256) -> float:
    """Messages a second through ``predict_proba`` in this process, in batches of ``batch``."""
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        model.predict_proba(texts[i : i + batch])
    return len(texts) / max(time.perf_counter() - started, 1e-9)
