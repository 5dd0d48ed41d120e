"""Live accuracy of triage: how often the type proposed at intake was the type the desk dispatched.

Each case's ``submit`` event records the proposed ``type`` and its ``confidence`` when triage typed
the case; a case typed by its reporter (or by the hotline desk at registration) records confidence
1.0 and is not triage's proposal. Once a case has left the desk (dispatched, in progress, closed…)
its ``event_type`` is the type the desk settled on (``check_dispatch`` may change it), so a kept
proposal is right and a changed one wrong. Only cases inside the viewer's scope are counted.

``recent_by_category`` reads the same rows over the last days, grouped by the catalogue category of
the final type, at top-1 and top-3: the submit event also records triage's first three proposals
(``proposals``; a case registered before that was recorded counts its one proposal for both).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
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


@dataclass
class CategoryRow:
    """One catalogue category (of the final types) over the window: proposals at top-1 and top-3,
    and the cases that dispatched themselves."""

    key: str
    label: str = ""
    n: int = 0
    top1: int = 0
    top3: int = 0
    auto: int = 0
    auto_right: int = 0

    def add(self, right1: bool, right3: bool, auto: bool) -> None:
        self.n += 1
        self.top1 += right1
        self.top3 += right3
        self.auto += auto
        self.auto_right += auto and right1

    @property
    def top1_rate(self) -> float | None:
        return self.top1 / self.n if self.n else None

    @property
    def top3_rate(self) -> float | None:
        return self.top3 / self.n if self.n else None

    @property
    def auto_rate(self) -> float | None:
        return self.auto / self.n if self.n else None

    @property
    def auto_precision(self) -> float | None:
        return self.auto_right / self.auto if self.auto else None


@dataclass
class ByCategory:
    since: dt.datetime
    days: int
    overall: CategoryRow = field(default_factory=lambda: CategoryRow("all"))
    categories: list[CategoryRow] = field(default_factory=list)
    typed_by_reporter: int = 0
    no_proposal: int = 0


@dataclass
class Decided:
    """A case inside the window that has left the desk, with what triage proposed for it."""

    pk: int
    code: str
    name: str
    category: str
    category_name: str
    registered: dt.datetime
    submit: dict[str, Any]
    auto: bool

    @property
    def proposed(self) -> str | None:
        """Triage's first proposal; None when there was none or the reporter chose the type."""
        if float(self.submit.get("confidence") or 0) >= 1.0:
            return None
        return self.submit.get("type") or None

    @property
    def by_reporter(self) -> bool:
        return bool(self.submit.get("type")) and float(self.submit.get("confidence") or 0) >= 1.0

    @property
    def top3(self) -> list[str]:
        proposals = self.submit.get("proposals")
        return list(proposals[:3]) if isinstance(proposals, list) and proposals else [self.proposed or ""]


def _kept(data: dict[str, Any] | None) -> dict[str, Any]:
    """What ``Decided`` reads of a submit event's data: the type, its confidence, the first three
    proposals (the rest of the data is not held for every case of the window)."""
    data = data or {}
    kept = {k: data[k] for k in ("type", "confidence") if k in data}
    proposals = data.get("proposals")
    if isinstance(proposals, list):
        kept["proposals"] = proposals[:3]
    return kept


def decided_since(user: Any, since: dt.datetime) -> Iterator[Decided]:
    """The cases registered since ``since`` inside ``user``'s scope that have a final type, one at a
    time (eight weeks of a district are millions of cases)."""
    from jiceng.cases.models import Case, CaseEvent
    from jiceng.org.scopes import scope_for

    scope = scope_for(user)
    if scope.is_empty:
        return
    decided = Case.objects.filter(
        scope.q("grid_code"), registered_at__gte=since, event_type__isnull=False
    ).exclude(status__in=UNDECIDED)
    submitted: dict[int, dict[str, Any]] = {}
    auto: set[int] = set()
    # The cases as a subquery, not a list of their ids (a list of millions made a PostgreSQL backend
    # plan the query in 17 GB), and only the trail's months since then (no event precedes its case's
    # registration); of each submit only what is read.
    for case_id, action, data in (
        CaseEvent.objects.filter(
            case_id__in=decided.values("pk"), at__gte=since, action__in=("submit", "dispatch")
        )
        .values_list("case_id", "action", "data")
        .iterator(chunk_size=5000)
    ):
        if action == "submit":
            submitted[case_id] = _kept(data)
        elif (data or {}).get("auto"):
            auto.add(case_id)
    names: dict[str, str] = {}  # one copy of each type's and category's code and name
    fields = (
        "pk",
        "event_type__code",
        "event_type__name",
        "event_type__category__code",
        "event_type__category__name",
    )
    for pk, *texts, registered in decided.values_list(*fields, "registered_at").iterator(chunk_size=5000):
        code, name, category, category_name = (names.setdefault(t, t) for t in texts)
        yield Decided(pk, code, name, category, category_name, registered, submitted.pop(pk, {}), pk in auto)


def _scored(cases: Iterable[Decided], result: LiveAccuracy | ByCategory) -> Iterator[tuple[Decided, str]]:
    """The cases triage typed, with its first proposal; the others are counted on ``result``."""
    for case in cases:
        proposed = case.proposed
        if proposed is not None:
            yield case, proposed
        elif case.by_reporter:
            result.typed_by_reporter += 1
        else:
            result.no_proposal += 1


def _week(day: dt.datetime) -> str:
    year, week, _ = timezone.localtime(day).isocalendar()
    return f"{year}-W{week:02d}"


def live_accuracy(
    user: Any, weeks: int = 8, *, top: int = 10, now: dt.datetime | None = None
) -> LiveAccuracy:
    """Triage's first proposals against the desk's final types, over the last ``weeks`` ISO weeks of
    cases registered inside ``user``'s scope; per week, per final type (the ``top`` most frequent) and
    overall, with the auto-dispatch rate and its precision."""
    now = now or timezone.now()
    start = timezone.localtime(now).date() - dt.timedelta(days=7 * max(1, weeks) - 1)
    start -= dt.timedelta(days=start.weekday())  # from a Monday: whole ISO weeks
    result = LiveAccuracy(since=start)
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    by_week: dict[str, Row] = {}
    by_type: dict[str, Row] = {}
    for case, proposed in _scored(decided_since(user, since), result):
        right = int(proposed == case.code)
        week = _week(case.registered)
        for row in (
            result.overall,
            by_week.setdefault(week, Row(week)),
            by_type.setdefault(case.code, Row(case.code, case.name)),
        ):
            row.n += 1
            row.right += right
        if case.auto:
            result.auto.n += 1
            result.auto.right += right
    result.weeks = [by_week[k] for k in sorted(by_week)]
    counts = Counter({k: r.n for k, r in by_type.items()})
    result.types = [by_type[k] for k, _ in counts.most_common(top)]
    return result


def recent_by_category(user: Any, days: int = 30, *, now: dt.datetime | None = None) -> ByCategory:
    """Triage's proposals against the desk's final types over the last ``days`` days (cases registered
    since, inside ``user``'s scope), by catalogue category of the final type: top-1 and top-3
    accuracy, the auto-dispatch rate and its precision; categories with the most cases first."""
    now = now or timezone.now()
    result = ByCategory(since=now - dt.timedelta(days=days), days=days)
    rows: dict[str, CategoryRow] = {}
    for case, proposed in _scored(decided_since(user, result.since), result):
        right1, right3 = proposed == case.code, case.code in case.top3
        result.overall.add(right1, right3, case.auto)
        rows.setdefault(case.category, CategoryRow(case.category, case.category_name)).add(
            right1, right3, case.auto
        )
    result.categories = sorted(rows.values(), key=lambda r: (-r.n, r.key))
    return result
