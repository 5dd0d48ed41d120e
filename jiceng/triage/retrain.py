"""Retraining from the desk's decisions: every case that has left the desk carries its final type.

The most recent ``HOLDOUT`` share of decided cases (by registration time, then id) is held back; a
model is trained on the rest with ``classifier.train`` and both it and the live model are scored on
the held-back cases. The new model is written only when its top-1 is strictly higher.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiceng.triage.classifier import TextModel, train
from jiceng.triage.live import UNDECIDED

HOLDOUT = 0.2
MIN_CASES = 50


class TooFewCases(ValueError):
    pass


@dataclass
class Outcome:
    n_train: int
    n_test: int
    new_top1: float
    live_top1: float | None
    written: Path | None


def decided_cases() -> list[tuple[str, str]]:
    """(text, final type code) of every case the desk has decided, oldest first."""
    from jiceng.cases.models import Case

    rows = (
        Case.objects.filter(event_type__isnull=False)
        .exclude(status__in=UNDECIDED)
        .order_by("registered_at", "pk")
        .values_list("title", "description", "event_type__code")
    )
    return [(f"{title}\n{description}".strip(), code) for title, description, code in rows]


def split(rows: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The older cases to train on and the most recent ones held back (at least one)."""
    cut = len(rows) - max(1, round(len(rows) * HOLDOUT))
    return rows[:cut], rows[cut:]


def top1(model: TextModel | None, rows: list[tuple[str, str]]) -> float | None:
    if model is None or not rows:
        return None
    predicted = model.predict([text for text, _ in rows])
    return sum(p == code for p, (_, code) in zip(predicted, rows, strict=True)) / len(rows)


def retrain_from_cases(out: Path | None = None, minimum: int = MIN_CASES, actor: Any = None) -> Outcome:
    """Train on the desk's decisions, compare with the live model, and replace it only when better."""
    from jiceng.triage import service
    from jiceng.triage.actions import do_record_model_build

    rows = decided_cases()
    if len(rows) < max(minimum, 2):
        raise TooFewCases(
            f"已分拨的工单只有 {len(rows)} 件，至少需要 {max(minimum, 2)} 件才能重新训练；模型未更换。"
        )
    training, held = split(rows)
    try:
        model = train([t for t, _ in training], [c for _, c in training])
    except ValueError as exc:
        raise TooFewCases(f"{exc}；模型未更换。") from exc
    model.meta["source"] = "cases"
    new, live = top1(model, held), top1(service.current_model(), held)
    assert new is not None
    written = None
    if live is None or new > live:
        written = model.save(out or service.model_path())
        service._forget()
        do_record_model_build(
            actor,
            {"path": str(written), "source": "cases", "n": len(training), "top1": new, "live_top1": live},
        )
    return Outcome(len(training), len(held), new, live, written)
