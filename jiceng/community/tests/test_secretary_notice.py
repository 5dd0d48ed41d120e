"""找书记 notices: the on-duty secretary (or, in an uncovered hour, the workstation's staff) is told by
SMS after the request is committed, and a failing SMS gateway never loses the request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.models import PortalRequest, RequestEvent
from jiceng.community.sms import ConsoleSmsBackend, SmsBackend
from jiceng.org.models import Role
from jiceng.org.roster import check_add_shift
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db
A = actions.Actor
TEXT = "小区门口路灯不亮好几天了，晚上出行很危险，请尽快修理"


class BrokenGateway(SmsBackend):
    """An SMS gateway that is down: every send fails the way a network error does."""

    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway unreachable")


def _on_duty(world, staff, phone: str = "", substitute_phone: str | None = None):
    secretary = make_user("shuji1", "林书记", Role.LEADER, unit=world.units["haiyu"], phone=phone)
    substitute = None
    if substitute_phone is not None:
        substitute = make_user(
            "shuji2", "黄书记", Role.LEADER, unit=world.units["haiyu"], phone=substitute_phone
        )
    now = timezone.now()
    check_add_shift(
        staff["haiyu"],
        world.units["haiyu"],
        secretary,
        now - dt.timedelta(hours=1),
        now + dt.timedelta(hours=7),
        title="值班书记",
        substitute=substitute,
    )
    return substitute or secretary


def _titles(request: PortalRequest) -> list[str]:
    return list(RequestEvent.objects.filter(request=request).values_list("title", flat=True))


def test_the_secretary_gets_exactly_one_sms_after_the_commit(
    world, staff, resident_of, django_capture_on_commit_callbacks
):
    secretary = _on_duty(world, staff, phone="13712340001")
    resident = resident_of()
    with django_capture_on_commit_callbacks() as callbacks:
        request = actions.check_submit_request(A(resident), TEXT, use_my_room=True, to_secretary=True)
        # nothing leaves before the transaction commits
        assert ConsoleSmsBackend.sent_to(secretary.phone) == []
    for callback in callbacks:
        callback()
    sent = ConsoleSmsBackend.sent_to(secretary.phone)
    assert len(sent) == 1
    text = sent[0].text
    assert actions.short_title(TEXT) in text and TEXT not in text
    assert (
        f"{reverse('community:staff_requests')}?c={world.communities['haiyu'].code}#request-{request.pk}"
        in text
    )
    assert "通知发送失败" not in _titles(request)


def test_the_substitute_is_the_one_told_when_the_shift_has_one(
    world, staff, resident_of, django_capture_on_commit_callbacks
):
    substitute = _on_duty(world, staff, phone="13712340002", substitute_phone="13712340003")
    resident = resident_of()
    with django_capture_on_commit_callbacks(execute=True):
        request = actions.check_submit_request(A(resident), TEXT, to_secretary=True)
    assert request.secretary == substitute
    assert len(ConsoleSmsBackend.sent_to("13712340003")) == 1
    assert ConsoleSmsBackend.sent_to("13712340002") == []


def test_a_secretary_without_a_phone_is_recorded_on_the_request(
    world, staff, resident_of, django_capture_on_commit_callbacks
):
    _on_duty(world, staff)
    resident = resident_of()
    before = list(ConsoleSmsBackend.outbox)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = actions.check_submit_request(A(resident), TEXT, to_secretary=True)
    assert callbacks == [] and ConsoleSmsBackend.outbox == before
    assert "值班书记未登记手机号，未能发送短信通知" in _titles(request)


def test_in_an_uncovered_hour_the_workstation_staff_are_told(
    world, staff, resident_of, django_capture_on_commit_callbacks
):
    workstation = staff["haiyu"]
    workstation.phone = "13712340004"
    workstation.save(update_fields=["phone"])
    leader = make_user("zhanzhang", "站长", Role.LEADER, unit=world.units["haiyu"], phone="13712340005")
    # staff of another community are not told
    staff["gushu"].phone = "13712340006"
    staff["gushu"].save(update_fields=["phone"])
    resident = resident_of()
    with django_capture_on_commit_callbacks(execute=True):
        request = actions.check_submit_request(A(resident), TEXT, to_secretary=True)
    assert request.uncovered and request.secretary is None
    assert len(ConsoleSmsBackend.sent_to(workstation.phone)) == 1
    assert len(ConsoleSmsBackend.sent_to(leader.phone)) == 1
    assert ConsoleSmsBackend.sent_to("13712340006") == []
    assert "无人值班" in ConsoleSmsBackend.sent_to(leader.phone)[0].text


def test_in_an_uncovered_hour_with_no_phone_on_record_the_event_says_so(
    world, staff, resident_of, django_capture_on_commit_callbacks
):
    resident = resident_of()
    before = list(ConsoleSmsBackend.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        request = actions.check_submit_request(A(resident), TEXT, to_secretary=True)
    assert request.uncovered
    assert ConsoleSmsBackend.outbox == before
    titles = _titles(request)
    assert "当前时段无人值班，已转社区工作站" in titles
    assert "社区工作站无人登记手机号，未能发送短信通知" in titles


def test_a_failing_sms_backend_keeps_the_request_and_records_the_failure(
    world, staff, resident_of, settings, django_capture_on_commit_callbacks
):
    _on_duty(world, staff, phone="13712340007")
    resident = resident_of()
    settings.JICENG_SMS_BACKEND = f"{__name__}.BrokenGateway"
    with django_capture_on_commit_callbacks(execute=True):
        request = actions.check_submit_request(A(resident), TEXT, to_secretary=True)
    kept = PortalRequest.objects.get(pk=request.pk)
    assert kept.to_secretary and kept.text == TEXT and kept.secretary is not None
    assert _titles(kept).count("通知发送失败") == 1
    assert ConsoleSmsBackend.sent_to("13712340007") == []


def test_an_ordinary_request_sends_no_notice(world, staff, resident_of, django_capture_on_commit_callbacks):
    _on_duty(world, staff, phone="13712340008")
    resident = resident_of()
    with django_capture_on_commit_callbacks(execute=True):
        actions.check_submit_request(A(resident), TEXT, use_my_room=True)
    assert ConsoleSmsBackend.sent_to("13712340008") == []


def test_the_secretary_page_sends_the_notice(
    world, staff, resident_of, client, django_capture_on_commit_callbacks
):
    secretary = _on_duty(world, staff, phone="13712340009")
    resident = resident_of()
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("community:secretary"), {"text": TEXT, "where": "room"})
    assert response.status_code == 302
    request = PortalRequest.objects.get(resident=resident)
    assert request.to_secretary and request.secretary == secretary
    assert len(ConsoleSmsBackend.sent_to(secretary.phone)) == 1
    # the link in the message is absolute (JICENG_BASE_URL) and opens the request for the secretary
    link = re.search(r"(https?://\S+?)#request-", ConsoleSmsBackend.sent_to(secretary.phone)[0].text).group(1)
    assert link.startswith(settings.JICENG_BASE_URL.rstrip("/") + "/")
    path = link[len(settings.JICENG_BASE_URL.rstrip("/")) :]
    client.force_login(secretary)
    page = client.get(path)
    assert page.status_code == 200 and f'id="request-{request.pk}"' in page.content.decode()
