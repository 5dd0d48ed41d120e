"""Sign-up by SMS code against a guesser: wrong guesses count even though the sign-up fails, codes
are rate-limited per phone and per address, and nothing tells a prober which phones have accounts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client, TestCase
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.exceptions import CommunityError, SmsCodeError
from jiceng.community.models import SmsCode
from jiceng.community.tests.conftest import sign_up, sms_code
from jiceng.org.models import User
from jiceng.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def send(phone: str, ip: str | None = None) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.check_send_signup_code(phone, ip)


def wrong_code(phone: str) -> str:
    return "000000" if sms_code(phone) != "000000" else "111111"


def test_twenty_wrong_guesses_kill_the_code_even_for_the_right_digits(world: World) -> None:
    phone = "13912340001"
    send(phone)
    for _guess in range(20):
        with pytest.raises(SmsCodeError):
            actions.check_signup(phone, wrong_code(phone), PASSWORD, "张三", world.communities["haiyu"].code)
    assert SmsCode.objects.get(phone=phone).attempts == actions.SMS_MAX_ATTEMPTS
    with pytest.raises(SmsCodeError):
        actions.check_signup(phone, sms_code(phone), PASSWORD, "张三", world.communities["haiyu"].code)
    assert not User.objects.filter(phone=phone).exists()


def test_wrong_guesses_through_the_sign_up_page_are_counted_too(world: World) -> None:
    phone = "13912340002"
    client = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/community/signup/", {"op": "send", "phone": phone})
    form = {
        "phone": phone,
        "password": PASSWORD,
        "display_name": "张三",
        "community": world.communities["haiyu"].code,
    }
    for _guess in range(20):
        client.post("/community/signup/", {**form, "code": wrong_code(phone)})
    client.post("/community/signup/", {**form, "code": sms_code(phone)})
    assert not User.objects.filter(phone=phone).exists()


def test_codes_for_one_phone_are_limited_per_hour(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_SMS_PHONE_HOURLY = 3
    phone = "13912340003"
    start = timezone.now()
    for n in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=2 * n)):
            send(phone)
    with time_machine.travel(start + dt.timedelta(minutes=8)), pytest.raises(SmsCodeError) as refused:
        send(phone)
    assert refused.value.status == 429 and SmsCode.objects.filter(phone=phone).count() == 3


def test_codes_from_one_address_are_limited_per_hour(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_SMS_IP_HOURLY = 4
    for n in range(4):
        send(f"1391234{n:04d}", ip="203.0.113.9")
    with pytest.raises(SmsCodeError):
        send("13912349999", ip="203.0.113.9")
    send("13912349999", ip="203.0.113.10")  # another address is not held up


def test_the_sign_up_page_answers_alike_for_registered_and_new_phones(world: World) -> None:
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)):
        registered = sign_up(world.communities["haiyu"].code)
    client = Client()
    a = client.post("/community/signup/", {"op": "send", "phone": registered.phone}, follow=True)
    b = client.post("/community/signup/", {"op": "send", "phone": "13912340100"}, follow=True)
    assert a.status_code == b.status_code == 200
    assert "已注册" not in a.content.decode()
    messages_a = [str(m) for m in a.context["messages"]]
    messages_b = [str(m) for m in b.context["messages"]]
    assert messages_a == messages_b


def test_a_password_equal_to_the_phone_is_refused(world: World) -> None:
    phone = "13912340004"
    send(phone)
    with pytest.raises(CommunityError, match="手机号"):
        actions.check_signup(phone, sms_code(phone), phone, "张三", world.communities["haiyu"].code)
    # the code was not spent by the refusal
    user = actions.check_signup(phone, sms_code(phone), PASSWORD, "张三", world.communities["haiyu"].code)
    assert user.phone == phone


def test_staff_registered_residents_get_a_generated_username_too(world: World) -> None:
    elder = actions.check_staff_register_resident(
        world.people["community_staff"], world.communities["haiyu"], "陈阿婆", "13700000009"
    )
    assert elder.username != elder.phone and not elder.username.isdigit()
