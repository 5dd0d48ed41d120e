"""A second reader for recall: how much a narrative resembles the tuning set's high-risk (and not
low-risk) narratives.

Phrase rules miss danger told in words nobody wrote a pattern for. This reader — character 1–3-grams,
TF-IDF, logistic regression; one model for high against the rest, one for low against the rest — is
trained on the shipped tuning narratives (``data/narratives_tuning.csv``) when first used and cached for
the process. When it finds a narrative likely high (or likely not low) and the rules did not, the grade
is raised and the reason names the character n-grams that weighed most, so staff can see why. It never
lowers a grade.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TUNING_FILE = Path(__file__).with_name("data") / "narratives_tuning.csv"
_lock = threading.Lock()
_models: tuple[Model, Model] | None = None


@dataclass
class Model:
    vectorizer: Any
    classifier: Any

    def probability(self, text: str) -> float:
        return float(self.classifier.predict_proba(self.vectorizer.transform([text]))[0][1])

    def evidence(self, text: str, n: int = 4) -> list[str]:
        """The n-grams of ``text`` that pushed most towards high."""
        row = self.vectorizer.transform([text])
        weights = self.classifier.coef_[0]
        names = self.vectorizer.get_feature_names_out()
        scored = sorted(
            (
                (row[0, j] * weights[j], names[j])
                for j in row.nonzero()[1]
                # single characters weigh in the model but explain nothing to a reader
                if weights[j] > 0 and len(names[j].strip("，。、！？“”")) >= 2
            ),
            reverse=True,
        )
        picked: list[str] = []
        for _score, name in scored:
            if any(name in p or p in name for p in picked):
                continue
            picked.append(name)
            if len(picked) == n:
                break
        return picked


def train(texts: list[str], labels: list[str]) -> Model:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x = vectorizer.fit_transform(texts)
    y = [1 if label == "high" else 0 for label in labels]
    classifier = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
    classifier.fit(x, y)
    return Model(vectorizer, classifier)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [(row["text"], row["risk"]) for row in csv.DictReader(fh)]


def train_pair(pairs: list[tuple[str, str]]) -> tuple[Model, Model]:
    """(high against the rest, medium-or-high against low)."""
    texts = [t for t, _ in pairs]
    high = train(texts, [r for _, r in pairs])
    not_low = train(texts, ["high" if r != "low" else "low" for _, r in pairs])
    return high, not_low


def shipped_models() -> tuple[Model, Model] | None:
    """The models trained on the shipped tuning set; None when scikit-learn or the file is missing."""
    global _models
    with _lock:
        if _models is None:
            try:
                _models = train_pair(read_pairs(TUNING_FILE))
            except (ImportError, OSError, KeyError):
                return None
        return _models
