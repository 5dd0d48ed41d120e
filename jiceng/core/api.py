"""REST plumbing shared by every app: errors as ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found, server_error
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.parsers import JSONParser
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


def page_of(name: str, item: Any) -> Any:
    """The documented shape (component ``name``) of one page of ``item`` serializers, as
    ``PageNumberPagination`` answers it."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


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


# -- request bodies ---------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests deeper than ``limit`` (iterative: a hostile body cannot recurse us)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


class ObjectJSONParser(JSONParser):
    """Every JSON API body is an object of the documented shape, unless the view says otherwise.

    A list, a string or a number where the view expects an object used to reach ``data.get(...)``
    and answer 500; a body nested a few thousand levels deep exhausted the parser's recursion. Both
    are now a 400 with a message. A view that takes another top level (the sensing ingest takes a
    list of messages) sets ``json_body_types = (dict, list)``."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise drf_exceptions.ParseError(_("请求体 JSON 嵌套过深。")) from None
        view = (parser_context or {}).get("view")
        allowed = getattr(view, "json_body_types", (dict,))
        if not isinstance(data, allowed):
            raise drf_exceptions.ParseError(_("请求体必须是 JSON 对象。"))
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise drf_exceptions.ParseError(_("请求体 JSON 嵌套超过 %(n)d 层。") % {"n": MAX_JSON_DEPTH})
        return data


# -- answers outside the views ----------------------------------------------------------------------


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a URL no route matches: JSON in the error shape under /api/, the site's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": _("未找到。")}},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return page_not_found(request, exception or Http404())


def api_server_error(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "server_error", "message": _("服务器内部错误。")}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return server_error(request)
