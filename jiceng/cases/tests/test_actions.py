"""Each action's happy path and its refusals, with nothing changed on a refusal."""

from __future__ import annotations

import pytest

from jiceng.cases import actions
from jiceng.cases.exceptions import (
    AlreadyRated,
    CaseError,
    CaseNotFound,
    NoDownward,
    NoUnit,
    ReasonRequired,
    TooManyReopens,
    WrongState,
)
from jiceng.cases.models import Case, CaseUnit, Notification, Status
from jiceng.cases.tests.conftest import awaiting_rating, completed, in_progress, submit
from jiceng.core.exceptions import PermissionDenied
from jiceng.testing import World


def events(case: Case) -> list[str]:
    return list(case.events.order_by("seq").values_list("action", flat=True))


def desk_case(world: World) -> Case:
    return submit(world, type_code="", description="有件事情需要处理一下")


# -- dispatch ---------------------------------------------------------------------------------------


def test_the_desk_dispatches_a_waiting_case_to_the_unit_it_names(cw: World) -> None:
    case = desk_case(cw)
    case = actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xinan-chengguan")
    assert case.status == Status.DISPATCHED and case.lead_unit == cw.units["xinan_chengguan"]
    assert events(case)[-1] == "dispatch"


def test_the_desk_can_route_by_the_catalogue_once_it_sets_the_type(cw: World) -> None:
    case = desk_case(cw)
    case = actions.check_dispatch(cw.people["dispatcher"], case.pk, type_code="SW05")
    assert case.lead_unit == cw.units["xinan_shuiwu"] and case.event_type.code == "SW05"


def test_dispatching_with_co_handlers_puts_them_on_the_case(cw: World) -> None:
    case = desk_case(cw)
    actions.check_dispatch(
        cw.people["dispatcher"], case.pk, unit="xinan-chengguan", co_units=["xinan-shuiwu"]
    )
    roles = dict(CaseUnit.objects.filter(case=case).values_list("unit__code", "role"))
    assert roles == {"xinan-chengguan": "lead", "xinan-shuiwu": "co"}


def test_a_unit_outside_the_cases_area_cannot_receive_it(cw: World) -> None:
    case = desk_case(cw)
    with pytest.raises(NoUnit):
        actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xixiang-chengguan")
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_DISPATCH


def test_a_handler_cannot_dispatch(cw: World) -> None:
    case = desk_case(cw)
    with pytest.raises(PermissionDenied):
        actions.check_dispatch(cw.people["handler"], case.pk, unit="xinan-chengguan")


def test_the_desk_of_another_street_does_not_even_see_the_case(cw: World) -> None:
    case = desk_case(cw)
    with pytest.raises(CaseNotFound):
        actions.check_dispatch(cw.people["xixiang_dispatcher"], case.pk, unit="xinan-chengguan")


def test_re_dispatch_moves_the_case_to_another_unit(cw: World) -> None:
    case = submit(cw)
    case = actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xinan-shuiwu", reason="属排水问题")
    assert case.lead_unit == cw.units["xinan_shuiwu"] and events(case)[-1] == "redispatch"
    assert not CaseUnit.objects.get(case=case, unit=cw.units["xinan_chengguan"]).is_active


# -- accept, return ---------------------------------------------------------------------------------


def test_the_lead_unit_accepts_and_its_clock_starts(cw: World) -> None:
    case = in_progress(cw)
    assert case.status == Status.IN_PROGRESS and case.accepted_at is not None
    assert case.events.get(action="accept").data["on_time"] is True


def test_a_handler_of_another_unit_cannot_accept(cw: World) -> None:
    case = submit(cw)
    with pytest.raises(PermissionDenied):
        actions.check_accept(cw.people["handler2"], case.pk)
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_accepting_twice_is_a_wrong_state(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(WrongState):
        actions.check_accept(cw.people["handler"], case.pk)


def test_a_return_goes_back_to_the_desk_with_its_reason(cw: World) -> None:
    case = submit(cw)
    case = actions.check_return(cw.people["handler"], case.pk, reason="不属本单位职责")
    assert case.status == Status.PENDING_DISPATCH and case.lead_unit is None
    assert case.desk_unit == cw.units["xinan"]
    assert case.events.get(action="return").reason == "不属本单位职责"


def test_a_return_without_a_reason_is_refused(cw: World) -> None:
    case = submit(cw)
    with pytest.raises(ReasonRequired):
        actions.check_return(cw.people["handler"], case.pk, reason=" ")
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


# -- handling ---------------------------------------------------------------------------------------


def test_progress_notes_are_recorded_without_moving_the_case(cw: World) -> None:
    case = in_progress(cw)
    case = actions.check_progress(cw.people["handler"], case.pk, note="已联系环卫公司")
    assert case.status == Status.IN_PROGRESS and events(case)[-1] == "progress"


def test_a_co_handler_may_add_progress_but_not_complete(cw: World) -> None:
    case = in_progress(cw)
    actions.check_add_cohandler(cw.people["handler"], case.pk, unit="xinan-shuiwu")
    actions.check_progress(cw.people["handler2"], case.pk, note="已疏通排水")
    with pytest.raises(PermissionDenied):
        actions.check_complete(
            cw.people["handler2"], case.pk, note="完成", checklist=case.event_type.closing_conditions
        )


def test_completion_needs_every_closing_condition(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(CaseError) as error:
        actions.check_complete(
            cw.people["handler"], case.pk, note="已清运", checklist=["现场已清理或整治到位"]
        )
    assert error.value.code == "closing_conditions" and "上传处置后现场照片" in error.value.message
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_completion_records_on_time_and_working_hours(cw: World) -> None:
    case = completed(cw)
    data = case.events.get(action="complete").data
    assert case.status == Status.COMPLETED and "on_time" in data and data["work_hours"] >= 0


def test_a_failed_verification_sends_the_case_back_to_the_unit(cw: World) -> None:
    case = completed(cw)
    case = actions.check_verify(cw.people["dispatcher"], case.pk, passed=False, note="垃圾仍未清走")
    assert case.status == Status.IN_PROGRESS


def test_verification_of_a_residents_case_asks_for_a_rating(cw: World) -> None:
    case = awaiting_rating(cw)
    assert case.status == Status.AWAITING_RATING
    assert events(case)[-2:] == ["verify", "request_rating"]


def test_a_grid_worker_of_the_grid_may_verify(cw: World) -> None:
    case = completed(cw)
    case = actions.check_verify(cw.people["grid_worker"], case.pk, note="现场已看过")
    assert case.status == Status.AWAITING_RATING


# -- rating, reopen, close --------------------------------------------------------------------------


def test_a_satisfied_rating_closes_the_case(cw: World) -> None:
    case = actions.check_rate(cw.people["resident"], awaiting_rating(cw).pk, score=4, comment="很及时")
    assert case.status == Status.CLOSED and case.rating == 4 and case.closed_at is not None


def test_a_dissatisfied_rating_reopens_the_case_at_the_same_unit(cw: World) -> None:
    case = actions.check_rate(cw.people["resident"], awaiting_rating(cw).pk, score=2)
    assert case.status == Status.IN_PROGRESS and case.reopen_count == 1
    assert case.lead_unit == cw.units["xinan_chengguan"]
    assert events(case)[-2:] == ["rate", "reopen"]
    assert case.due_at is not None


def test_rating_twice_is_refused(cw: World) -> None:
    case = actions.check_rate(cw.people["resident"], awaiting_rating(cw).pk, score=5)
    with pytest.raises(AlreadyRated) as error:
        actions.check_rate(cw.people["resident"], case.pk, score=1)
    assert error.value.code == "already_rated"
    assert Case.objects.get(pk=case.pk).rating == 5


def test_a_score_outside_one_to_five_is_refused(cw: World) -> None:
    case = awaiting_rating(cw)
    with pytest.raises(CaseError):
        actions.check_rate(cw.people["resident"], case.pk, score=6)


def test_someone_else_cannot_rate_a_residents_case(cw: World) -> None:
    case = awaiting_rating(cw)
    with pytest.raises((PermissionDenied, CaseNotFound)):
        actions.check_rate(cw.people["outsider"], case.pk, score=1)


def test_the_desk_records_a_phone_callback_rating(cw: World) -> None:
    case = submit(cw, who="dispatcher", reporter_name="张先生", reporter_phone="13900000000")
    actions.check_accept(cw.people["handler"], case.pk)
    actions.check_complete(
        cw.people["handler"], case.pk, note="好", checklist=case.event_type.closing_conditions
    )
    actions.check_verify(cw.people["dispatcher"], case.pk)
    case = actions.check_rate(cw.people["dispatcher"], case.pk, score=5)
    assert case.events.get(action="rate").data["callback"] is True


def test_after_the_maximum_reopens_a_bad_rating_closes_the_case(cw: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_MAX_REOPENS = 1
    case = actions.check_rate(cw.people["resident"], awaiting_rating(cw).pk, score=1)
    assert case.reopen_count == 1
    actions.check_complete(
        cw.people["handler"], case.pk, note="再次清理", checklist=case.event_type.closing_conditions
    )
    actions.check_verify(cw.people["dispatcher"], case.pk)
    case = actions.check_rate(cw.people["resident"], case.pk, score=1)
    assert case.status == Status.CLOSED and case.reopen_count == 1


def test_a_manual_reopen_beyond_the_maximum_is_refused(cw: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_MAX_REOPENS = 0
    case = actions.check_rate(cw.people["resident"], awaiting_rating(cw).pk, score=3)
    with pytest.raises(TooManyReopens):
        actions.check_reopen(cw.people["dispatcher"], case.pk, reason="群众再次反映")


def test_the_desk_closes_a_case_nobody_rated(cw: World) -> None:
    case = actions.check_close(cw.people["dispatcher"], awaiting_rating(cw).pk, reason="回访三次未接通")
    assert case.status == Status.CLOSED


# -- suspension, urging, supervision ---------------------------------------------------------------


def test_suspend_and_resume_return_the_case_to_where_it_was(cw: World) -> None:
    case = in_progress(cw)
    case = actions.check_suspend(cw.people["dispatcher"], case.pk, reason="等待业主配合")
    assert case.status == Status.SUSPENDED and case.due_at is None and case.next_check_at is None
    case = actions.check_resume(cw.people["handler"], case.pk, note="业主已回")
    assert case.status == Status.IN_PROGRESS and case.due_at is not None


def test_a_handler_cannot_approve_their_own_suspension(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(PermissionDenied):
        actions.check_suspend(cw.people["handler"], case.pk, reason="太忙")


def test_urging_counts_and_notifies_the_unit(cw: World) -> None:
    case = in_progress(cw)
    case = actions.check_urge(cw.people["supervisor"], case.pk, note="请尽快处理")
    assert case.urge_count == 1
    assert Notification.objects.get(kind="urge", case=case).unit == cw.units["xinan_chengguan"]


def test_supervision_sets_its_own_deadline(cw: World) -> None:
    case = in_progress(cw)
    case = actions.check_supervise(cw.people["supervisor"], case.pk, reason="群众多次反映", days=2)
    assert case.supervised and case.supervision_due_at is not None


def test_a_dispatcher_cannot_open_formal_supervision(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(PermissionDenied):
        actions.check_supervise(cw.people["dispatcher"], case.pk, reason="x")


# -- merge, invalidate ------------------------------------------------------------------------------


def test_a_duplicate_is_merged_into_the_first_case(cw: World) -> None:
    first = submit(cw)
    second = submit(cw, description="门口的垃圾还在")
    merged = actions.check_merge(cw.people["dispatcher"], second.pk, into=first.pk, reason="重复反映")
    assert merged.status == Status.MERGED and merged.merged_into_id == first.pk


def test_a_case_cannot_be_merged_into_itself(cw: World) -> None:
    case = submit(cw)
    with pytest.raises(CaseError):
        actions.check_merge(cw.people["dispatcher"], case.pk, into=case.pk)


def test_invalidating_needs_a_reason_and_ends_the_case(cw: World) -> None:
    case = desk_case(cw)
    with pytest.raises(ReasonRequired):
        actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="")
    case = actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="测试数据")
    assert case.status == Status.INVALID
    with pytest.raises(WrongState):
        actions.check_dispatch(cw.people["dispatcher"], case.pk, unit="xinan-chengguan")


def test_an_in_progress_case_cannot_be_invalidated(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(WrongState):
        actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="无效")
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_every_action_bumps_the_version_and_adds_one_event(cw: World) -> None:
    case = submit(cw)
    before_version, before_events = case.version, case.events.count()
    case = actions.check_accept(cw.people["handler"], case.pk)
    assert case.version == before_version + 1 and case.events.count() == before_events + 1


# -- co-handlers name units: the unit must be one the case could be dispatched to ---------------------


def test_a_handler_cannot_add_a_unit_of_another_street_as_co_handler(cw: World) -> None:
    case = in_progress(cw)
    with pytest.raises(NoUnit):
        actions.check_add_cohandler(cw.people["handler"], case.pk, unit="xixiang-chengguan")
    assert not case.units.filter(unit=cw.units["xixiang_chengguan"]).exists()
    assert not case.events.filter(action="add_cohandler").exists()


def test_a_desk_cannot_dispatch_with_a_co_unit_of_another_street(cw: World) -> None:
    case = desk_case(cw)
    with pytest.raises(NoUnit):
        actions.check_dispatch(
            cw.people["dispatcher"], case.pk, unit="xinan-chengguan", co_units=["xixiang-chengguan"]
        )
    assert not case.units.exists()


def test_a_district_desk_cannot_add_a_street_unit_to_an_escalated_case(cw: World) -> None:
    # given: a case escalated to the district and dispatched there
    case = desk_case(cw)
    actions.check_escalate(cw.people["dispatcher"], case.pk, reason="街道无法处理")
    actions.check_dispatch(cw.people["district_dispatcher"], case.pk, unit="qu-chengguan")
    # when / then: the street unit it could not dispatch to cannot come in as co-handler either
    with pytest.raises(NoDownward):
        actions.check_add_cohandler(cw.people["district_dispatcher"], case.pk, unit="xinan-chengguan")
    assert not case.units.filter(unit=cw.units["xinan_chengguan"]).exists()


def test_the_api_refuses_a_co_handler_of_another_street_with_a_4xx(cw: World) -> None:
    from rest_framework.test import APIClient

    case = in_progress(cw)
    client = APIClient()
    client.force_authenticate(cw.people["handler"])
    response = client.post(
        f"/api/v1/cases/{case.pk}/add_cohandler/", {"unit": "xixiang-chengguan"}, format="json"
    )
    assert 400 <= response.status_code < 500
    assert not case.units.filter(unit=cw.units["xixiang_chengguan"]).exists()
