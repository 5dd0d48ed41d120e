"""Residents propose agenda items to their community's residents' council (议事会). Staff of the
council accept them onto a meeting's agenda or decline them with a reason in ``jiceng.party``, which
tells the resident through ``cases.outbox.notify``."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jiceng.community.actions import Actor, _act, require_resident
from jiceng.community.exceptions import CommunityError
from jiceng.community.models import CouncilProposal

MAX_OPEN = 5  # open proposals per resident: enough for a real wish list, too few to flood the council


def check_propose_agenda(who: Actor, title: Any, detail: Any = "") -> CouncilProposal:
    profile = require_resident(who.resident)
    title = str(title or "").strip()
    detail = str(detail or "").strip()
    if not title:
        raise CommunityError(_("请填写议题。"))
    if len(title) > 200 or len(detail) > 1000:
        raise CommunityError(_("议题不能超过 200 字，说明不能超过 1000 字。"))
    open_count = CouncilProposal.objects.filter(resident=who.resident, status="submitted").count()
    if open_count >= MAX_OPEN:
        raise CommunityError(_("您已有 %(n)d 条待受理的提议，请等待答复后再提。") % {"n": open_count})
    with transaction.atomic():
        proposal = CouncilProposal.objects.create(
            community=profile.community, resident=who.resident, title=title, detail=detail
        )
        _act(who, "propose_agenda", proposal, title, profile.community)
    return proposal


def my_proposals(user: Any) -> QuerySet[CouncilProposal]:
    return CouncilProposal.objects.filter(resident=user).order_by("-created_at")
