"""Permission-scoped getters: "missing" and "forbidden" give the same answer.

Every object a staff member opens by code or id is fetched through these, as Zulip's
``access_stream_by_id`` does: a grid worker probing another community's room codes learns nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from jiceng.core.exceptions import NotFound
from jiceng.org.scopes import scope_for
from jiceng.places.models import Building, Division, Grid, Room

M = TypeVar("M", bound=Model)


def scoped(user: Any, queryset: QuerySet[M], field: str = "code") -> QuerySet[M]:
    return queryset.filter(scope_for(user).q(field))


def _get(user: Any, queryset: QuerySet[M], code: str, field: str, label: str) -> M:
    obj = scoped(user, queryset, field).filter(code=code).first()
    if obj is None:
        raise NotFound(_("未找到%(label)s“%(code)s”。") % {"label": label, "code": code})
    return obj


def access_room(user: Any, code: str) -> Room:
    return _get(user, Room.objects.select_related("building__grid__community"), code, "code", _("房屋"))


def access_building(user: Any, code: str) -> Building:
    return _get(user, Building.objects.select_related("grid__community"), code, "code", _("楼栋"))


def access_grid(user: Any, code: str) -> Grid:
    return _get(user, Grid.objects.select_related("community"), code, "code", _("网格"))


def access_division(user: Any, code: str) -> Division:
    """A division is visible when it lies inside the scope or the scope lies inside it."""
    scope = scope_for(user)
    division = Division.objects.filter(code=code).first()
    if division is None or not any(
        division.code.startswith(p) or p.startswith(division.code) for p in scope.prefixes
    ):
        raise NotFound(_("未找到区划“%(code)s”。") % {"code": code})
    return division
