"""Sign-in against a guesser: failures are stored, and the login page, the admin login and the API
token all refuse even the right password once an account has been guessed at too often."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from jiceng.org.models import LoginFailure
from jiceng.testing import PASSWORD, World

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    cache.clear()  # the DRF throttle's counters live in the cache
    yield
    cache.clear()


def test_the_login_page_locks_an_account_after_five_wrong_passwords(world: World) -> None:
    client = Client()
    for _n in range(5):
        client.post("/accounts/login/", {"username": "leader", "password": "wrong-password-1"})
    # when: the right password comes after the guesses
    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    # then: refused, with the lockout's message, and no session
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginFailure.objects.filter(username="leader").count() >= 5


def test_the_lockout_ends_after_the_cool_off(world: World) -> None:
    client = Client()
    for _n in range(5):
        client.post("/accounts/login/", {"username": "leader", "password": "wrong-password-1"})
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_admin_login_is_locked_too(world: World) -> None:
    client = Client()
    for _n in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong-password-1"})
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_api_token_is_refused_with_429_once_locked(world: World) -> None:
    api = APIClient()
    for _n in range(5):
        assert api.post(TOKEN, {"username": "handler", "password": "nope-nope-1"}).status_code == 400
    response = api.post(TOKEN, {"username": "handler", "password": PASSWORD})
    assert response.status_code == 429 and response.json()["error"]["code"] == "locked"


def test_the_api_token_endpoint_is_throttled_per_address(world: World) -> None:
    api = APIClient()
    codes = [
        api.post(TOKEN, {"username": f"nobody{n}", "password": "nope-nope-1"}).status_code for n in range(11)
    ]
    assert codes[:10] == [400] * 10 and codes[10] == 429


def test_one_address_spraying_many_usernames_is_locked_out(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_LOGIN_IP_FAILURE_LIMIT = 6
    client = Client()
    for n in range(6):
        client.post("/accounts/login/", {"username": f"someone{n}", "password": "wrong-password-1"})
    response = client.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and "登录失败次数过多" in response.content.decode()


def test_a_guesser_elsewhere_does_not_lock_the_owner_out_of_their_own_address(world: World) -> None:
    for _n in range(5):
        Client(REMOTE_ADDR="203.0.113.7").post(
            "/accounts/login/", {"username": "leader", "password": "wrong-password-1"}
        )
    owner = Client(REMOTE_ADDR="198.51.100.2")
    owner.post("/accounts/login/", {"username": "leader", "password": PASSWORD})
    assert "_auth_user_id" in owner.session


def test_a_resident_signs_in_with_their_phone(world: World) -> None:
    client = Client()
    resident = world.people["resident"]
    client.post("/accounts/login/", {"username": resident.phone, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(resident.pk)


def test_a_password_equal_to_the_phone_or_the_username_is_refused(world: World) -> None:
    resident = world.people["resident"]
    with pytest.raises(ValidationError):
        validate_password(resident.phone, resident)
    with pytest.raises(ValidationError):
        validate_password("Resident", resident)
    validate_password("a-sound-passphrase-9", resident)
