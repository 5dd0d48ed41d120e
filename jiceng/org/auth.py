"""Signing in: throttling and lockout that survive failure, sign-in by phone, and passwords that are
not the account's own phone or username.

Every failed sign-in — the login page, the admin login, ``POST /api/v1/auth/token/`` and anything else
that calls ``django.contrib.auth.authenticate`` — leaves a ``LoginFailure`` row (Django's
``user_login_failed`` signal). The backend refuses even the right password while, within the last
``JICENG_LOGIN_LOCKOUT_MINUTES``:

- one username from one address failed ``JICENG_LOGIN_FAILURE_LIMIT`` times (the ordinary guesser),
- one username failed ``JICENG_LOGIN_USER_FAILURE_LIMIT`` times from anywhere (a spread-out guesser),
- one address failed ``JICENG_LOGIN_IP_FAILURE_LIMIT`` times for any usernames (a password sprayer).

A successful sign-in clears that username's failures from that address. The rows are plain inserts in
autocommit (no request runs in a transaction here), so unlike a counter updated inside a transaction
that then fails, nothing rolls them back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.org.models import LoginFailure, User


def client_ip(request: Any) -> str | None:
    request = getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest
    if not isinstance(request, HttpRequest):
        return None
    return request.META.get("REMOTE_ADDR") or None


def _name(username: Any) -> str:
    return str(username or "").strip().lower()[:150]


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.JICENG_LOGIN_LOCKOUT_MINUTES)


def is_locked(username: Any, ip: str | None) -> bool:
    """Sign-in for ``username`` from ``ip`` is refused for now (see the module's rules)."""
    name = _name(username)
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    if name:
        if recent.filter(username=name, ip=ip).count() >= settings.JICENG_LOGIN_FAILURE_LIMIT:
            return True
        if recent.filter(username=name).count() >= settings.JICENG_LOGIN_USER_FAILURE_LIMIT:
            return True
    return bool(ip) and recent.filter(ip=ip).count() >= settings.JICENG_LOGIN_IP_FAILURE_LIMIT


def locked_message() -> str:
    return _("登录失败次数过多，请 %(m)d 分钟后再试。") % {"m": settings.JICENG_LOGIN_LOCKOUT_MINUTES}


def record_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """``user_login_failed`` receiver: one row per failure."""
    LoginFailure.objects.create(username=_name(credentials.get("username")), ip=client_ip(request))


def clear_failures(username: Any, ip: str | None) -> None:
    LoginFailure.objects.filter(username=_name(username), ip=ip).delete()


class ThrottledBackend(ModelBackend):
    """The model backend behind the lockout, also accepting the account's phone number as the
    username (residents sign in by phone; usernames are never phone numbers)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if is_locked(username, ip):
            # PermissionDenied stops every backend: the right password does not get through either.
            raise PermissionDenied(locked_message())
        login = str(username).strip()
        if not User.objects.filter(username=login).exists():
            by_phone = list(
                User.objects.filter(phone=login, is_active=True).values_list("username", flat=True)[:2]
            )
            if len(by_phone) == 1:
                login = by_phone[0]
        user = super().authenticate(request, username=login, password=password, **kwargs)
        if user is not None:
            clear_failures(username, ip)
        return user


class _LockoutCheck:
    """Forms: say the account is locked rather than "wrong password" while it is."""

    request: Any
    error_messages: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = self.cleaned_data  # type: ignore[attr-defined]
        if data.get("username") and is_locked(data["username"], client_ip(self.request)):
            raise ValidationError(locked_message(), code="locked")
        return super().clean()  # type: ignore[misc]


class LoginForm(_LockoutCheck, AuthenticationForm):
    username = forms.CharField(max_length=150)


class AdminLoginForm(_LockoutCheck, AdminAuthenticationForm):
    pass


class NotPhoneOrUsernameValidator:
    """A password must not be the account's phone number or username (nor contain the phone)."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        text = (password or "").strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        phone = str(getattr(user, "phone", "") or "")
        username = str(getattr(user, "username", "") or "")
        if phone and (phone in digits or text == phone):
            raise ValidationError(_("密码不能是手机号或包含手机号。"), code="password_is_phone")
        if username and text.lower() == username.lower():
            raise ValidationError(_("密码不能与用户名相同。"), code="password_is_username")

    def get_help_text(self) -> str:
        return _("密码不能是手机号或用户名。")
