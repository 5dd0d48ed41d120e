"""Live accuracy of triage: how often the type proposed at intake was the type the desk dispatched.

Each case's ``submit`` event records the proposed ``type`` and its ``confidence`` when triage typed
the case; a case typed by its reporter (or by the hotline desk at registration) records confidence
1.0 and is not triage's proposal. Once a case has left the desk (dispatched, in progress, closed…)
its ``event_type`` is the type the desk settled on (``check_dispatch`` may change it), so a kept
proposal is right and a changed one wrong. Only cases inside the viewer's scope are counted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

# Cases still waiting for the desk have no final type yet; merged or voided ones never get one.
UNDECIDED = ("registered", "pending_dispatch", "merged", "invalid")


@dataclass
class Row:
    key: str
    label: str = ""
    n: int = 0
    right: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.right / self.n if self.n else None


@dataclass
class LiveAccuracy:
    since: dt.date
    overall: Row = field(default_factory=lambda: Row("all"))
    weeks: list[Row] = field(default_factory=list)
    types: list[Row] = field(default_factory=list)
    typed_by_reporter: int = 0
    no_proposal: int = 0
    auto: Row = field(default_factory=lambda: Row("auto"))

    @property
    def decided(self) -> int:
        return self.overall.n + self.typed_by_reporter + self.no_proposal

    @property
    def auto_rate(self) -> float | None:
        return self.auto.n / self.overall.n if self.overall.n else None


def _week(day: dt.datetime) -> str:
    year, week, _ = timezone.localtime(day).isocalendar()
    return f"{year}-W{week:02d}"


def live_accuracy(
    user: Any, weeks: int = 8, *, top: int = 10, now: dt.datetime | None = None
) -> LiveAccuracy:
    """Triage's first proposals against the desk's final types, over the last ``weeks`` ISO weeks of
    cases registered inside ``user``'s scope; per week, per final type (the ``top`` most frequent) and
    overall, with the auto-dispatch rate and its precision."""
    from jiceng.cases.models import Case, CaseEvent
    from jiceng.org.scopes import scope_for

    now = now or timezone.now()
    start = timezone.localtime(now).date() - dt.timedelta(days=7 * max(1, weeks) - 1)
    start -= dt.timedelta(days=start.weekday())  # from a Monday: whole ISO weeks
    result = LiveAccuracy(since=start)
    scope = scope_for(user)
    if scope.is_empty:
        return result
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    cases = {
        pk: (code, name, registered)
        for pk, code, name, registered in Case.objects.filter(
            scope.q("grid_code"), registered_at__gte=since, event_type__isnull=False
        )
        .exclude(status__in=UNDECIDED)
        .values_list("pk", "event_type__code", "event_type__name", "registered_at")
    }
    submitted: dict[int, dict[str, Any]] = {}
    auto: set[int] = set()
    for case_id, action, data in CaseEvent.objects.filter(
        case_id__in=list(cases), action__in=("submit", "dispatch")
    ).values_list("case_id", "action", "data"):
        if action == "submit":
            submitted[case_id] = data or {}
        elif (data or {}).get("auto"):
            auto.add(case_id)
    by_week: dict[str, Row] = {}
    by_type: dict[str, Row] = {}
    for pk, (code, name, registered) in cases.items():
        data = submitted.get(pk, {})
        proposed = data.get("type")
        if not proposed:
            result.no_proposal += 1
            continue
        if float(data.get("confidence") or 0) >= 1.0:
            result.typed_by_reporter += 1
            continue
        right = int(proposed == code)
        week = _week(registered)
        for row in (
            result.overall,
            by_week.setdefault(week, Row(week)),
            by_type.setdefault(code, Row(code, name)),
        ):
            row.n += 1
            row.right += right
        if pk in auto:
            result.auto.n += 1
            result.auto.right += right
    result.weeks = [by_week[k] for k in sorted(by_week)]
    counts = Counter({k: r.n for k, r in by_type.items()})
    result.types = [by_type[k] for k, _ in counts.most_common(top)]
    return result
