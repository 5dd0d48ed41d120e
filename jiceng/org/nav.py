from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.org.scopes import scope_for


def entries(user: Any) -> list[NavEntry]:
    if not (getattr(user, "is_superuser", False) or scope_for(user).is_staff):
        return []
    return [
        NavEntry(_("人员名录"), "/org/people/", _("辖区内的工作人员与居民"), order=20),
        NavEntry(_("值班表"), "/org/duty/", _("本周值班与空档"), order=25),
    ]
