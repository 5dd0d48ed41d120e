"""The portal's entries on the home page: residents see the portal, community staff its back office."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry


def entries(user: Any) -> list[NavEntry]:
    from jiceng.community.actions import profile_of, staff_communities

    found = []
    if profile_of(user) is not None:
        found.append(
            NavEntry(_("i社区码上办"), reverse("community:home"), _("办事、预约、活动、积分、微实事"), 10)
        )
    if staff_communities(user).exists():
        found.append(
            NavEntry(
                _("社区服务管理"),
                reverse("community:staff"),
                _("居民核实、诉求、场地、活动、时间银行、微实事"),
                40,
            )
        )
    return found
