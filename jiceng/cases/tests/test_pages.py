"""The staff pages: desk, inbox, case page, supervision, evaluation and hotline, through Django's client."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from jiceng.cases import actions, nav
from jiceng.cases.models import Case, CaseEvent, Channel, Status
from jiceng.cases.tests.conftest import awaiting_rating, in_progress, submit
from jiceng.testing import PASSWORD, World


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def client_for(world: World, who: str) -> Client:
    client = Client()
    assert client.login(username=world.people[who].username, password=PASSWORD)
    return client


def pending(world: World, **kw: Any) -> Case:
    """A case waiting at the street desk of 新安 (triage was not confident enough)."""
    kw.setdefault("auto_dispatch", False)
    case = submit(world, **kw)
    assert case.status == Status.PENDING_DISPATCH
    return case


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def act(client: Client, case: Case, action: str, **data: Any) -> Any:
    return client.post(reverse("cases:act", args=[case.pk, action]), data, follow=True)


# -- the dispatch desk -------------------------------------------------------------------------------


def test_the_desk_lists_a_pending_case_with_its_intake_suggestion(cw: World) -> None:
    case = pending(cw, title="垃圾堆放")
    response = client_for(cw, "dispatcher").get(reverse("cases:desk"))
    body = response.content.decode()
    assert response.status_code == 200
    assert case.number in body and "SR01" in body and "新安街道办事处" in body


def test_the_desk_queue_costs_the_same_queries_for_many_cases(
    cw: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        pending(cw, description=f"第{n}处垃圾堆放", title=f"垃圾{n}")
    client = client_for(cw, "dispatcher")
    with django_assert_max_num_queries(10):  # +1: the working-day calendar's version, for the countdowns
        response = client.get(reverse("cases:desk"))
    assert response.content.decode().count('class="queue-row') == 8


def test_the_desk_page_is_not_for_handlers(cw: World) -> None:
    assert client_for(cw, "handler").get(reverse("cases:desk")).status_code == 404


def test_the_desk_panel_offers_one_click_dispatch_to_the_routed_unit(cw: World) -> None:
    case = pending(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:desk-panel", args=[case.pk])).content.decode()
    assert "分拨至 新安街道综合执法队" in body


def test_the_desk_panel_proposes_an_open_case_of_the_same_type_and_grid_as_a_duplicate(cw: World) -> None:
    first = submit(cw)
    second = pending(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:desk-panel", args=[second.pk])).content.decode()
    assert f'name="into" value="{first.pk}"' in body


def test_a_dispatcher_dispatches_a_case_from_the_desk(cw: World) -> None:
    case = pending(cw)
    unit = cw.units["xinan_chengguan"]
    response = act(client_for(cw, "dispatcher"), case, "dispatch", unit=unit.pk, next=reverse("cases:desk"))
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.lead_unit == unit
    assert response.redirect_chain[-1][0] == reverse("cases:desk")
    assert any("分拨完成" in t for t in texts(response))


def test_the_desk_merges_a_duplicate_into_another_case(cw: World) -> None:
    first = submit(cw)
    second = pending(cw)
    act(client_for(cw, "dispatcher"), second, "merge", into=first.pk)
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into == first


def test_invalidating_without_a_reason_is_refused_with_a_chinese_message(cw: World) -> None:
    case = pending(cw)
    response = act(client_for(cw, "dispatcher"), case, "invalidate", reason="")
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH
    assert "作废必须填写原因。" in texts(response)


# -- the unit's inbox --------------------------------------------------------------------------------


def test_the_inbox_costs_the_same_queries_for_many_cases(
    cw: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        submit(cw, description=f"第{n}处垃圾堆放")
    client = client_for(cw, "handler")
    with django_assert_max_num_queries(8):  # +1: the working-day calendar's version, for the countdowns
        response = client.get(reverse("cases:inbox"))
    assert response.content.decode().count('class="inbox-row"') == 8


def test_the_handler_accepts_a_case_from_the_inbox(cw: World) -> None:
    case = submit(cw)
    act(client_for(cw, "handler"), case, "accept", next=reverse("cases:inbox"))
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and case.accepted_at is not None


def test_a_return_without_a_reason_changes_nothing(cw: World) -> None:
    case = submit(cw)
    response = act(client_for(cw, "handler"), case, "return", reason="  ")
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED
    assert "退回必须填写原因。" in texts(response)


def test_completing_needs_every_closing_condition_ticked(cw: World) -> None:
    case = in_progress(cw)
    assert case.event_type is not None
    conditions = case.event_type.closing_conditions
    client = client_for(cw, "handler")
    response = act(client, case, "complete", note="已清运", checklist=conditions[:1])
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert any("尚未满足办结条件" in t for t in texts(response))
    act(client, case, "complete", note="已清运", checklist=conditions)
    case.refresh_from_db()
    assert case.status == Status.COMPLETED


def test_the_case_page_shows_the_checklist_to_the_handler(cw: World) -> None:
    case = in_progress(cw)
    body = client_for(cw, "handler").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert case.event_type is not None
    for condition in case.event_type.closing_conditions:
        assert f'name="checklist" value="{condition}"' in body


def test_the_lead_unit_adds_a_co_handler(cw: World) -> None:
    case = in_progress(cw)
    act(client_for(cw, "handler"), case, "add_cohandler", unit=cw.units["xinan_shuiwu"].pk)
    assert case.units.filter(unit=cw.units["xinan_shuiwu"], role="co", is_active=True).exists()


def test_a_unit_asks_for_suspension_and_the_desk_approves_it(cw: World) -> None:
    case = in_progress(cw)
    act(client_for(cw, "handler"), case, "request_suspension", reason="等待业主配合")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    desk = client_for(cw, "dispatcher")
    assert (
        "承办单位申请挂起：等待业主配合" in desk.get(reverse("cases:case", args=[case.pk])).content.decode()
    )
    act(desk, case, "suspend", reason="等待业主配合")
    case.refresh_from_db()
    assert case.status == Status.SUSPENDED


# -- the case page -----------------------------------------------------------------------------------


def test_an_outsider_gets_404_on_another_streets_case_page(cw: World) -> None:
    case = submit(cw)
    client = client_for(cw, "outsider")
    assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404


def test_an_outsider_cannot_act_on_another_streets_case(cw: World) -> None:
    case = submit(cw)
    response = client_for(cw, "outsider").post(reverse("cases:act", args=[case.pk, "accept"]))
    case.refresh_from_db()
    assert response.status_code == 404 and case.status == Status.DISPATCHED


def test_the_case_page_shows_the_map_pin_sla_and_timeline_to_staff(cw: World) -> None:
    case = in_progress(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert 'id="case-map"' in body and "echarts.min.js" in body
    assert "当前环节时限" in body and 'class="badge ok sla-state"' in body
    assert "孙执法" in body  # staff see who accepted


def test_the_resident_sees_a_public_timeline_without_staff_names(cw: World) -> None:
    case = in_progress(cw)
    actions.check_urge(cw.people["supervisor"], case.pk, note="内部催办")
    body = client_for(cw, "resident").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "签收" in body and "孙执法" not in body and "内部催办" not in body


def test_the_reporter_rates_the_handling_on_the_case_page(cw: World) -> None:
    case = awaiting_rating(cw)
    act(client_for(cw, "resident"), case, "rate", score=5, comment="很满意")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.rating == 5


# -- supervision and evaluation ----------------------------------------------------------------------


def test_the_supervision_page_lists_sensitive_cases(cw: World) -> None:
    case = submit(cw, description="有人在小区门口持刀威胁路人")
    body = client_for(cw, "supervisor").get(reverse("cases:supervision") + "?list=sensitive").content.decode()
    assert case.sensitive and case.number in body


def test_the_supervisor_supervises_a_case_with_its_own_deadline(cw: World) -> None:
    case = in_progress(cw)
    act(client_for(cw, "supervisor"), case, "supervise", reason="群众反映强烈", due="2099-12-30")
    case.refresh_from_db()
    assert case.supervised and case.supervision_due_at is not None
    assert case.supervision_due_at.year == 2099


def test_the_supervisor_urges_a_case(cw: World) -> None:
    case = in_progress(cw)
    act(client_for(cw, "supervisor"), case, "urge", note="请加快")
    case.refresh_from_db()
    assert case.urge_count == 1


def test_a_handler_may_not_supervise(cw: World) -> None:
    case = in_progress(cw)
    response = act(client_for(cw, "handler"), case, "supervise", reason="自己督办自己")
    case.refresh_from_db()
    assert not case.supervised and "只有督办人员或领导可以督办。" in texts(response)


def test_the_evaluation_page_shows_the_units_figures_and_exports_xlsx(cw: World) -> None:
    from openpyxl import load_workbook

    in_progress(cw)
    client = client_for(cw, "leader")
    body = client.get(reverse("cases:evaluation")).content.decode()
    assert "新安街道综合执法队" in body
    response = client.get(reverse("cases:evaluation") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "单位名称" and any(r[1] == "新安街道综合执法队" and r[2] == 1 for r in rows[1:])


def test_the_evaluation_leaves_out_units_of_another_street(cw: World) -> None:
    submit(cw, location_code=cw.rooms["gushu1"].code)
    body = client_for(cw, "leader").get(reverse("cases:evaluation")).content.decode()
    assert "西乡街道综合执法队" not in body


# -- hotline -----------------------------------------------------------------------------------------


def hotline_form(world: World, **kw: Any) -> dict[str, Any]:
    data = {
        "token": "call-0001",
        "reporter_name": "陈来电",
        "reporter_phone": "13912345678",
        "title": "楼下垃圾没人清",
        "description": "海裕社区1号楼下垃圾堆放多日无人清运",
        "type_code": "SR01",
        "location_code": world.buildings["haiyu1"].code,
        "is_public": "on",
    }
    data.update(kw)
    return data


def test_a_hotline_call_becomes_one_hotline_case_even_when_sent_twice(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    first = client.post(reverse("cases:hotline"), hotline_form(cw))
    second = client.post(reverse("cases:hotline"), hotline_form(cw))
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == reverse("cases:case", args=[case.pk])
    assert case.channel == Channel.HOTLINE and case.reporter_phone == "13912345678" and case.reporter is None


def test_a_hotline_call_outside_the_district_is_refused_with_a_chinese_message(cw: World) -> None:
    response = client_for(cw, "dispatcher").post(
        reverse("cases:hotline"), hotline_form(cw, location_code="4403070010010100001")
    )
    assert response.status_code == 200 and not Case.objects.exists()
    assert any("不在本区" in t for t in texts(response))


def test_the_desk_records_a_callback_rating_that_closes_the_case(cw: World) -> None:
    case = awaiting_rating(cw)
    client = client_for(cw, "dispatcher")
    assert case.number in client.get(reverse("cases:hotline")).content.decode()
    act(client, case, "rate", score=4, next=reverse("cases:hotline"))
    case.refresh_from_db()
    rate = CaseEvent.objects.get(case=case, action="rate")
    assert case.status == Status.CLOSED and rate.data["callback"] is True


# -- navigation --------------------------------------------------------------------------------------


def test_the_home_page_menu_follows_the_roles(cw: World) -> None:
    def urls(who: str) -> set[str]:
        return {e.url for e in nav.entries(cw.people[who])}

    assert {"/cases/desk/", "/cases/hotline/"} <= urls("dispatcher")
    assert "/cases/inbox/" in urls("handler") and "/cases/desk/" not in urls("handler")
    assert "/cases/supervision/" in urls("supervisor")
    assert urls("resident") == set()
