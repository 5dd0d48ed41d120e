"""The command centre's own state changes: index weights and rollup rebuilds, each audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.command import rollup, stats
from jiceng.command.exceptions import BadWeights
from jiceng.command.models import CommandEvent, IndexWeight
from jiceng.core.exceptions import PermissionDenied
from jiceng.org.models import Role
from jiceng.org.scopes import scope_for


def may_set_weights(user: Any) -> bool:
    """District leaders and administrators set the index weights (they apply district-wide)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    from django.conf import settings

    scope = scope_for(user)
    return scope.has_role(Role.ADMIN, Role.LEADER) and settings.JICENG_DISTRICT_CODE in scope.prefixes


def check_set_index_weights(actor: Any, values: dict[str, Any]) -> dict[str, float]:
    if not may_set_weights(actor):
        raise PermissionDenied(_("只有区级领导或系统管理员可以调整考评指数权重。"))
    cleaned: dict[str, float] = {}
    for name, value in values.items():
        if name not in stats.COMPONENTS:
            raise BadWeights(_("未知的指标“%(name)s”。") % {"name": name})
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise BadWeights(_("“%(label)s”的权重须为数字。") % {"label": stats.COMPONENTS[name][0]}) from exc
        if not 0 <= number <= 100:
            raise BadWeights(_("权重须在 0 到 100 之间。"))
        cleaned[name] = number
    merged = {**stats.weights(), **cleaned}
    if sum(merged.values()) <= 0:
        raise BadWeights(_("权重不能全部为 0。"))
    return do_set_index_weights(actor, cleaned)


def do_set_index_weights(actor: Any, values: dict[str, float]) -> dict[str, float]:
    with transaction.atomic():
        before = stats.weights()
        now = timezone.now()
        for name, weight in values.items():
            IndexWeight.objects.update_or_create(
                component=name, defaults={"weight": weight, "updated_at": now}
            )
        after = stats.weights()
        CommandEvent.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            verb="set_index_weights",
            data={"before": before, "after": after},
            at=now,
        )
    return after


def do_rebuild_rollups(actor: Any = None, progress: Any = None, replay: bool = False) -> rollup.Progress:
    """Rebuild the rollups from the trail: set-based SQL (``progress(stage, seconds)``), or with
    ``replay`` event by event like the follower (``progress(done)``)."""
    done = rollup.replay(progress=progress) if replay else rollup.rebuild(progress=progress)
    CommandEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb="rebuild_rollups",
        data={"events": done.events, "watermark": done.watermark, "replay": replay},
    )
    return done
