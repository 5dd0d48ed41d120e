"""When the database is away: 503 with a retry hint instead of "Server Error (500)".

A lost connection, a refused one, "too many connections", a statement timeout, a deadlock that
outlived its retries: all are the database saying "not now", not a bug in the request. The API
answers them in its own error format (``{"error": {"code", "message"}}``), pages with a styled
503 page that needs no database to render.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 5
UNAVAILABLE = (OperationalError, InterfaceError)


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE)


def wants_json(request: HttpRequest) -> bool:
    path = request.path
    return (
        path.startswith("/api/")
        or path.startswith("/open311/")
        or "application/json" in request.headers.get("Accept", "")
    )


def error_body() -> dict[str, dict[str, str]]:
    return {"error": {"code": "unavailable", "message": _("服务暂时不可用（数据库连接中断），请稍后重试。")}}


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer for ``request``: JSON for the API, the styled page for people."""
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse(error_body(), status=503, json_dumps_params={"ensure_ascii": False})
    else:
        page = loader.get_template("503.html").render({"SITE_NAME": settings.JICENG_SITE_NAME})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an outage becomes a 503; anything else stays Django's 500 (JSON for the API)."""
    exc = sys.exc_info()[1]
    if is_outage(exc):
        return unavailable(request)
    if wants_json(request):
        body = {"error": {"code": "server_error", "message": _("服务器内部错误。")}}
        return JsonResponse(body, status=500, json_dumps_params={"ensure_ascii": False})
    try:
        return defaults.server_error(request)
    except Exception:  # noqa: BLE001 — the 500 page itself must never fail
        return HttpResponseServerError(b"<h1>Server Error (500)</h1>", content_type="text/html")
