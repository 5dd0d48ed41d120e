"""One-way escalation and the first-responder rule."""

from __future__ import annotations

import pytest

from jiceng.cases import actions, sla
from jiceng.cases.exceptions import FirstResponderNoReturn, NoDownward
from jiceng.cases.models import Case, Status
from jiceng.cases.tests.conftest import at, submit
from jiceng.core.exceptions import PermissionDenied
from jiceng.testing import World


def community_case(world: World) -> Case:
    case = submit(world, type_code="MD01", description="楼上邻居半夜吵闹，协商无果")
    assert case.lead_unit == world.units["haiyu"]
    return actions.check_accept(world.people["community_handler"], case.pk)


def escalated(world: World) -> Case:
    case = community_case(world)
    return actions.check_escalate(
        world.people["community_handler"], case.pk, reason="社区调解不成，需街道协调"
    )


def test_escalation_moves_the_case_to_the_street_desk_for_good(cw: World) -> None:
    case = escalated(cw)
    assert case.status == Status.PENDING_DISPATCH
    assert (case.level, case.floor_level, case.escalated) == ("street", "street", True)
    assert case.desk_unit == cw.units["xinan"] and case.lead_unit is None


def test_an_escalated_case_cannot_be_dispatched_back_to_the_community(cw: World) -> None:
    case = escalated(cw)
    with pytest.raises(NoDownward) as error:
        actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="haiyu-gzz")
    assert error.value.code == "escalated_no_downward" and "社区" in error.value.message
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_DISPATCH


def test_an_escalated_case_cannot_be_returned_to_a_lower_level(cw: World) -> None:
    case = escalated(cw)
    actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xinan-chengguan")
    with pytest.raises(NoDownward):
        actions.check_return(cw.people["handler"], case.pk, reason="请社区处理", to_level="community")
    assert Case.objects.get(pk=case.pk).lead_unit == cw.units["xinan_chengguan"]


def test_a_return_of_an_escalated_case_stays_at_the_upper_desk(cw: World) -> None:
    case = escalated(cw)
    actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xinan-chengguan")
    case = actions.check_return(cw.people["handler"], case.pk, reason="不属执法范围")
    assert (case.level, case.desk_unit) == ("street", cw.units["xinan"])


def test_the_community_desk_can_no_longer_act_on_an_escalated_case(cw: World) -> None:
    case = escalated(cw)
    with pytest.raises(PermissionDenied):
        actions.check_dispatch(cw.people["community_staff"], case.pk, unit="xinan-chengguan")


def test_escalation_goes_on_up_to_the_district_and_stops_there(cw: World) -> None:
    case = escalated(cw)
    case = actions.check_escalate(cw.people["dispatcher"], case.pk, reason="涉及多个部门")
    assert (case.level, case.desk_unit) == ("district", cw.units["district"])
    with pytest.raises(Exception) as error:
        actions.check_escalate(cw.people["district_dispatcher"], case.pk, reason="再升")
    assert getattr(error.value, "code", "") == "already_top"


def late_desk_case(world: World) -> Case:
    # SC02 has no market-supervision unit in the test world: the case waits at the street desk.
    case = submit(world, type_code="SC02", description="超市卖过期食品", at=at(2026, 3, 10, 10))
    assert case.status == Status.PENDING_DISPATCH
    sla.sweep(now=at(2026, 3, 10, 15))
    return Case.objects.get(pk=case.pk)


def test_a_case_the_desk_leaves_past_its_limit_goes_to_the_first_responder(cw: World) -> None:
    case = late_desk_case(cw)
    assert case.status == Status.DISPATCHED and case.first_responder
    assert case.lead_unit == cw.units["haiyu"]
    actions_done = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions_done[-2:] == ["sla_overdue", "first_responder"]


def test_the_first_responder_may_not_return_the_case(cw: World) -> None:
    case = late_desk_case(cw)
    with pytest.raises(FirstResponderNoReturn) as error:
        actions.check_return(cw.people["community_handler"], case.pk, reason="不归我们管")
    assert "首问负责" in error.value.message


def test_the_first_responder_leads_and_pulls_in_co_handlers(cw: World) -> None:
    case = late_desk_case(cw)
    actions.check_accept(cw.people["community_handler"], case.pk, at=at(2026, 3, 10, 16))
    case = actions.check_add_cohandler(cw.people["community_handler"], case.pk, unit="xinan-chengguan")
    assert case.units.filter(role="co", unit=cw.units["xinan_chengguan"]).exists()
