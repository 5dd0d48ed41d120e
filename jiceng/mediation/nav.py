"""Mediation on the home page: the agency inbox, the register, the dashboard; legal services for all."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jiceng.core.navigation import NavEntry
from jiceng.mediation.permissions import is_staff


def entries(user: Any) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    found = [NavEntry(_("法律服务"), "/mediation/legal/", _("法律咨询、预约律师、申请法律援助"), order=60)]
    if is_staff(user):
        found += [
            NavEntry(_("联调待办"), "/mediation/", _("本单位的矛盾纠纷联调任务"), order=50),
            NavEntry(
                _("纠纷登记"), "/mediation/disputes/new/", _("警情移交、诉前调解、热线、网格上报"), order=51
            ),
            NavEntry(_("高危台账"), "/mediation/high-risk/", _("高风险家事纠纷"), order=52),
            NavEntry(_("调处中心"), "/mediation/dashboard/", _("纠纷数据、协议率与回访"), order=53),
        ]
    return found
