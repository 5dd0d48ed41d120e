"""One public state per case (jiceng.cases.public), the same in the case page, Open311 and the portal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jiceng.cases import actions
from jiceng.cases.public import labelled_photos, public_state
from jiceng.cases.tests.conftest import awaiting_rating, in_progress, png, submit
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_a_request_waiting_at_the_desk_is_received_not_being_handled(cw: World) -> None:
    case = submit(cw, type_code="", description="楼道里有人乱扔东西，不知道该找谁")
    assert case.status == "pending_dispatch"
    state = public_state(case)
    assert state.state == "received" and state.label == "已受理，等待分派" and state.is_open


def test_a_case_the_handler_calls_complete_is_still_handled_until_checked(cw: World) -> None:
    case = in_progress(cw)
    assert public_state(case).state == "handling"
    done = actions.check_complete(
        cw.people["handler"], case.pk, note="已清运完毕", checklist=case.event_type.closing_conditions
    )
    assert public_state(done).state == "handling"
    rated = awaiting_rating(cw)
    state = public_state(rated)
    assert (state.state, state.label, state.note) == ("finished", "已办结，待您评价", "已清运完毕")


def test_an_invalidated_case_says_not_accepted_and_why(cw: World) -> None:
    case = submit(cw, type_code="", description="测试")
    case = actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="非政务事项")
    state = public_state(case)
    assert state.state == "refused" and state.label == "不予受理：非政务事项" and not state.is_open


def test_a_merged_case_follows_its_master_until_it_closes(cw: World) -> None:
    # given a duplicate merged into an open case
    master = in_progress(cw)
    duplicate = submit(cw, type_code="", description="门口垃圾好几天没人收")
    duplicate = actions.check_merge(cw.people["dispatcher"], duplicate.pk, into=master.pk)
    state = public_state(duplicate)
    assert state.state == "merged" and state.is_open and state.master_number == master.number
    assert state.label == f"已并入工单 {master.number} 办理（办理中）"
    # when the master is finished, checked and rated (closed)
    actions.check_complete(
        cw.people["handler"], master.pk, note="已清运", checklist=master.event_type.closing_conditions
    )
    actions.check_verify(cw.people["dispatcher"], master.pk, note="已核查")
    assert public_state(duplicate).master_state == "finished"
    actions.check_rate(cw.people["resident"], master.pk, score=5)
    # then the duplicate says so
    state = public_state(duplicate)
    assert state.master_state == "closed" and not state.is_open and "已结案" in state.label


def test_open311_reports_the_same_states_and_a_merged_case_stays_open_with_its_master(
    cw: World, client: Client
) -> None:
    master = in_progress(cw)
    duplicate = submit(cw, type_code="SR01", description="门口垃圾桶满了没人清理")
    actions.check_merge(cw.people["dispatcher"], duplicate.pk, into=master.pk)
    url = reverse("open311:request", kwargs={"request_id": duplicate.number, "fmt": "json"})
    [body] = client.get(url).json()
    assert body["status"] == "open" and body["status_notes"].startswith(f"已并入工单 {master.number}")
    listed = client.get(reverse("open311:requests", kwargs={"fmt": "json"}), {"status": "open"}).json()
    assert duplicate.number in {r["service_request_id"] for r in listed}
    refused = submit(cw, type_code="SR01", description="测试二")
    actions.check_invalidate(cw.people["dispatcher"], refused.pk, reason="重复测试")
    [body] = client.get(
        reverse("open311:request", kwargs={"request_id": refused.number, "fmt": "json"})
    ).json()
    assert body["status"] == "closed" and body["status_notes"] == "不予受理：重复测试"


def test_the_handlers_photos_are_labelled_before_and_after_and_shown_to_the_reporter(
    cw: World, client: Client
) -> None:
    case = in_progress(cw)
    before = SimpleUploadedFile("a.png", png(8, 6), content_type="image/png")
    after = SimpleUploadedFile("b.png", png(9, 6), content_type="image/png")
    actions.check_progress(cw.people["handler"], case.pk, note="到场查看", photos=[before])
    actions.check_complete(
        cw.people["handler"],
        case.pk,
        note="已清运",
        checklist=case.event_type.closing_conditions,
        photos=[after],
    )
    assert [p.kind for p in labelled_photos(case.pk)] == ["before", "after"]
    client.force_login(cw.people["resident"])
    page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "<figcaption>处置前</figcaption>" in page and "<figcaption>处置后</figcaption>" in page
    assert 'id="public-state" data-state="handling"' in page
    # the outsider sees neither the case nor its photos
    client.force_login(cw.people["outsider"])
    assert client.get(reverse("cases:case", args=[case.pk])).status_code == 404
