"""The supervisors' lists: overdue, escalated and supervised cases, each within the viewer's scope."""

from __future__ import annotations

from jiceng.cases import actions, queries, sla
from jiceng.cases.tests.conftest import at, submit
from jiceng.testing import World


def test_overdue_escalated_and_supervised_lists(cw: World) -> None:
    late = submit(cw, at=at(2026, 3, 10, 9))
    actions.check_accept(cw.people["handler"], late.pk, at=at(2026, 3, 10, 10))
    sla.sweep(now=at(2026, 3, 20, 9))
    up = submit(cw, type_code="MD01", description="邻里纠纷")
    actions.check_accept(cw.people["community_handler"], up.pk)
    actions.check_escalate(cw.people["community_handler"], up.pk, reason="需街道协调")
    actions.check_supervise(cw.people["supervisor"], late.pk, reason="列入督办", days=1)
    supervisor = cw.people["supervisor"]
    assert list(queries.overdue_cases(supervisor, now=at(2026, 3, 20, 10))) == [late]
    assert list(queries.escalated_cases(supervisor)) == [up]
    assert list(queries.supervised_cases(supervisor)) == [late]


def test_the_outsider_sees_none_of_them(cw: World) -> None:
    late = submit(cw, at=at(2026, 3, 10, 9))
    actions.check_accept(cw.people["handler"], late.pk, at=at(2026, 3, 10, 10))
    sla.sweep(now=at(2026, 3, 20, 9))
    assert not queries.overdue_cases(cw.people["outsider"]).exists()


def test_the_desk_queue_holds_cases_waiting_at_the_users_desk(cw: World) -> None:
    waiting = submit(cw, type_code="", description="有件事情需要处理一下")
    assert list(queries.desk_queue(cw.people["dispatcher"])) == [waiting]
    assert not queries.desk_queue(cw.people["xixiang_dispatcher"]).exists()


def test_the_unit_inbox_holds_the_units_open_cases(cw: World) -> None:
    case = submit(cw)
    assert list(queries.unit_inbox(cw.people["handler"])) == [case]
    assert not queries.unit_inbox(cw.people["handler2"]).exists()
