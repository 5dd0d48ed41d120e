from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.org.scopes import scope_for


def entries(user: Any) -> list[NavEntry]:
    if not (getattr(user, "is_superuser", False) or scope_for(user).is_staff):
        return []
    return [NavEntry(_("我的辖区"), "/places/", _("区划、网格、楼栋与房屋"), order=10)]
