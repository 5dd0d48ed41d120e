"""REST building blocks every app reuses: staff-only access, territory-scoped querysets, and
"not found" for objects outside the scope (the same answer as for objects that do not exist)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import viewsets
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.lib.codes import CodeError, prefix_range
from jiceng.org.scopes import Scope, scope_for


class IsStaff(BasePermission):
    """Staff with at least one active post (grid worker, handler, leader…), or a superuser."""

    message = gettext_lazy("仅限工作人员使用。")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_superuser or scope_for(user).is_staff)


class CodeCursorPagination(CursorPagination):
    """Pages ordered by code: each page is a range scan on the code index, however deep (no COUNT
    over millions of rooms)."""

    ordering = "code"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class SmallPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def within_filter(value: str | None, field: str = "code") -> Any:
    """``?within=<code>``: rows whose code starts with a division/grid/building code."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        prefix_range(value)
    except CodeError as exc:
        raise JicengError(str(exc), code="invalid_code")
    return Scope((value,), frozenset()).q(field)


class ScopedQuerysetMixin:
    """Restricts ``get_queryset()`` to the caller's scope and answers 404 for anything else.

    Set ``scope_field`` to the code column that decides (``code`` for places, ``room__code`` or
    ``grid_code`` for objects placed somewhere) and ``not_found_label`` for the message.
    """

    scope_field = "code"
    not_found_label: Any = gettext_lazy("对象")
    request: Any
    kwargs: dict[str, Any]
    lookup_field: str
    lookup_url_kwarg: str | None

    def scope(self) -> Scope:
        return scope_for(self.request.user)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        return queryset.filter(self.scope().q(self.scope_field))

    def get_object(self) -> Model:
        lookup = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup]
        obj = self.get_queryset().filter(**{self.lookup_field: value}).first()
        if obj is None:
            raise NotFound(_("未找到%(label)s“%(code)s”。") % {"label": self.not_found_label, "code": value})
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only list/detail API over a scoped model, looked up by code, for staff only."""

    permission_classes = [IsAuthenticated, IsStaff]
    lookup_field = "code"
    lookup_value_regex = r"[0-9]+"
