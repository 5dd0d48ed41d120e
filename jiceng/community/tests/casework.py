"""Drive a case through the case engine's own actions until it awaits the resident's rating."""

from __future__ import annotations

from typing import Any


def finish_case(world: Any, case_id: int) -> None:
    from jiceng.cases import actions as cases
    from jiceng.cases.models import Case

    case = Case.objects.select_related("event_type").get(pk=case_id)
    admin = world.people["admin"]
    if case.status in ("registered", "pending_dispatch"):
        cases.do_dispatch(case.pk, unit=world.units["haiyu"], actor=admin)
    case.refresh_from_db()
    if case.status == "dispatched":
        cases.do_accept(case.pk, actor=admin)
    conditions = list(case.event_type.closing_conditions) if case.event_type else []
    cases.do_complete(case.pk, actor=admin, note="已安排保洁清理", checklist=conditions)
    cases.do_verify(case.pk, actor=admin, note="现场已核查")
