"""The hash-chained trail: every change, deletion or truncation is reported by verify."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jiceng.cases import actions, trail
from jiceng.cases.models import Case, CaseEvent
from jiceng.cases.queries import timeline
from jiceng.cases.tests.conftest import awaiting_rating, submit
from jiceng.testing import World


def test_an_untouched_trail_verifies(cw: World) -> None:
    awaiting_rating(cw)
    submit(cw)
    assert list(trail.verify()) == []


def test_each_event_carries_the_hash_of_the_one_before(cw: World) -> None:
    case = awaiting_rating(cw)
    rows = list(case.events.order_by("seq"))
    assert rows[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert Case.objects.get(pk=case.pk).trail_head == rows[-1].hash


def test_an_edited_reason_is_detected(cw: World) -> None:
    case = submit(cw)
    case = actions.check_return(cw.people["handler"], case.pk, reason="不属本单位职责")
    CaseEvent.objects.filter(case=case, action="return").update(reason="已处理")
    breaks = list(trail.verify())
    assert len(breaks) == 1 and breaks[0].seq == 3 and "改动" in breaks[0].problem


def test_a_deleted_event_is_detected(cw: World) -> None:
    case = awaiting_rating(cw)
    CaseEvent.objects.filter(case=case, seq=3).delete()
    assert any("序号不连续" in b.problem for b in trail.verify())


def test_a_cut_off_end_is_detected(cw: World) -> None:
    case = awaiting_rating(cw)
    CaseEvent.objects.filter(case=case, seq=case.trail_length).delete()
    assert any(b.seq is None for b in trail.verify())


def test_the_verify_command_reports_breaks_and_fails(cw: World, capsys) -> None:  # type: ignore[no-untyped-def]
    case = submit(cw)
    call_command("cases", "verify")
    CaseEvent.objects.filter(case=case, seq=1).update(data={"channel": "hotline"})
    with pytest.raises(CommandError):
        call_command("cases", "verify")
    assert f"工单 {case.pk}" in capsys.readouterr().err


def test_residents_see_a_public_timeline_with_staff_names_masked(cw: World) -> None:
    case = awaiting_rating(cw)
    entries = timeline(case, cw.people["resident"])
    accept = next(e for e in entries if e.action == "accept")
    assert accept.actor == "孙*法" and accept.data == {}
    assert "request_rating" in [e.action for e in entries]


def test_staff_see_the_full_timeline_with_names(cw: World) -> None:
    case = awaiting_rating(cw)
    entries = timeline(case, cw.people["handler"])
    assert next(e for e in entries if e.action == "accept").actor == "孙执法"
