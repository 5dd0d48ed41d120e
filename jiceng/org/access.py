"""Permission-scoped getters: "missing" and "forbidden" give the same answer.

Every object a staff member opens by code or id is fetched through these, as Zulip's
``access_stream_by_id`` does: a grid worker probing another community's room codes learns nothing,
neither from the status code nor from the message.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jiceng.core.exceptions import NotFound
from jiceng.org.models import Membership, User
from jiceng.org.scopes import Scope, scope_for
from jiceng.places.models import Building, CodeHistory, Division, Grid, Room

M = TypeVar("M", bound=Model)


def scoped(user: Any, queryset: QuerySet[M], field: str = "code") -> QuerySet[M]:
    """``queryset`` restricted to the rows whose ``field`` (a code column) lies in the user's scope."""
    return queryset.filter(scope_for(user).q(field))


def _current_code(kind: str, code: str) -> str | None:
    """The code an object has now, when ``code`` is an old printed one (grids get redrawn)."""
    row = CodeHistory.objects.filter(kind=kind, old_code=code).order_by("-changed_at").first()
    return row.new_code if row is not None and row.new_code != code else None


def _get(user: Any, queryset: QuerySet[M], code: str, field: str, label: str, kind: str) -> M:
    code = str(code or "").strip()
    scoped_qs = scoped(user, queryset, field)
    obj = scoped_qs.filter(code=code).first() if code else None
    if obj is None and code and not scope_for(user).is_empty:
        current = _current_code(kind, code)
        if current is not None:
            obj = scoped_qs.filter(code=current).first()
    if obj is None:
        # The same message whether the code does not exist or lies outside the scope.
        raise NotFound(_("未找到%(label)s“%(code)s”。") % {"label": label, "code": code})
    return obj


def access_room(user: Any, code: str) -> Room:
    return _get(
        user, Room.objects.select_related("building__grid__community"), code, "code", _("房屋"), "room"
    )


def access_building(user: Any, code: str) -> Building:
    return _get(user, Building.objects.select_related("grid__community"), code, "code", _("楼栋"), "building")


def access_grid(user: Any, code: str) -> Grid:
    return _get(user, Grid.objects.select_related("community"), code, "code", _("网格"), "grid")


def access_division(user: Any, code: str) -> Division:
    """A division is visible when it lies inside the scope or the scope lies inside it (a grid
    worker sees their community as the container of their grids)."""
    scope = scope_for(user)
    code = str(code or "").strip()
    # A NUL cannot be in a code, and PostgreSQL refuses a query that compares with one.
    found = code and "\x00" not in code
    division = Division.objects.filter(code=code).select_related("parent").first() if found else None
    if division is None or not scope.touches(division.code):
        raise NotFound(_("未找到区划“%(code)s”。") % {"code": code.replace("\x00", "")})
    return division


def people_in_scope(scope: Scope) -> Q:
    """A filter on users: those with an active post inside the scope — grid workers by their grids,
    unit staff by their unit's seat, residents and building heads by their community."""
    if scope.is_empty:
        return Q(pk__in=[])
    posts = Membership.objects.filter(user=OuterRef("pk"), is_active=True).filter(
        scope.q("unit__division__code")
        | scope.q("division__code")
        | Q(
            Exists(
                Membership.grids.through.objects.filter(membership=OuterRef("pk")).filter(
                    scope.q("grid__code")
                )
            )
        )
    )
    return Q(Exists(posts))


def access_person(user: Any, person_id: Any) -> User:
    """A person (a user of any role) in the viewer's scope; the viewer may always open themselves."""
    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        pk = None
    person = None
    if pk is not None:
        if getattr(user, "pk", None) == pk:
            person = User.objects.filter(pk=pk).first()
        else:
            person = User.objects.filter(people_in_scope(scope_for(user)), pk=pk).first()
    if person is None:
        raise NotFound(_("未找到人员“%(id)s”。") % {"id": person_id})
    return person
