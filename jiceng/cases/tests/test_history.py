"""The generated history is a trail like the actions' own: it verifies, reads back and refuses twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from jiceng.cases import history, lifecycle, trail
from jiceng.cases.models import Case, CaseEvent, Status
from jiceng.cases.tests.conftest import at
from jiceng.testing import World

NOW = at(2026, 6, 30, 18)


def test_a_generated_history_verifies_and_every_move_is_one_the_lifecycle_allows(cw: World) -> None:
    report = history.generate(years=0.25, cases=600, now=NOW)
    assert report.cases == Case.objects.count() > 500
    assert report.events == CaseEvent.objects.count() > 4 * report.cases
    assert list(trail.verify()) == []
    for action, from_status, to_status in CaseEvent.objects.values_list("action", "from_status", "to_status"):
        allowed = lifecycle.TRANSITIONS[action]
        assert from_status in allowed.sources
        assert to_status in allowed.targets or (
            lifecycle.SAME in allowed.targets and to_status == from_status
        )


def test_the_history_walks_every_lifecycle_path(cw: World) -> None:
    history.generate(years=0.5, cases=3000, now=NOW)
    actions = Counter(CaseEvent.objects.values_list("action", flat=True))
    for action in (
        "submit", "route", "dispatch", "first_responder", "accept", "return", "escalate", "progress",
        "urge", "supervise", "suspend", "resume", "sla_warning", "sla_overdue", "complete", "verify",
        "request_rating", "rate", "reopen", "close", "merge", "invalidate",
    ):  # fmt: skip
        assert actions[action] > 0, action
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > statuses[Status.IN_PROGRESS] > 0


def test_each_case_row_matches_the_end_of_its_trail(cw: World) -> None:
    history.generate(years=0.1, cases=300, now=NOW)
    for case in Case.objects.all():
        last = case.events.order_by("-seq").first()
        assert last is not None and last.to_status == case.status and last.hash == case.trail_head
        assert case.registered_at <= NOW


def test_a_second_run_over_the_same_window_is_refused_and_resume_adds_only_the_missing_days(
    cw: World,
) -> None:
    history.generate(years=0.1, cases=200, now=NOW - dt.timedelta(days=10))
    before = Case.objects.count()
    with pytest.raises(history.HistoryError, match="历史数据已存在"):
        history.generate(years=0.1, cases=200, now=NOW)
    assert Case.objects.count() == before
    history.generate(years=0.1, cases=200, now=NOW, resume=True)
    assert Case.objects.count() > before
    assert list(trail.verify()) == []


def test_the_command_writes_a_history_and_refuses_a_second_one(cw: World) -> None:
    call_command("generate", "--history", "0.05", "--cases", "100", "--no-progress")
    assert Case.objects.count() > 80
    with pytest.raises(CommandError, match="历史数据已存在"):
        call_command("generate", "--history", "0.05", "--cases", "100", "--no-progress")


def test_without_grids_the_history_says_what_to_load_first(db: None) -> None:
    with pytest.raises(history.HistoryError, match="没有网格数据"):
        history.generate(years=1, cases=10)
