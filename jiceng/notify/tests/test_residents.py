"""Residents are told at each step of their request, by SMS (file backend) and in their inbox, with
links that can be tapped; staff-found cases and sensor alarms tell no resident."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiceng.cases import actions
from jiceng.cases.tests.conftest import awaiting_rating, submit
from jiceng.notify.models import InboxMessage
from jiceng.notify.sender import send_pending
from jiceng.notify.tests.conftest import texts_to
from jiceng.testing import World

pytestmark = pytest.mark.django_db
PHONE = "13800138000"  # the resident's


def told(sms_dir: Path) -> list[str]:
    send_pending()
    return texts_to(sms_dir, PHONE)


def test_a_resident_is_told_the_request_is_received_and_dispatched_with_a_tappable_link(
    cw: World, sms_dir: Path
) -> None:
    case = submit(cw)  # SR01 in 海裕: dispatched straight to the unit
    [message] = told(sms_dir)
    assert "已受理" in message and case.number in message and case.lead_unit.name in message
    assert message.endswith(f"https://jiceng.example.cn/cases/{case.pk}/")
    inbox = InboxMessage.objects.get(user=cw.people["resident"])
    assert inbox.kind == "resident_received" and inbox.link.endswith(f"/cases/{case.pk}/")


def test_a_request_waiting_at_the_desk_is_received_then_dispatched(cw: World, sms_dir: Path) -> None:
    case = submit(cw, type_code="", description="楼道里有人乱扔东西，不知道该找谁")
    assert "尽快分派" in told(sms_dir)[0]
    actions.check_dispatch(cw.people["dispatcher"], case.pk, unit=cw.units["xinan_chengguan"].pk)
    messages = told(sms_dir)
    assert len(messages) == 2 and "已交由新安街道综合执法队办理" in messages[1]


def test_the_finished_request_carries_the_reply_and_asks_for_a_rating(cw: World, sms_dir: Path) -> None:
    case = awaiting_rating(cw)
    finished = told(sms_dir)[-1]
    assert "已办结" in finished and "已清运完毕" in finished and "请对办理结果评价" in finished
    assert finished.endswith(f"/cases/{case.pk}/")


def test_a_merged_request_names_the_case_it_joined(cw: World, sms_dir: Path) -> None:
    master = submit(cw, who="grid_worker", description="海裕社区门口垃圾堆放")
    duplicate = submit(cw, type_code="", description="门口垃圾好几天没人收")
    actions.check_merge(cw.people["dispatcher"], duplicate.pk, into=master.number)
    merged = told(sms_dir)[-1]
    assert "已合并办理" in merged and master.number in merged


def test_an_invalidated_request_gives_the_reason(cw: World, sms_dir: Path) -> None:
    case = submit(cw, type_code="", description="测试一下")
    actions.check_invalidate(cw.people["dispatcher"], case.pk, reason="非政务事项，请拨打物业电话")
    refused = told(sms_dir)[-1]
    assert "未予受理" in refused and "非政务事项，请拨打物业电话" in refused


def test_a_hotline_caller_without_an_account_gets_sms_without_a_login_link(cw: World, sms_dir: Path) -> None:
    submit(cw, who="dispatcher", reporter_phone="13600000001", reporter_name="张先生")
    send_pending()
    [message] = texts_to(sms_dir, "13600000001")
    assert "已受理" in message and "http" not in message
    assert told(sms_dir) == []  # the resident of the test world reported nothing


def test_a_grid_workers_own_find_tells_no_resident(cw: World, sms_dir: Path) -> None:
    submit(cw, who="grid_worker")
    send_pending()
    assert not InboxMessage.objects.filter(kind__startswith="resident_").exists()
    assert not list(sms_dir.glob("*.json")) if sms_dir.exists() else True
