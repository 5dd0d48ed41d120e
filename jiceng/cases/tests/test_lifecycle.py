"""The transition table is data, and the one place that refuses a move."""

from __future__ import annotations

import pytest

from jiceng.cases import lifecycle
from jiceng.cases.exceptions import WrongState
from jiceng.cases.models import Status


def test_the_main_path_runs_from_registered_to_closed() -> None:
    path = [
        ("route", Status.REGISTERED, Status.PENDING_DISPATCH),
        ("dispatch", Status.PENDING_DISPATCH, Status.DISPATCHED),
        ("accept", Status.DISPATCHED, Status.IN_PROGRESS),
        ("complete", Status.IN_PROGRESS, Status.COMPLETED),
        ("verify", Status.COMPLETED, Status.VERIFIED),
        ("request_rating", Status.VERIFIED, Status.AWAITING_RATING),
        ("rate", Status.AWAITING_RATING, Status.CLOSED),
    ]
    for action, source, target in path:
        assert lifecycle.check(action, source, target) == target


def test_a_closed_case_cannot_be_dispatched() -> None:
    with pytest.raises(WrongState) as error:
        lifecycle.check("dispatch", Status.CLOSED, Status.DISPATCHED)
    assert "已结案" in error.value.message and error.value.code == "wrong_state"


def test_an_action_cannot_reach_a_status_outside_its_targets() -> None:
    with pytest.raises(WrongState):
        lifecycle.check("accept", Status.DISPATCHED, Status.CLOSED)


def test_marks_and_notes_leave_the_status_as_it_is() -> None:
    assert lifecycle.check("urge", Status.IN_PROGRESS) == Status.IN_PROGRESS
    assert lifecycle.check("progress", Status.IN_PROGRESS) == Status.IN_PROGRESS


def test_no_action_leaves_a_merged_or_invalid_case() -> None:
    assert lifecycle.allowed_actions(Status.MERGED) == []
    assert lifecycle.allowed_actions(Status.INVALID) == []


def test_every_public_action_is_in_the_table_and_every_status_is_reachable() -> None:
    assert set(lifecycle.PUBLIC_ACTIONS) <= set(lifecycle.TRANSITIONS)
    reachable = {t for tr in lifecycle.TRANSITIONS.values() for t in tr.targets}
    assert set(Status.values) <= reachable
