"""The sensing pages on the home page, for staff."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.org.scopes import scope_for


def entries(user: Any) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False) or not scope_for(user).is_staff:
        return []
    return [
        NavEntry(_("告警处置台"), "/sensing/alarms/", _("物联告警：确认、解除、转工单"), order=40),
        NavEntry(_("感知设备"), "/sensing/", _("辖区设备分布、在线率与数据曲线"), order=41),
    ]
