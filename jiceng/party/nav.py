"""Party building on the home page: members, building heads and residents see their pages, the
community party committee its back office."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry


def entries(user: Any) -> list[NavEntry]:
    from jiceng.community.actions import profile_of, staff_communities
    from jiceng.party.access import head_buildings, member_of

    found = []
    if member_of(user) is not None or head_buildings(user).exists():
        found.append(
            NavEntry(_("党员之家"), reverse("party:home"), _("双报到、服务时长、集结令、楼栋长工作"), 12)
        )
    if profile_of(user) is not None or member_of(user) is not None:
        found.append(NavEntry(_("微心愿"), reverse("party:wishes"), _("许下心愿、认领心愿"), 14))
    if staff_communities(user).exists():
        found.append(
            NavEntry(_("党建引领"), reverse("party:staff"), _("党员、双报到、结对共建、心愿审核、议事会"), 42)
        )
    return found
