"""One definition of evaluation periods for /cases/evaluation/, /command/evaluation/ and their
exports; each export carries the page's numbers, its overall score and the named people's figures."""

from __future__ import annotations

import io
from typing import Any

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.cases import assignment, evaluation
from jiceng.cases.tests.conftest import in_progress
from jiceng.cases.tests.test_pages import client_for
from jiceng.command import stats
from jiceng.testing import World


def sheets(response: Any) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(response.content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def by_header(rows: list[tuple[Any, ...]], key: str) -> dict[str, dict[str, Any]]:
    header = rows[0]
    return {str(r[header.index(key)]): dict(zip(header, r, strict=True)) for r in rows[1:]}


def test_both_evaluation_pages_offer_the_same_periods() -> None:
    assert stats.PERIODS is evaluation.PERIODS
    today = timezone.localdate()
    for name in evaluation.PERIODS:
        assert stats.period_bounds(name, today) == evaluation.period_bounds(name, today)


def test_the_evaluation_page_and_its_export_show_the_same_numbers_for_a_named_period(cw: World) -> None:
    case = in_progress(cw)
    assignment.check_assign(cw.people["dispatcher"], case.pk, assignee=cw.people["handler"].pk)
    client = client_for(cw, "leader")
    page = client.get(
        reverse("cases:evaluation"), {"period": "7d", "start": "2001-01-01", "end": "2001-01-02"}
    )
    start, end = evaluation.period_bounds("7d")
    assert (page.context["start"], page.context["end"]) == (start, end)  # the named period wins
    assert '<option value="7d" selected>' in page.content.decode()
    export = sheets(client.get(f"{reverse('cases:evaluation')}?{page.context['xlsx_query']}"))
    units = by_header(export["工单办理考评"], "单位代码")
    shown = {r.unit_code: r for r in page.context["rows"]}
    assert shown and set(units) == set(shown)
    for code, row in shown.items():
        assert units[code]["受理数"] == row.received and units[code]["办结数"] == row.completed
        assert units[code]["综合得分"] == row.score
    people = export["个人考评"]
    assert people[0][:2] == ("单位", "责任人")
    assert any(r[1] == "孙执法" and r[2] == 1 for r in people[1:])  # assigned once, by name


def test_the_evaluation_page_takes_custom_dates_when_no_period_is_named(cw: World) -> None:
    page = client_for(cw, "leader").get(
        reverse("cases:evaluation"), {"start": "2026-01-05", "end": "2026-01-09"}
    )
    assert str(page.context["start"]) == "2026-01-05" and page.context["period"] == "custom"


def test_the_command_export_carries_the_pages_ranking_scores_people_and_index(cw: World) -> None:
    import datetime as dt

    from jiceng.command import rollup
    from jiceng.command.tests.helpers import handled

    handled(cw, timezone.localtime() - dt.timedelta(days=1), score=4)
    rollup.catch_up()
    client = client_for(cw, "admin")
    page = client.get("/command/evaluation/", {"period": "30d"})
    export = sheets(client.get("/command/evaluation.xlsx", {"period": "30d"}))
    units = by_header(export[next(iter(export))], "单位代码")
    for item in page.context["ranking"]:
        assert units[item["unit_code"]]["受理数"] == item["received"]
        assert units[item["unit_code"]]["综合得分"] == item["score"]
    assert "个人考评" in export and "平安建设考评指数" in export
    index = export["平安建设考评指数"]
    assert index[0][:4] == ("区划代码", "区划", "受理数", "考评指数") and index[-1][1] == "合计"
