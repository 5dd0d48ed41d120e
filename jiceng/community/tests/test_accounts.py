from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.exceptions import Missing, NotConfirmed, SmsCodeError
from jiceng.community.models import AssistedAct, ResidencyStatus
from jiceng.community.sms import ConsoleSmsBackend
from jiceng.community.tests.conftest import sign_up, sms_code
from jiceng.org.models import Membership, Role
from jiceng.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_resident_signs_up_with_phone_code_and_password_and_awaits_confirmation(world):
    user = sign_up(world.communities["haiyu"].code, "张三")
    assert user.username != user.phone and not user.username.isdigit()
    assert user.check_password(PASSWORD)
    assert user.resident_profile.status == ResidencyStatus.PENDING
    assert Membership.objects.filter(
        user=user, role=Role.RESIDENT, division=world.communities["haiyu"]
    ).exists()


def test_sign_up_refuses_a_wrong_sms_code(world):
    phone = "13912345678"
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.check_send_signup_code(phone)
    wrong = "000000" if sms_code(phone) != "000000" else "111111"
    with pytest.raises(SmsCodeError):
        actions.check_signup(phone, wrong, PASSWORD, "张三", world.communities["haiyu"].code)


def test_sign_up_with_a_registered_phone_looks_like_a_wrong_code_and_texts_the_owner(world):
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)):
        user = sign_up(world.communities["haiyu"].code)
    # when: someone asks for a code for the registered phone and tries to sign up with it
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.check_send_signup_code(user.phone)
    text = ConsoleSmsBackend.last_to(user.phone).text
    # then: the owner is told the phone is registered (no code), and the prober sees a plain refusal
    assert "已注册" in text and not re.search(r"\d{6}", text)
    with pytest.raises(SmsCodeError) as refused:
        actions.check_signup(user.phone, "123456", PASSWORD, "张三", world.communities["haiyu"].code)
    assert "已注册" not in refused.value.message


def test_an_unconfirmed_resident_cannot_book_or_vote(world):
    user = sign_up(world.communities["haiyu"].code)
    with pytest.raises(NotConfirmed):
        actions.require_resident(user)


def test_staff_confirm_residency_with_a_room_of_their_community(world, staff):
    user = sign_up(world.communities["haiyu"].code)
    profile = actions.check_confirm_residency(
        staff["haiyu"], user.resident_profile.pk, room_code=world.rooms["haiyu2"].code
    )
    assert profile.is_confirmed and profile.room == world.rooms["haiyu2"]


def test_staff_cannot_link_a_room_of_another_community(world, staff):
    user = sign_up(world.communities["haiyu"].code)
    with pytest.raises(Missing):
        actions.check_confirm_residency(
            staff["haiyu"], user.resident_profile.pk, room_code=world.rooms["gushu1"].code
        )


def test_outsider_staff_cannot_confirm_a_resident_of_another_community(world, staff):
    user = sign_up(world.communities["haiyu"].code)
    with pytest.raises(Missing):
        actions.check_confirm_residency(staff["gushu"], user.resident_profile.pk)


def test_assisted_acts_are_logged_with_both_names(world, staff):
    elder = actions.check_staff_register_resident(
        staff["haiyu"], world.communities["haiyu"], "陈阿婆", "13700000001", world.rooms["haiyu1"].code
    )
    who = actions.check_start_assisting(staff["haiyu"], elder.pk)
    actions.check_submit_request(who, "楼道灯坏了很久了，晚上看不见", use_my_room=True)
    act = AssistedAct.objects.filter(action="submit_request").get()
    assert (act.staff_name, act.resident_name) == ("赵社区", "陈阿婆")


def test_staff_of_another_community_cannot_assist_a_resident(world, staff, resident_of):
    resident = resident_of("haiyu")
    with pytest.raises(Missing):
        actions.check_start_assisting(staff["gushu"], resident.pk)


def test_a_resident_registered_by_the_org_app_is_confirmed_in_their_community(world):
    profile = actions.require_resident(world.people["resident"])
    assert profile.community == world.communities["haiyu"]
