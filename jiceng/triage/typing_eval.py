"""Event types of many messages at once, and their top-1/top-3 accuracy against acceptable codes.

A message the model cannot read (best confidence under ``JICENG_TRIAGE_MIN_CONFIDENCE``, the floor below
which intake leaves the case to the desk) counts as ``NONE``: "not a government matter / cannot tell".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

NONE = "NONE"
# The held-out event-type test set: hand-written resident messages, never trained or tuned on.
TEST_FILE = Path(__file__).with_name("data") / "type_test.csv"


def top_types(texts: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
    """The ``k`` best event type codes of each text with their calibrated confidence."""
    from jiceng.triage.service import current_model

    model = current_model()
    if model is None or not texts:
        return [[] for _ in texts]
    proba = model.predict_proba(list(texts))
    best = np.argsort(-proba, axis=1)[:, :k]
    return [[(model.classes[j], float(proba[i, j])) for j in row] for i, row in enumerate(best)]


def _floor() -> float:
    from jiceng.cases.triage_port import min_confidence

    return min_confidence()


def predicted(top: list[tuple[str, float]], floor: float) -> list[str]:
    codes = [c for c, _ in top]
    if not top or top[0][1] < floor:
        return [NONE, *codes[:2]]
    return codes


def score_types(ranked: Sequence[list[tuple[str, float]]], codes: Sequence[str]) -> dict[str, Any]:
    """``{"n", "top1", "top3"}`` over the rows with a non-empty ``codes`` cell."""
    floor = _floor()
    n = top1 = top3 = 0
    for top, cell in zip(ranked, codes, strict=True):
        ok = {
            c.strip().upper() if c.strip().upper() == NONE else c.strip()
            for c in cell.split(";")
            if c.strip()
        }
        if not ok:
            continue
        guess = predicted(top, floor)
        n += 1
        top1 += bool(guess) and guess[0] in ok
        top3 += bool(ok & set(guess[:3]))
    return {"n": n, "top1": top1 / n if n else 0.0, "top3": top3 / n if n else 0.0}


def auto_dispatch_precision(
    ranked: Sequence[list[tuple[str, float]]], codes: Sequence[str], threshold: float = 0.85
) -> dict[str, Any]:
    """How often a best type at or above ``threshold`` (the auto-dispatch confidence) is acceptable:
    ``{"right", "wrong", "precision"}`` over the rows with a non-empty ``codes`` cell."""
    right = wrong = 0
    for top, cell in zip(ranked, codes, strict=True):
        ok = {c.strip() for c in cell.split(";") if c.strip()}
        if not ok or not top or top[0][1] < threshold:
            continue
        right += top[0][0] in ok
        wrong += top[0][0] not in ok
    return {"right": right, "wrong": wrong, "precision": right / (right + wrong) if right + wrong else 1.0}
