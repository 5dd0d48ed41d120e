from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jiceng.core.api import error_response
from jiceng.core.navigation import menu_for
from jiceng.org.auth import client_ip, is_locked, locked_message

_TokenError = inline_serializer(
    "TokenError",
    {
        "error": inline_serializer(
            "TokenErrorBody", {"code": serializers.CharField(), "message": serializers.CharField()}
        )
    },
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"menu": menu_for(request.user)})


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <token>``)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    # A per-address rate (DRF throttle) in front of the persistent lockout of jiceng.org.auth.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: _TokenError,
            429: _TokenError,
        },
    )
    def post(self, request: Request) -> Response:
        from django.contrib.auth import authenticate

        username = str(request.data.get("username", ""))
        password = str(request.data.get("password", ""))
        if not username or not password:
            return error_response("invalid", _("请填写用户名和密码。"), 400)
        if is_locked(username, client_ip(request)):
            return error_response("locked", locked_message(), 429)
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            return error_response("invalid_credentials", _("用户名或密码错误。"), 400)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
