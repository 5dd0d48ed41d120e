"""REST plumbing shared by every app: errors as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework import status as http
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from jiceng.core.exceptions import JicengError
from jiceng.core.outage import RETRY_AFTER_SECONDS, error_body, is_outage


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
    return str(detail)


def error_response(code: str, message: str, status: int, details: Any = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if details is not None:
        body["error"]["details"] = details
    return Response(body, status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_outage(exc):
        # The database is away (or gave up on a deadlock): "try again shortly", not a server bug.
        from rest_framework.views import set_rollback

        set_rollback()
        return Response(error_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, JicengError):
        return error_response(exc.code, exc.message, exc.status)
    if isinstance(exc, DjangoValidationError):
        return error_response("invalid", "；".join(exc.messages), http.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return error_response("not_found", _("未找到。"), http.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        return error_response("forbidden", _("没有权限执行此操作。"), http.HTTP_403_FORBIDDEN)
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        return error_response("invalid", _first_message(exc.detail), response.status_code, exc.detail)
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, drf_exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", code) or code
        return error_response(str(code), _first_message(detail), response.status_code)
    return response
