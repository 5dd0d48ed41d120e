"""The case lifecycle as data: which action may move a case from which status to which.

Every action function asks ``transition(action, current)`` (or ``check``) before it touches the case,
so a move the table does not allow is refused in one place, with one message, whatever the channel.
``SAME`` marks actions that leave the status as it is (progress notes, urging, SLA marks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.cases.exceptions import WrongState
from jiceng.cases.models import Status

S = Status
SAME = "="
ACTIVE = frozenset({S.PENDING_DISPATCH, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    targets: frozenset[str]
    label: Any  # a lazy translation


def _t(sources: set[str] | frozenset[str], targets: set[str], label: Any) -> Transition:
    return Transition(frozenset(sources), frozenset(targets), label)


TRANSITIONS: dict[str, Transition] = {
    "submit": _t({""}, {S.REGISTERED}, gettext_lazy("登记")),
    "route": _t({S.REGISTERED}, {S.PENDING_DISPATCH}, gettext_lazy("转分拨台")),
    "dispatch": _t({S.REGISTERED, S.PENDING_DISPATCH}, {S.DISPATCHED}, gettext_lazy("分拨")),
    "redispatch": _t({S.DISPATCHED, S.IN_PROGRESS}, {S.DISPATCHED}, gettext_lazy("改派")),
    "first_responder": _t({S.PENDING_DISPATCH}, {S.DISPATCHED}, gettext_lazy("首问负责")),
    "accept": _t({S.DISPATCHED}, {S.IN_PROGRESS}, gettext_lazy("签收")),
    "return": _t({S.DISPATCHED, S.IN_PROGRESS}, {S.PENDING_DISPATCH}, gettext_lazy("退回")),
    "add_cohandler": _t({S.DISPATCHED, S.IN_PROGRESS}, {SAME}, gettext_lazy("增加协办单位")),
    # A named person of the lead unit takes the case (分拨到人), or another one takes it over.
    "assign": _t({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED}, {SAME}, gettext_lazy("分派到人")),
    "reassign": _t({S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED}, {SAME}, gettext_lazy("改派到人")),
    "progress": _t({S.IN_PROGRESS}, {SAME}, gettext_lazy("办理进展")),
    "complete": _t({S.IN_PROGRESS}, {S.COMPLETED}, gettext_lazy("办结")),
    "verify": _t({S.COMPLETED}, {S.VERIFIED, S.IN_PROGRESS}, gettext_lazy("核查")),
    "request_rating": _t({S.VERIFIED}, {S.AWAITING_RATING}, gettext_lazy("回访评价")),
    "rate": _t({S.AWAITING_RATING}, {S.CLOSED, SAME}, gettext_lazy("评价")),
    "reopen": _t({S.AWAITING_RATING, S.VERIFIED, S.CLOSED}, {S.IN_PROGRESS}, gettext_lazy("重办")),
    "close": _t({S.VERIFIED, S.AWAITING_RATING}, {S.CLOSED}, gettext_lazy("结案")),
    "escalate": _t(
        {S.PENDING_DISPATCH, S.DISPATCHED, S.IN_PROGRESS}, {S.PENDING_DISPATCH}, gettext_lazy("升级")
    ),
    "suspend": _t({S.DISPATCHED, S.IN_PROGRESS}, {S.SUSPENDED}, gettext_lazy("挂起（延期）")),
    "resume": _t({S.SUSPENDED}, {S.DISPATCHED, S.IN_PROGRESS}, gettext_lazy("恢复")),
    "urge": _t(ACTIVE, {SAME}, gettext_lazy("催办")),
    "supervise": _t(ACTIVE | {S.COMPLETED}, {SAME}, gettext_lazy("督办")),
    "merge": _t(
        {S.REGISTERED, S.PENDING_DISPATCH, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED},
        {S.MERGED},
        gettext_lazy("合并"),
    ),
    "invalidate": _t({S.REGISTERED, S.PENDING_DISPATCH, S.DISPATCHED}, {S.INVALID}, gettext_lazy("作废")),
    # 我也遇到: another resident joins an open case instead of filing a duplicate (a note on the trail).
    "support": _t(ACTIVE | {S.REGISTERED}, {SAME}, gettext_lazy("我也遇到")),
    # Marks written by the SLA sweep; they never move the case.
    "sla_warning": _t(ACTIVE | {S.REGISTERED}, {SAME}, gettext_lazy("临期预警")),
    "sla_overdue": _t(ACTIVE | {S.REGISTERED, S.COMPLETED}, {SAME}, gettext_lazy("超期")),
    "supervision_overdue": _t(ACTIVE | {S.COMPLETED}, {SAME}, gettext_lazy("督办超期")),
    # The sensor alarm behind a case was cleared (by the device or a person): a note on the trail.
    "alarm_cleared": _t(
        ACTIVE | {S.REGISTERED, S.COMPLETED, S.VERIFIED, S.AWAITING_RATING},
        {SAME},
        gettext_lazy("设备告警解除"),
    ),
}

# The actions a person can ask for through the API / pages (the rest are internal or system-only).
PUBLIC_ACTIONS = (
    "dispatch",
    "accept",
    "return",
    "progress",
    "complete",
    "verify",
    "escalate",
    "suspend",
    "resume",
    "urge",
    "supervise",
    "rate",
    "reopen",
    "merge",
    "invalidate",
    "close",
)


def label(action: str) -> str:
    transition = TRANSITIONS.get(action)
    return str(transition.label) if transition else action


def allowed_actions(status: str) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if status in t.sources]


def check(action: str, current: str, target: str = SAME) -> str:
    """Refuse a move the table does not allow; return the resulting status."""
    transition = TRANSITIONS[action]
    if current not in transition.sources:
        raise WrongState(
            _("工单当前为“%(status)s”，不能执行“%(action)s”。")
            % {"status": Status(current).label if current else "—", "action": transition.label}
        )
    if target not in transition.targets:
        raise WrongState(
            _("“%(action)s”不能把工单转为“%(status)s”。")
            % {"action": transition.label, "status": Status(target).label if target != SAME else target}
        )
    return current if target == SAME else target
