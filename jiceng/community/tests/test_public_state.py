"""What the resident sees on the portal is the case's public state (jiceng.cases.public)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiceng.cases import actions as cases
from jiceng.cases.intake import read_photos
from jiceng.cases.models import Case
from jiceng.cases.tests.conftest import png
from jiceng.community import actions
from jiceng.community.tests.casework import finish_case

pytestmark = pytest.mark.django_db
A = actions.Actor


def _page(client, user, request) -> str:
    client.force_login(user)
    return client.get(reverse("community:request", args=[request.pk])).content.decode()


def _desk(world, request) -> Case:
    """Put the request's case back at the street desk, as if triage had not been sure."""
    case = Case.objects.get(pk=request.case_id_ref)
    if case.status != "pending_dispatch":
        Case.objects.filter(pk=case.pk).update(status="pending_dispatch", desk_unit=world.units["xinan"])
    return Case.objects.get(pk=case.pk)


def test_a_merged_request_says_which_case_it_joined_and_offers_no_rating(world, staff, resident_of, client):
    resident = resident_of()
    first = actions.check_submit_request(A(resident), "楼下垃圾没人清理好几天", use_my_room=True)
    second = actions.check_submit_request(
        A(resident_of(name="邻居")), "楼下垃圾好几天没人收", use_my_room=True
    )
    master = Case.objects.get(pk=first.case_id_ref)
    dup = _desk(world, second)
    cases.do_merge(dup.pk, master, actor=world.people["admin"], reason="同一处垃圾")
    page = _page(client, second.resident, second)
    assert f"已并入工单 {master.number} 办理" in page and 'data-state="merged"' in page
    assert f"已合并至工单 {master.number}" in page  # the timeline step
    listing = client.get(reverse("community:requests")).content.decode()
    assert f"已并入工单 {master.number}" in listing
    # when the master is finished, the merged request follows it (and its steps)
    finish_case(world, master.pk)
    page = _page(client, second.resident, second)
    assert "已办结" in page and "合并工单：" in page and "请为办理结果评价" not in page


def test_an_invalidated_request_says_not_accepted_with_the_reason(world, staff, resident_of, client):
    request = actions.check_submit_request(A(resident_of()), "想问问明天天气", use_my_room=True)
    case = _desk(world, request)
    cases.do_invalidate(case.pk, reason="非政务事项，请拨打 12121 气象热线", actor=world.people["admin"])
    page = _page(client, request.resident, request)
    assert "不予受理：非政务事项，请拨打 12121 气象热线" in page and 'data-state="refused"' in page
    assert page.count("非政务事项，请拨打 12121 气象热线") == 2  # the badge and the timeline step


def test_the_corrected_category_is_shown_not_the_first_guess(world, staff, resident_of, client):
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", use_my_room=True)
    case = _desk(world, request)
    cases.check_dispatch(
        world.people["dispatcher"], case.pk, type_code="SR02", unit=world.units["xinan_chengguan"].pk
    )
    corrected = Case.objects.select_related("event_type").get(pk=case.pk).event_type.name
    assert f'<span id="category">{corrected}</span>' in _page(client, request.resident, request)


def test_the_handlers_before_and_after_photos_are_shown_labelled(world, staff, resident_of, client):
    request = actions.check_submit_request(A(resident_of()), "楼下垃圾没人清理好几天", use_my_room=True)
    admin = world.people["admin"]
    case = Case.objects.get(pk=request.case_id_ref)
    if case.status == "pending_dispatch":
        cases.do_dispatch(case.pk, unit=world.units["haiyu"], actor=admin)
    cases.do_accept(case.pk, actor=admin)
    cases.do_progress(
        case.pk,
        actor=admin,
        note="到场",
        photos=read_photos([SimpleUploadedFile("a.png", png(8, 6), "image/png")]),
    )
    case.refresh_from_db()
    conditions = list(case.event_type.closing_conditions) if case.event_type else []
    cases.do_complete(
        case.pk,
        actor=admin,
        note="已清理",
        checklist=conditions,
        photos=read_photos([SimpleUploadedFile("b.png", png(9, 6), "image/png")]),
    )
    page = _page(client, request.resident, request)
    assert "<figcaption>处置前</figcaption>" in page and "<figcaption>处置后</figcaption>" in page


def test_a_portal_rating_comment_appears_once_on_the_timeline(world, staff, resident_of, client):
    resident = resident_of()
    request = actions.check_submit_request(A(resident), "楼下垃圾没人清理好几天", use_my_room=True)
    finish_case(world, request.case_id_ref)
    page = _page(client, resident, request)
    assert "已办结，待您评价" in page and "已安排保洁清理" in page
    actions.check_rate_request(A(resident), request.pk, 5, "处理得很及时，谢谢")
    page = _page(client, resident, request)
    assert page.count("处理得很及时，谢谢") == 2  # the timeline step and "您的评价" below it
    assert 'data-state="closed"' in page
