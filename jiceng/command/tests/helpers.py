"""Cases built through the real actions, for the command-centre tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiceng.cases import actions
from jiceng.cases.models import Case
from jiceng.cases.tests.conftest import submit
from jiceng.testing import World


def handled(world: World, start: dt.datetime, score: int | None = 5, **kw: Any) -> Case:
    """A case at the Xin'an enforcement team: submitted, accepted, completed, verified, rated."""
    case = submit(world, at=start, **kw)
    actions.check_accept(world.people["handler"], case.pk, at=start + dt.timedelta(minutes=30))
    done = start + dt.timedelta(hours=3)
    actions.check_complete(
        world.people["handler"], case.pk, note="已处理", checklist=case.event_type.closing_conditions, at=done
    )
    actions.check_verify(world.people["dispatcher"], case.pk, at=done)
    if score is not None:
        actions.check_rate(world.people["resident"], case.pk, score=score, at=done)
    return Case.objects.get(pk=case.pk)


__all__ = ["handled", "submit"]
