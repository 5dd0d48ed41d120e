from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.org.scopes import scope_for


def entries(user: Any) -> list[NavEntry]:
    scope = scope_for(user)
    if scope.is_empty:
        return []
    return [
        NavEntry(_("我的网格"), "/registry/", _("楼栋、房屋、上门采集与核实任务"), order=10),
        NavEntry(_("一键可知"), "/registry/lookup/", _("按房屋/楼栋/网格编码或身份证号查询"), order=11),
    ]
