"""A desk that is quick to work: the searchable type picker, saved filters, bulk actions and the
time left on each case's clock, through Django's client."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.cases import countdown, sla
from jiceng.cases.models import Case, CaseEvent, SavedFilter, Status
from jiceng.cases.tests.conftest import submit
from jiceng.cases.tests.test_pages import client_for, pending, texts
from jiceng.testing import World


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


# -- the type picker --------------------------------------------------------------------------------


def test_the_desk_panel_picker_lists_triages_proposals_first_and_every_type_searchable(cw: World) -> None:
    case = pending(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:desk-panel", args=[case.pk])).content.decode()
    picker = body[body.index("data-type-picker") :]
    assert picker.index('label="研判建议"') < picker.index('label="全部事项"')
    assert 'value="SR01" data-search="sr01' in picker  # proposed: triage read it as 垃圾
    assert picker.count("<option value=") > 300  # the whole catalogue, each with its search words


def test_the_hotline_form_offers_the_same_searchable_picker(cw: World) -> None:
    body = client_for(cw, "dispatcher").get(reverse("cases:hotline")).content.decode()
    assert 'name="type_code"' in body and "data-type-picker" in body
    assert 'data-search="sr01' in body


def test_the_case_page_puts_the_intake_type_first_in_the_redispatch_picker(cw: World) -> None:
    case = pending(cw)
    body = client_for(cw, "dispatcher").get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "data-type-picker" in body and "data-proposed" in body


# -- saved filters ----------------------------------------------------------------------------------


def test_a_dispatcher_saves_a_filter_and_sees_it_as_a_chip(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    response = client.post(
        reverse("cases:save-filter"),
        {"name": "超期待分拨", "status": "pending_dispatch", "overdue": "true", "page": "3"},
    )
    saved = SavedFilter.objects.get(user=cw.people["dispatcher"])
    assert saved.query == "status=pending_dispatch&overdue=true"  # the filters only, not the page
    assert response.status_code == 302 and response["Location"].endswith(saved.query)
    body = client.get(reverse("cases:list")).content.decode()
    assert 'data-filter="超期待分拨"' in body and f'href="?{saved.query.replace("&", "&amp;")}"' in body


def test_another_person_neither_sees_nor_deletes_someone_elses_saved_filter(cw: World) -> None:
    client_for(cw, "dispatcher").post(reverse("cases:save-filter"), {"name": "我的", "status": "dispatched"})
    saved = SavedFilter.objects.get()
    other = client_for(cw, "xixiang_dispatcher")
    assert 'data-filter="我的"' not in other.get(reverse("cases:list")).content.decode()
    assert other.post(reverse("cases:delete-filter", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_the_owner_deletes_a_saved_filter(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    client.post(reverse("cases:save-filter"), {"name": "我的", "status": "dispatched"})
    saved = SavedFilter.objects.get()
    response = client.post(reverse("cases:delete-filter", args=[saved.pk]), follow=True)
    assert not SavedFilter.objects.exists() and "已删除常用筛选。" in texts(response)


def test_a_saved_filter_with_an_unknown_status_or_no_name_is_refused_in_chinese(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    response = client.post(reverse("cases:save-filter"), {"name": "坏", "status": "nonsense"}, follow=True)
    assert any("未知的状态" in t for t in texts(response))
    response = client.post(reverse("cases:save-filter"), {"name": " ", "status": "dispatched"}, follow=True)
    assert "请为筛选条件起一个名称。" in texts(response)
    assert response.status_code == 200 and not SavedFilter.objects.exists()


def test_saving_under_an_existing_name_replaces_that_filter(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    client.post(reverse("cases:save-filter"), {"name": "常用", "status": "dispatched"})
    client.post(reverse("cases:save-filter"), {"name": "常用", "status": "in_progress"})
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["status=in_progress"]


# -- bulk actions -----------------------------------------------------------------------------------


def bulk(client: Any, cases: list[Case], action: str, **data: Any) -> Any:
    return client.post(
        reverse("cases:bulk"), {"ids": [c.pk for c in cases], "action": action, **data}, follow=True
    )


def test_a_bulk_dispatch_does_the_cases_it_may_and_says_which_it_may_not_and_why(cw: World) -> None:
    first, second = pending(cw, description="甲处垃圾"), pending(cw, description="乙处垃圾")
    elsewhere = pending(cw, description="丙处垃圾", location_code=cw.rooms["gushu1"].code)  # 西乡's desk
    unit = cw.units["xinan_chengguan"]
    response = bulk(client_for(cw, "dispatcher"), [first, elsewhere, second], "dispatch", unit=unit.pk)
    for case in (first, second, elsewhere):
        case.refresh_from_db()
    assert first.status == second.status == Status.DISPATCHED and first.lead_unit == second.lead_unit == unit
    assert elsewhere.status == Status.PENDING_DISPATCH
    messages = texts(response)
    assert any("批量分拨/转办：2 件完成" in t and first.number in t for t in messages)
    assert any(t.startswith(f"{elsewhere.pk}") or "未分拨/转办" in t for t in messages)
    # each dispatched case has its own trail entry, as from its own page
    assert CaseEvent.objects.filter(case__in=[first, second], action="dispatch").count() == 2


def test_a_bulk_accept_refuses_a_case_already_accepted_with_the_engines_reason(cw: World) -> None:
    a, b = submit(cw, description="甲处垃圾"), submit(cw, description="乙处垃圾")
    client = client_for(cw, "handler")
    bulk(client, [a], "accept")
    response = bulk(client, [a, b], "accept")
    b.refresh_from_db()
    assert b.status == Status.IN_PROGRESS
    refusal = [t for t in texts(response) if t.startswith(a.number)]
    assert refusal and "未签收" in refusal[0]


def test_a_bulk_assignment_names_one_person_on_each_case(cw: World) -> None:
    a, b = submit(cw, description="甲处垃圾"), submit(cw, description="乙处垃圾")
    handler = cw.people["handler"]
    from jiceng.org.models import Membership, Role

    Membership.objects.create(
        user=cw.people["handler2"], unit=cw.units["xinan_chengguan"], role=Role.DISPATCHER
    )
    response = bulk(client_for(cw, "handler2"), [a, b], "assign", assignee=handler.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.assignee == handler and b.assignee == handler, texts(response)


def test_an_outsider_bulk_action_touches_nothing_and_reveals_nothing(cw: World) -> None:
    case = pending(cw)
    response = bulk(
        client_for(cw, "xixiang_dispatcher"), [case], "dispatch", unit=cw.units["xinan_chengguan"].pk
    )
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH
    assert f"{case.pk} 未分拨/转办：未找到该工单或无权办理。" in texts(response)


def test_a_bulk_action_without_cases_or_with_an_unknown_verb_is_refused(cw: World) -> None:
    client = client_for(cw, "dispatcher")
    assert "请先勾选工单。" in texts(client.post(reverse("cases:bulk"), {"action": "accept"}, follow=True))
    case = pending(cw)
    assert "未知的批量操作。" in texts(bulk(client, [case], "close"))


def test_residents_have_no_bulk_actions(cw: World) -> None:
    case = submit(cw)
    assert bulk(client_for(cw, "resident"), [case], "accept").status_code == 404


# -- time left on the clock -------------------------------------------------------------------------


def test_the_case_list_shows_working_time_left_amber_after_the_warning_red_when_overdue(cw: World) -> None:
    fresh, warned, late = (pending(cw, description=f"第{n}处垃圾") for n in range(3))
    now = timezone.now()
    Case.objects.filter(pk=warned.pk).update(
        warn_at=now - dt.timedelta(minutes=1), due_at=now + dt.timedelta(days=3)
    )
    Case.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=3), overdue=True)
    body = client_for(cw, "dispatcher").get(reverse("cases:list")).content.decode()

    def cell(case: Case) -> str:
        row = body[body.index(f'data-case="{case.pk}"') :]
        return row[row.index('class="countdown') : row.index("</span>", row.index('class="countdown'))]

    assert "countdown ok" in cell(fresh) or "countdown warn" in cell(fresh)
    assert "countdown warn" in cell(warned) and "剩余" in cell(warned)
    assert "countdown bad" in cell(late) and "超期" in cell(late)


def test_the_countdown_counts_working_hours_not_the_night(cw: World) -> None:
    case = pending(cw)
    assert case.event_type is not None
    case.event_type.dispatch_unit = "workhour"
    friday_5pm = dt.datetime(2025, 6, 6, 17, 0, tzinfo=dt.UTC) - dt.timedelta(hours=8)
    case.due_at = friday_5pm + dt.timedelta(days=3)  # Monday 17:00: one working day later
    cal = sla.calendar()
    left = countdown.countdown(case, friday_5pm, cal)
    assert left is not None and left.state == "ok"
    assert abs(left.seconds - cal.hours.hours_per_day * 3600) < 60 and left.text == "剩余 1个工作日0小时"
