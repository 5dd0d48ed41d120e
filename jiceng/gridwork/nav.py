"""Grid work on the home page: for staff with a territory."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.org.scopes import scope_for


def entries(user: Any) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False) or not scope_for(user).is_staff:
        return []
    return [
        NavEntry(_("网格工作"), "/gridwork/", _("巡查、采集、场所检查、重点人员包挂"), order=40),
        NavEntry(_("手机巡查"), "/gridwork/patrol/", _("按清单巡查楼栋，发现问题一键上报"), order=41),
        NavEntry(_("入户采集"), "/gridwork/collect/", _("人、房、法人、事件部件四类信息入户采集"), order=43),
        NavEntry(_("场所检查"), "/gridwork/venues/", _("三小场所消防检查、出租屋旅馆三查四告知"), order=44),
        NavEntry(_("重点人员包挂"), "/gridwork/key-persons/", _("包联干部、挂点民警的走访与提醒"), order=45),
        NavEntry(_("巡查覆盖率"), "/gridwork/coverage/", _("按计划统计各网格、网格员的巡查覆盖"), order=42),
    ]
