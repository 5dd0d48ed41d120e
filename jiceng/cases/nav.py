"""The case pages on the home page, by role: desk, inbox, hotline, supervision, evaluation, search."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.cases import assignment_views, views
from jiceng.cases import permissions as perm
from jiceng.core.navigation import NavEntry


def entries(user: Any) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[NavEntry] = []
    if views.is_desk_staff(user):
        found.append(NavEntry(_("分拨台"), "/cases/desk/", _("待分拨工单、智能研判与合并"), order=30))
        found.append(NavEntry(_("热线登记"), "/cases/hotline/", _("登记来电诉求，电话回访评价"), order=31))
    if perm.unit_ids(user):
        found.append(NavEntry(_("待办"), "/cases/inbox/", _("本单位承办、协办的工单"), order=32))
    if views.is_supervising_staff(user) or views.is_desk_staff(user):
        found.append(NavEntry(_("督办"), "/cases/supervision/", _("超期、升级、督办与敏感工单"), order=33))
    if views.is_staff(user):
        found.extend(assignment_views.nav_entries(user))
        found.append(NavEntry(_("工单查询"), "/cases/", _("辖区内的全部工单"), order=34))
        found.append(NavEntry(_("考评"), "/cases/evaluation/", _("各单位办理考评，可导出 Excel"), order=35))
    return found
