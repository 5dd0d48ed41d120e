"""Retraining from the desk's decisions: every case that has left the desk carries its final type.

The most recent ``HOLDOUT`` share of decided cases (by registration time, then id) is held back. A
model is built the way the shipped one is (``catalogue.build_model``: the installed catalogue's
phrasings, the composed resident messages and the hand-written corpus) with the older decisions
added as labelled messages (weight ``catalogue.DESK_WEIGHT``), so types the desk has not yet seen
stay known. It and the live model are scored on the held-back cases; the new model replaces the live
file only when its top-1 is strictly higher. The file is replaced atomically and every process
reloads it on its next proposal (``service.current_model`` watches the file), so no restart is needed.
Every run that trains writes a ``model_built`` event with its figures, whether it replaced the model
or not: the audit trail, and what the scheduled worker reads to know when it last ran.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jiceng.triage.catalogue import Entry, as_entry, build_model
from jiceng.triage.classifier import TextModel, train
from jiceng.triage.live import UNDECIDED

HOLDOUT = 0.2
MIN_CASES = 50
SOURCE = "cases"


class TooFewCases(ValueError):
    pass


@dataclass
class Outcome:
    n_train: int
    n_test: int
    new_top1: float
    live_top1: float | None
    written: Path | None
    seconds: float = 0.0
    types: int = 0


def decided_cases(codes: set[str] | None = None) -> list[tuple[str, str]]:
    """(text, final type code) of every case the desk has decided, oldest first; with ``codes`` only
    those of the types the model can learn (the active catalogue)."""
    from jiceng.cases.models import Case

    rows = (
        Case.objects.filter(event_type__isnull=False)
        .exclude(status__in=UNDECIDED)
        .order_by("registered_at", "pk")
        .values_list("title", "description", "event_type__code")
    )
    return [
        (f"{title}\n{description}".strip(), code)
        for title, description, code in rows
        if codes is None or code in codes
    ]


def split(rows: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The older cases to train on and the most recent ones held back (at least one)."""
    cut = len(rows) - max(1, round(len(rows) * HOLDOUT))
    return rows[:cut], rows[cut:]


def top1(model: TextModel | None, rows: list[tuple[str, str]]) -> float | None:
    if model is None or not rows:
        return None
    predicted = model.predict([text for text, _ in rows])
    return sum(p == code for p, (_, code) in zip(predicted, rows, strict=True)) / len(rows)


def catalogue() -> list[Entry]:
    """The installed catalogue (what intake may propose), else the shipped one."""
    from jiceng.triage import service

    entries = service.catalogue_entries() or service.catalogue_entries(default=True) or []
    return [as_entry(e) for e in entries]


def retrain_from_cases(
    out: Path | None = None, minimum: int = MIN_CASES, actor: Any = None, *, corpus: bool = True
) -> Outcome:
    """Train on the desk's decisions (plus, with ``corpus``, the catalogue corpus), compare with the
    live model on the newest decisions, and replace it only when better."""
    from jiceng.triage import service
    from jiceng.triage.actions import do_record_model_build

    started = time.perf_counter()
    entries = catalogue() if corpus else []
    if corpus and len(entries) < 2:
        raise TooFewCases("没有可用的事项目录，无法重新训练；模型未更换。")
    rows = decided_cases({e.code for e in entries} if corpus else None)
    if len(rows) < max(minimum, 2):
        raise TooFewCases(
            f"已分拨的工单只有 {len(rows)} 件，至少需要 {max(minimum, 2)} 件才能重新训练；模型未更换。"
        )
    training, held = split(rows)
    try:
        if corpus:
            model = build_model(entries, decisions=training)
        else:
            model = train([t for t, _ in training], [c for _, c in training])
    except ValueError as exc:
        raise TooFewCases(f"{exc}；模型未更换。") from exc
    model.meta["source"] = SOURCE
    model.meta["desk"] = len(training)
    new, live = top1(model, held), top1(service.current_model(), held)
    assert new is not None
    written = None
    if live is None or new > live:
        written = model.save(out or service.model_path())
        service._forget()
    outcome = Outcome(
        len(training), len(held), new, live, written, time.perf_counter() - started, len(model.classes)
    )
    do_record_model_build(
        actor,
        {
            "path": str(written) if written else None,
            "source": SOURCE,
            "corpus": corpus,
            "replaced": written is not None,
            "n": len(training),
            "held": len(held),
            "types": outcome.types,
            "top1": new,
            "live_top1": live,
            "seconds": round(outcome.seconds, 1),
        },
    )
    return outcome
