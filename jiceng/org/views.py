"""Pages: the people directory (personal data masked or revealed and logged) and duty rosters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.exceptions import NotFound
from jiceng.org import people, roster
from jiceng.org.access import access_person
from jiceng.org.models import STAFF_ROLES, Membership, Role, Unit
from jiceng.org.pages import staff_page
from jiceng.org.privacy import may_see_personal_data, reveal
from jiceng.org.scopes import scope_for

PAGE_SIZE = 50


@staff_page
def people_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not (scope.is_staff or request.user.is_superuser):
        raise NotFound(_("人员名录仅限工作人员查看。"))
    role = request.GET.get("role", "")
    text = request.GET.get("q", "")
    page = Paginator(people.people_for(request.user, role=role, text=text), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = people.shown(request, list(page.object_list))
    context = {
        "page": page,
        "rows": rows,
        "role": role,
        "q": text,
        "roles": Role.choices,
        "unmasked": may_see_personal_data(request.user),
    }
    template = "org/_people_rows.html" if request.headers.get("HX-Request") else "org/people.html"
    return render(request, template, context)


@staff_page
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = access_person(request.user, person_id)
    row = people.shown_one(request, person)
    return render(
        request,
        "org/person.html",
        {"row": row, "unmasked": may_see_personal_data(request.user) or person.pk == request.user.pk},
    )


def _my_units(request: HttpRequest) -> list[Unit]:
    """Units whose roster the viewer may read: their own units, and units seated in their scope."""
    user: Any = request.user
    scope = scope_for(user)
    own = Membership.objects.filter(
        user=user, is_active=True, role__in=[r.value for r in STAFF_ROLES]
    ).values("unit")
    return list(
        Unit.objects.filter(Q(pk__in=own) | scope.q("division__code"), is_active=True)
        .filter(shifts__isnull=False)
        .distinct()
        .select_related("kind", "division")
        .order_by("code")[:200]
    )


@staff_page
def duty(request: HttpRequest) -> HttpResponse:
    """This week's roster of a unit: who is on duty now, the shifts, and the hours nobody covers."""
    units = _my_units(request)
    if not units:
        return render(request, "org/duty.html", {"units": [], "unit": None})
    code = request.GET.get("unit") or units[0].code
    unit = next((u for u in units if u.code == code), None)
    if unit is None:
        raise NotFound(_("未找到单位“%(code)s”。") % {"code": code})
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=7)
    shifts = list(roster.shifts_between(unit, start, end))
    current = roster.on_duty(unit, now)
    current_phone = ""
    if current is not None:
        current_phone = reveal(request, "user", current.pk, {"phone": current.phone}, "duty_roster")["phone"]
    return render(
        request,
        "org/duty.html",
        {
            "units": units,
            "unit": unit,
            "shifts": shifts,
            "current": current,
            "current_phone": current_phone,
            "gaps": roster.coverage_gaps(unit, max(start, now), end),
            "now": now,
        },
    )
