"""The command centre on the home page, for leaders and the staff who run it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.command import stats
from jiceng.core.navigation import NavEntry


def entries(user: Any) -> list[NavEntry]:
    if not stats.screen_allowed(user):
        return []
    return [
        NavEntry(_("指挥中心大屏"), "/command/", _("辖区态势一屏掌握：地图、指标、实时动态、排名"), order=10),
        NavEntry(
            _("考评与平安指数"),
            "/command/evaluation/",
            _("单位考评、平安建设考评指数，可导出 Excel"),
            order=11,
        ),
    ]
