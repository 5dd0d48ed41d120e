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

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from jiceng.core.loop import CONNECTION_ERRORS, Loop, beat
from jiceng.triage.catalogue import Entry, as_entry, build_model
from jiceng.triage.classifier import TextModel, train
from jiceng.triage.live import UNDECIDED

logger = logging.getLogger(__name__)

HOLDOUT = 0.2
MIN_CASES = 50
# A district's years of decisions would not fit one training in memory and time; the newest this many
# say most about how residents write now.
MAX_DECISIONS = 100_000
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
    corpus: bool = True


def decided_cases(codes: set[str] | None = None, limit: int | None = None) -> list[tuple[str, str]]:
    """(text, final type code) of the cases the desk has decided, oldest first: the newest ``limit``
    (default ``MAX_DECISIONS``); with ``codes`` only those of the types the model can learn (the
    active catalogue)."""
    from jiceng.cases.models import Case

    decided = Case.objects.filter(event_type__isnull=False).exclude(status__in=UNDECIDED)
    if codes is not None:
        decided = decided.filter(event_type__code__in=sorted(codes))
    rows = decided.order_by("-registered_at", "-pk").values_list("title", "description", "event_type__code")[
        : limit or MAX_DECISIONS
    ]
    return [(f"{title}\n{description}".strip(), code) for title, description, code in list(rows)[::-1]]


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
        len(training),
        len(held),
        new,
        live,
        written,
        time.perf_counter() - started,
        len(model.classes),
        corpus,
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


# -- the scheduled retrain ---------------------------------------------------------------------------

WORKER = "triage-retrain"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> float:
    """Seconds in ``"24h"``, ``"30m"``, ``"90s"`` or ``"1d"`` (a unit is required)."""
    text = text.strip().lower()
    try:
        value = float(text[:-1]) if text and text[-1] in _UNITS else None
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise ValueError(f"无法识别的间隔 {text!r}：请写数字加单位，如 24h、30m、1d")
    return value * _UNITS[text[-1]]


def parse_at(text: str) -> dt.time:
    try:
        hour, minute = (int(part) for part in text.strip().split(":"))
        return dt.time(hour, minute)
    except ValueError:
        raise ValueError(f"无法识别的时刻 {text!r}：请写 时:分，如 03:00") from None


def last_run() -> dt.datetime | None:
    """When a retrain from cases last trained a model (whether or not it replaced the live one)."""
    from jiceng.triage.models import TriageEvent

    return (
        TriageEvent.objects.filter(verb=TriageEvent.Verb.MODEL_BUILT, detail__source=SOURCE)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


@contextmanager
def beating(name: str, every: float) -> Iterator[None]:
    """Heartbeats from a thread of their own while a long pass (a training) runs, so the worker does
    not look dead to ``/readyz``; the thread closes its own database connection when done."""
    from django.db import connection

    done = threading.Event()

    def run() -> None:
        try:
            while not done.wait(every):
                beat(name, note="training")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"{name}-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class RetrainLoop(Loop):
    """``jiceng triage retrain --from-cases --every 24h`` (or ``--at 03:00``): retrains when due.

    Due is read from the last ``model_built`` event of a retrain, so a restarted worker does not retrain
    again at once. A refusal (too few decisions) or a failure waits a whole period, not a restart loop;
    a database outage is waited out by ``Loop`` and the retrain tried again when it is back. SIGTERM
    lets a training finish; one cut short (SIGKILL) leaves the live model as it was, since the file is
    only ever replaced whole.
    """

    name = WORKER

    def __init__(
        self,
        *,
        every: float | None = None,
        at: dt.time | None = None,
        minimum: int = MIN_CASES,
        model_out: Path | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("interval", 60.0)
        super().__init__(**kwargs)
        if (every is None) == (at is None):
            raise ValueError("every or at, one of them")
        self.every, self.at, self.minimum, self.model_out = every, at, minimum, model_out
        self.tried_at: dt.datetime | None = None  # refusals and failures leave no event
        self.runs: list[Outcome] = []

    def due(self, now: dt.datetime) -> bool:
        last = max((t for t in (last_run(), self.tried_at) if t is not None), default=None)
        if last is None:
            return True
        if self.every is not None:
            return (now - last).total_seconds() >= self.every
        assert self.at is not None
        local = timezone.localtime(now)
        target = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if target > local:
            target -= dt.timedelta(days=1)
        return last < target

    def step(self) -> bool:
        now = timezone.now()
        if not self.due(now):
            return False
        try:
            with beating(self.name, self.beat_every):
                outcome = retrain_from_cases(self.model_out, self.minimum)
        except CONNECTION_ERRORS:
            raise  # waited out by the loop, then tried again
        except TooFewCases as exc:
            self.tried_at = now
            self.say(str(exc))
            return False
        except Exception:  # noqa: BLE001 — a broken retrain must not bring the worker down in a loop
            self.tried_at = now
            logger.exception("retraining from the desk's decisions failed")
            self.say("重新训练失败，详见日志；现用模型保持不变。")
            return False
        self.runs.append(outcome)
        self.say(describe(outcome))
        return False


def describe(r: Outcome) -> str:
    live = "—" if r.live_top1 is None else f"{r.live_top1:.3f}"
    verdict = f"新模型更好，已写入 {r.written}" if r.written else "新模型没有更好，现用模型保持不变。"
    return (
        f"训练 {r.n_train} 件（{'另加事项目录语料，' if r.corpus else ''}{r.types} 类），留出最近 {r.n_test} 件："
        f"新模型 top-1 {r.new_top1:.3f}，现用模型 top-1 {live}；用时 {r.seconds:.1f} 秒。{verdict}"
    )
