"""Cases assigned to a named person of the lead unit: by the unit's dispatcher or by rule, reassigned
with a reason, the person's inbox, their figures beside the unit's, and what outsiders cannot do."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from jiceng.cases import actions, assignment
from jiceng.cases.exceptions import CaseNotFound, ReasonRequired
from jiceng.cases.models import Case, Notification
from jiceng.cases.tests.conftest import submit
from jiceng.core.exceptions import PermissionDenied
from jiceng.org.models import Membership, Role
from jiceng.places.models import Level
from jiceng.testing import PASSWORD, World, make_unit, make_user, unit_kind


@pytest.fixture
def aw(cw: World) -> World:
    """A case of 海裕社区第1网格 dispatched to the community workstation, and a police station with
    the community's officer posted to 海裕社区."""
    haiyu = cw.units["haiyu"]
    cw.people["haiyu_dispatcher"] = make_user("hydispatcher", "许分拨", Role.DISPATCHER, unit=haiyu)
    police = unit_kind("police", "派出所")
    cw.units["police"] = make_unit(
        "xinan-pcs", "新安派出所", police, Level.STREET, cw.streets["xinan"], [cw.streets["xinan"]]
    )
    cw.people["officer"] = make_user(
        "officer", "林民警", Role.HANDLER, unit=cw.units["police"], division=cw.communities["haiyu"]
    )
    cw.people["officer2"] = make_user("officer2", "杨民警", Role.HANDLER, unit=cw.units["police"])
    return cw


def community_case(world: World) -> Case:
    case = submit(world, type_code="", description="楼道里堆满杂物")
    return actions.check_dispatch(world.people["dispatcher"], case.pk, unit="haiyu-gzz")


def test_the_units_dispatcher_assigns_a_case_to_a_named_member(aw: World) -> None:
    case = community_case(aw)
    case = assignment.check_assign(
        aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["community_handler"].pk
    )
    assert case.assignee == aw.people["community_handler"]
    event = case.events.order_by("-seq").first()
    assert event.action == "assign" and event.data["assignee"] == aw.people["community_handler"].pk
    assert Notification.objects.filter(kind="assigned", case=case).exists()


def test_by_rule_the_grid_worker_of_the_grid_is_named(aw: World) -> None:
    case = community_case(aw)
    case = assignment.check_assign(aw.people["haiyu_dispatcher"], case.pk, by_rule=True)
    assert case.assignee == aw.people["grid_worker"]
    assert case.events.order_by("-seq").first().data["rule"] == "grid_worker"


def test_by_rule_a_police_case_goes_to_the_officer_of_the_community(aw: World) -> None:
    case = submit(aw, type_code="", description="有人在楼下打架")
    case = actions.check_dispatch(aw.people["dispatcher"], case.pk, unit="xinan-pcs")
    case = assignment.check_assign(aw.people["dispatcher"], case.pk, by_rule=True)
    assert case.assignee == aw.people["officer"]
    assert case.events.order_by("-seq").first().data["rule"] == "community_officer"


def test_assigning_to_a_person_outside_the_unit_is_refused(aw: World) -> None:
    case = community_case(aw)
    for outsider in ("outsider", "handler", "officer"):
        with pytest.raises(assignment.NotAMember):
            assignment.check_assign(aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people[outsider].pk)
    assert Case.objects.get(pk=case.pk).assignee is None


def test_a_member_whose_post_has_ended_cannot_be_assigned(aw: World) -> None:
    case = community_case(aw)
    Membership.objects.filter(user=aw.people["community_handler"]).update(is_active=False)
    with pytest.raises(assignment.NotAMember):
        assignment.check_assign(
            aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["community_handler"].pk
        )


def test_a_reassignment_needs_a_reason_and_is_on_the_trail(aw: World) -> None:
    case = community_case(aw)
    assignment.check_assign(aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["grid_worker"].pk)
    with pytest.raises(ReasonRequired):
        assignment.check_assign(
            aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["community_handler"].pk
        )
    case = assignment.check_assign(
        aw.people["haiyu_dispatcher"],
        case.pk,
        assignee=aw.people["community_handler"].pk,
        reason="网格员休假",
    )
    event = case.events.order_by("-seq").first()
    assert event.action == "reassign" and event.reason == "网格员休假"
    assert event.data["from"] == aw.people["grid_worker"].pk


def test_a_plain_member_and_an_outsider_cannot_assign(aw: World) -> None:
    case = community_case(aw)
    with pytest.raises(PermissionDenied):
        assignment.check_assign(aw.people["community_handler"], case.pk, assignee=aw.people["grid_worker"].pk)
    with pytest.raises(CaseNotFound):
        assignment.check_assign(aw.people["outsider"], case.pk, assignee=aw.people["grid_worker"].pk)


def test_the_assignee_is_cleared_when_the_case_goes_to_another_unit(aw: World) -> None:
    case = community_case(aw)
    assignment.check_assign(aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["grid_worker"].pk)
    case = actions.check_dispatch(aw.people["dispatcher"], case.pk, unit="xinan-chengguan")
    assert case.assignee is None
    assert not assignment.assigned_to(aw.people["grid_worker"]).exists()


def test_the_persons_inbox_lists_their_cases_on_the_page_and_the_api(aw: World) -> None:
    case = community_case(aw)
    assignment.check_assign(aw.people["haiyu_dispatcher"], case.pk, assignee=aw.people["grid_worker"].pk)
    client = Client()
    client.login(username="gridworker", password=PASSWORD)
    page = client.get("/cases/mine/")
    assert page.status_code == 200 and case.number in page.content.decode()
    token = Token.objects.create(user=aw.people["community_handler"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/cases/assigned/").json() == []


def test_the_api_assigns_and_answers_a_clear_error_for_an_outsider(aw: World) -> None:
    case = community_case(aw)
    token = Token.objects.create(user=aw.people["haiyu_dispatcher"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    refused = api.post(
        f"/api/v1/cases/{case.pk}/assign/",
        {"assignee": aw.people["outsider"].pk},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "assignee_not_in_unit"
    done = api.post(f"/api/v1/cases/{case.pk}/assign/", {"by_rule": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["assignee"] == aw.people["grid_worker"].pk


def test_the_case_page_assigns_through_the_panel(aw: World) -> None:
    case = community_case(aw)
    client = Client()
    client.login(username="hydispatcher", password=PASSWORD)
    panel = client.get(f"/cases/{case.pk}/assign/")
    assert "按规则分派" in panel.content.decode()
    client.post(f"/cases/{case.pk}/assign/", {"assignee": aw.people["community_handler"].pk})
    assert Case.objects.get(pk=case.pk).assignee == aw.people["community_handler"]


def test_each_persons_workload_and_completions_sit_beside_the_unit(aw: World) -> None:
    first, second = community_case(aw), community_case(aw)
    d = aw.people["haiyu_dispatcher"]
    assignment.check_assign(d, first.pk, assignee=aw.people["grid_worker"].pk)
    assignment.check_assign(d, second.pk, assignee=aw.people["grid_worker"].pk)
    assignment.check_assign(d, second.pk, assignee=aw.people["community_handler"].pk, reason="换人")
    actions.check_accept(aw.people["community_handler"], first.pk)
    conditions = Case.objects.get(pk=first.pk).event_type
    checklist = conditions.closing_conditions if conditions else []
    actions.check_complete(aw.people["community_handler"], first.pk, note="已清理", checklist=checklist)
    rows = {r.user_id: r for r in assignment.evaluate_people(None, None, [aw.units["haiyu"].pk])}
    worker, handler = rows[aw.people["grid_worker"].pk], rows[aw.people["community_handler"].pk]
    assert (worker.assigned, worker.handed_on, worker.completed) == (2, 1, 1)
    assert (handler.assigned, handler.open_now) == (1, 1)
    client = Client()
    client.login(username="hydispatcher", password=PASSWORD)
    assert "王网格" in client.get("/cases/evaluation/people/").content.decode()
