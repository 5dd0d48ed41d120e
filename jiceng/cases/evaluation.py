"""Evaluation (绩效考评) per unit and period, computed from the trail alone.

Each figure counts events whose ``unit`` is the unit being evaluated and whose ``at`` falls in the
period:

- received: dispatch, re-dispatch and first-responder events to the unit;
- accepted / accepted on time: accept events (``data.on_time`` recorded against the acceptance limit);
- completed / completed on time: complete events (``data.on_time`` against the handling limit);
- overdue rate: distinct cases with an overdue mark of the unit's clock ÷ received;
- return rate: returns ÷ received; reopen rate: reopens ÷ completed;
- satisfaction rate: ratings of 3 or more ÷ ratings;
- mean handling time: mean of ``data.work_hours`` (working hours from acceptance to completion,
  less suspensions) over completions.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Count, F, FloatField, Func, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from jiceng.cases.models import CaseEvent
from jiceng.lib.cells import safe_row
from jiceng.org.models import Unit

# The one definition of evaluation periods, used by /cases/evaluation/, /command/evaluation/ and
# their exports (and the command centre's screen): a named period or "custom" with start and end.
PERIODS = {
    "today": gettext_lazy("今日"),
    "7d": gettext_lazy("近7天"),
    "30d": gettext_lazy("近30天"),
    "month": gettext_lazy("本月"),
    "quarter": gettext_lazy("本季度"),
    "year": gettext_lazy("本年"),
}
CUSTOM_PERIOD = "custom"


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    """The first and last day (inclusive) of a named period ending today; ValueError for another name."""
    today = today or timezone.localdate()
    if period == "today":
        return today, today
    if period == "7d":
        return today - timedelta(days=6), today
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if period == "year":
        return date(today.year, 1, 1), today
    raise ValueError(period)


RECEIVE = ("dispatch", "redispatch", "first_responder")
COUNTED = (*RECEIVE, "accept", "complete", "return", "reopen", "rate", "sla_overdue")


@dataclass
class UnitEvaluation:
    unit_id: int
    unit_code: str
    unit_name: str
    received: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue: int = 0
    returned: int = 0
    reopened: int = 0
    rated: int = 0
    satisfied: int = 0
    handling_hours_total: float = 0.0
    handling_hours_count: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def accept_on_time_rate(self) -> float | None:
        return self._rate(self.accepted_on_time, self.accepted)

    @property
    def complete_on_time_rate(self) -> float | None:
        return self._rate(self.completed_on_time, self.completed)

    @property
    def overdue_rate(self) -> float | None:
        return self._rate(self.overdue, self.received)

    @property
    def return_rate(self) -> float | None:
        return self._rate(self.returned, self.received)

    @property
    def reopen_rate(self) -> float | None:
        return self._rate(self.reopened, self.completed)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def score(self) -> float | None:
        """综合得分; a unit that received nothing in the period is not scored (nor ranked)."""
        return unit_score(self) if self.received else None

    @property
    def mean_handling_hours(self) -> float | None:
        if not self.handling_hours_count:
            return None
        return round(self.handling_hours_total / self.handling_hours_count, 2)

    def as_dict(self) -> dict[str, Any]:
        # Every field is a number or a string: a shallow dict is what ``dataclasses.asdict`` gives,
        # without its deep copy of each value (the command centre turns hundreds of rows a request).
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in (
            "accept_on_time_rate",
            "complete_on_time_rate",
            "overdue_rate",
            "return_rate",
            "reopen_rate",
            "satisfaction_rate",
            "mean_handling_hours",
            "score",
        ):
            out[name] = getattr(self, name)
        return out


def unit_score(row: UnitEvaluation) -> float | None:
    """The ranking score: on-time completion 40 %, satisfaction 30 %, not overdue 30 %."""
    parts = [
        (0.4, row.complete_on_time_rate),
        (0.3, row.satisfaction_rate),
        (0.3, None if row.overdue_rate is None else max(0.0, 1 - row.overdue_rate)),
    ]
    known = [(w, v) for w, v in parts if v is not None]
    if not known:
        return None
    return round(100 * sum(w * v for w, v in known) / sum(w for w, _v in known), 1)


def _bounds(
    start: date | datetime | None, end: date | datetime | None
) -> tuple[datetime | None, datetime | None]:
    def aware(value: date | datetime | None, end_of_day: bool) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        moment = datetime.combine(value + timedelta(days=1) if end_of_day else value, time.min)
        return timezone.make_aware(moment)

    return aware(start, False), aware(end, True)


class JSONNumber(Func):
    """``field[key]`` when it is a JSON number, else NULL (a string or a boolean there counts as
    missing)."""

    output_field = FloatField()

    def __init__(self, field: str, key: str) -> None:
        super().__init__(F(field))
        self.key = key

    def _sql(self, compiler: Any, template: str, key: str) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return template.format(field=sql), [*params, key, *params, key]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        template = (
            "CASE WHEN json_type({field}, %s) IN ('integer', 'real') THEN json_extract({field}, %s) END"
        )
        return self._sql(compiler, template, f"$.{self.key}")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        template = "CASE WHEN jsonb_typeof({field} -> %s) = 'number' THEN ({field} ->> %s)::float8 END"
        return self._sql(compiler, template, self.key)


def evaluate(
    start: date | datetime | None = None,
    end: date | datetime | None = None,
    units: Any = None,
    cases: Any = None,
) -> list[UnitEvaluation]:
    """Rows per unit for events in [start, end] (dates are whole local days, end inclusive)."""
    low, high = _bounds(start, end)
    events = CaseEvent.objects.filter(action__in=COUNTED, unit__isnull=False)
    if low is not None:
        events = events.filter(at__gte=low)
    if high is not None:
        events = events.filter(at__lt=high)
    if units is not None:
        events = events.filter(unit__in=units)
    if cases is not None:
        events = events.filter(case__in=cases)
    # One grouped scan (a month of Bao'an's trail is ~11 M events: reading them into Python took
    # 40 s, the database's parallel aggregate a few): each figure a filtered count of the unit's events.
    on_time = Q(data__on_time=True)
    figures = events.values("unit_id").annotate(
        received=Count("id", filter=Q(action__in=RECEIVE)),
        accepted=Count("id", filter=Q(action="accept")),
        accepted_on_time=Count("id", filter=Q(action="accept") & on_time),
        completed=Count("id", filter=Q(action="complete")),
        completed_on_time=Count("id", filter=Q(action="complete") & on_time),
        returned=Count("id", filter=Q(action="return")),
        reopened=Count("id", filter=Q(action="reopen")),
        rated=Count("id", filter=Q(action="rate")),
        # ``satisfied`` as recorded; a rating without it counts as satisfied at 3 or more
        satisfied=Count(
            "id",
            filter=Q(action="rate")
            & (Q(data__satisfied=True) | Q(data__satisfied__isnull=True, data__score__gte=3)),
        ),
        handling_hours_total=Sum(JSONNumber("data", "work_hours"), filter=Q(action="complete")),
        handling_hours_count=Count(JSONNumber("data", "work_hours"), filter=Q(action="complete")),
    )
    rows: dict[int, UnitEvaluation] = {}
    for values in figures.order_by():
        unit_id = values.pop("unit_id")
        values["handling_hours_total"] = float(values["handling_hours_total"] or 0.0)
        rows[unit_id] = UnitEvaluation(unit_id, "", "", **values)
    # Distinct cases overdue on the unit's clock (a mark without ``clock`` is the unit's), apart: a
    # distinct count in the query above would keep PostgreSQL from splitting it over parallel workers.
    overdue = (
        events.filter(Q(action="sla_overdue") & (Q(data__clock="unit") | Q(data__clock__isnull=True)))
        .values("unit_id")
        .annotate(n=Count("case_id", distinct=True))
        .order_by()
    )
    for unit_id, n in overdue.values_list("unit_id", "n"):
        rows[unit_id].overdue = n
    for unit in Unit.objects.filter(pk__in=rows.keys()).only("pk", "code", "name"):
        rows[unit.pk].unit_code, rows[unit.pk].unit_name = unit.code, unit.name
    return sorted(rows.values(), key=lambda r: (-r.received, r.unit_code))


HEADERS = [
    ("unit_code", "单位代码"),
    ("unit_name", "单位名称"),
    ("received", "受理数"),
    ("accepted", "签收数"),
    ("accept_on_time_rate", "按时签收率"),
    ("completed", "办结数"),
    ("complete_on_time_rate", "按时办结率"),
    ("overdue_rate", "超期率"),
    ("return_rate", "退回率"),
    ("reopen_rate", "重办率"),
    ("satisfaction_rate", "满意率"),
    ("mean_handling_hours", "平均办理时长（工作小时）"),
    ("score", "综合得分"),
]
PEOPLE_HEADERS = [
    ("unit_name", "单位"),
    ("name", "责任人"),
    ("assigned", "分派"),
    ("handed_on", "改派他人"),
    ("completed", "办结"),
    ("complete_on_time_rate", "按时办结率"),
    ("open_now", "在办"),
    ("overdue_now", "在办超期"),
]


def _sheet(
    book: Any, title: str, headers: list[tuple[str, str]], rows: list[dict[str, Any]], first: bool
) -> None:
    from openpyxl.styles import Font

    sheet = book.active if first else book.create_sheet()
    sheet.title = title[:31]
    sheet.append([label for _key, label in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(safe_row(values.get(key) for key, _label in headers))
    for index, (key, _label) in enumerate(headers, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 28 if key in ("unit_name", "name") else 14
        if key.endswith("_rate"):
            for cell in sheet[letter][1:]:
                cell.number_format = "0.0%"


def write_xlsx(
    rows: list[UnitEvaluation],
    path: Path | Any,
    title: str = "工单办理考评",
    people: list[Any] | None = None,
    index: dict[str, Any] | None = None,
) -> None:
    """The evaluation as an .xlsx workbook (``path`` may be a file name or a binary stream): the units
    (the page's columns, the overall score last), then each named assignee's figures
    (``assignment.PersonEvaluation`` rows with ``unit_name``) and the 平安建设考评指数 when given."""
    from openpyxl import Workbook

    book = Workbook()
    _sheet(book, title, HEADERS, [row.as_dict() for row in rows], first=True)
    if people is not None:
        people_rows = [{**p.as_dict(), "unit_name": getattr(p, "unit_name", "")} for p in people]
        _sheet(book, "个人考评", PEOPLE_HEADERS, people_rows, first=False)
    if index is not None:
        labels = index.get("labels", {})
        headers = [("code", "区划代码"), ("name", "区划"), ("received", "受理数"), ("index", "考评指数")]
        headers += [(f"c_{k}", str(label)) for k, label in labels.items()]
        index_rows = [
            {**item, **{f"c_{k}": v for k, v in (item.get("components") or {}).items()}}
            for item in index.get("items", [])
        ]
        index_rows.append({"name": "合计", "index": index.get("overall")})
        _sheet(book, "平安建设考评指数", headers, index_rows, first=False)
    book.save(path)
