"""The one place the portal talks to the case engine (``jiceng.cases``).

A portal request becomes a case through the engine's intake action (channel "portal"); the resident
follows the case's public timeline and rates it through the engine's rating action. When the case
engine's actions are not installed, requests stay portal-only: community staff answer and complete
them on the portal (``actions.check_reply_request``) and the timeline shows the portal's own steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from types import ModuleType
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# A small keyword fallback for the category shown to the resident when triage is not available.
_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("环境卫生", ("垃圾", "卫生", "臭", "污水", "清扫", "蚊", "老鼠")),
    ("市容秩序", ("摆摊", "占道", "乱停", "广告", "违建", "噪音", "噪声", "施工")),
    ("设施维修", ("路灯", "井盖", "电梯", "漏水", "坏了", "维修", "破损", "道路")),
    ("消防安全", ("消防", "火", "电动车", "充电", "燃气", "安全")),
    ("邻里纠纷", ("邻居", "纠纷", "吵", "矛盾")),
    ("民生服务", ("养老", "老人", "低保", "补贴", "医疗", "就业", "入学", "孩子", "托育")),
)


def _module(name: str) -> ModuleType | None:
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def engine() -> ModuleType | None:
    """The case engine's actions module when it offers intake and rating, else None."""
    module = _module("jiceng.cases.actions")
    if module is None or not (hasattr(module, "check_submit_case") and hasattr(module, "check_rate")):
        return None
    return module


def suggest_category(text: str) -> str:
    port = _module("jiceng.cases.triage_port")
    if port is not None and hasattr(port, "suggest"):
        try:
            # A savepoint: a failing lookup must not spoil the caller's transaction.
            with transaction.atomic():
                best = port.suggest(text, channel="portal").best
                if best:
                    return _type_name(best[0])
        except Exception:  # noqa: BLE001 — a suggestion must never block a resident's request
            logger.exception("triage suggestion failed")
    for name, words in _KEYWORDS:
        if any(w in text for w in words):
            return name
    return _("其他")


def suggest_code(text: str) -> str:
    """The catalogue code triage suggests for the text ('' when none): the category step's default."""
    port = _module("jiceng.cases.triage_port")
    if port is None or not hasattr(port, "suggest"):
        return ""
    try:
        with transaction.atomic():
            best = port.suggest(text, channel="portal").best
    except Exception:  # noqa: BLE001 — a suggestion must never block a resident's request
        logger.exception("triage suggestion failed")
        return ""
    return str(best[0]) if best else ""


def _type_name(code: str) -> str:
    models = _module("jiceng.cases.models")
    if models is not None and hasattr(models, "EventType"):
        found = models.EventType.objects.filter(code=code).values_list("name", flat=True).first()
        if found:
            return str(found)
    return code


def has_case(request: Any) -> bool:
    return request.case_id_ref is not None


def submit(
    request: Any, photos: Any = (), *, type_code: str = "", building_code: str = "", pinned: bool = False
) -> None:
    """Turn the request into a case (inside the caller's transaction). No-op without the engine.

    The resident is the case's actor and reporter even in assisted mode, so they follow and rate it;
    the assisting staff member is recorded in the portal's own AssistedAct log. A pin on the map
    (``pinned``) is sent as its coordinates, or as its building when it was resolved to one; a type
    the resident chose is sent as the case's type, and is dispatched straight away only when it is the
    type triage would have chosen (a resident's pick alone waits for the desk)."""
    cases = engine()
    if cases is None:
        return
    location = request.room.code if request.room else building_code if pinned else ""
    auto_dispatch = None
    if type_code and type_code != suggest_code(request.text):
        auto_dispatch = False
    case = cases.check_submit_case(
        request.resident,
        description=request.text,
        channel="portal",
        type_code=type_code,
        location_code=location,
        grid_code=request.grid.code if request.grid and not request.room and not pinned else "",
        lat=request.lat if pinned or not request.grid else None,
        lng=request.lng if pinned or not request.grid else None,
        address=request.address,
        photos=photos,
        idempotency_key=f"portal:{request.idempotency_key}",
        auto_dispatch=auto_dispatch,
    )
    request.case_id_ref = case.pk
    request.case_code = str(getattr(case, "number", "") or case.pk)
    from jiceng.community.models import RequestStatus

    request.status = RequestStatus.IN_CASE
    request.save(update_fields=["case_id_ref", "case_code", "status"])


RATABLE = ("awaiting_rating",)
DONE = ("completed", "verified", "awaiting_rating", "closed")


def case_status(request: Any) -> str:
    if not has_case(request):
        return ""
    from jiceng.cases.models import Case

    return Case.objects.filter(pk=request.case_id_ref).values_list("status", flat=True).first() or ""


def refresh(request: Any) -> None:
    """Bring the request's status in line with its case: awaiting the resident's rating → done."""
    if not has_case(request):
        return
    from jiceng.community.models import RequestStatus

    status = case_status(request)
    if request.status == RequestStatus.IN_CASE and status in RATABLE:
        request.status = RequestStatus.DONE
        request.save(update_fields=["status"])
    elif request.status == RequestStatus.DONE and status not in RATABLE and status != "closed":
        request.status = RequestStatus.IN_CASE  # reopened or taken back for verification
        request.save(update_fields=["status"])


def rate(request: Any, user: Any, rating: int, comment: str) -> None:
    if not has_case(request):
        return
    cases = engine()
    if cases is not None:
        cases.check_rate(request.resident, request.case_id_ref, score=rating, comment=comment)


@dataclass(frozen=True)
class Step:
    at: datetime
    title: str
    note: str = ""


# The case steps a resident sees; internal marks (SLA, urging, supervision) stay on the staff side.
PUBLIC_STEPS = (
    "submit",
    "dispatch",
    "redispatch",
    "first_responder",
    "accept",
    "escalate",
    "progress",
    "complete",
    "request_rating",
    "rate",
    "reopen",
    "close",
    "suspend",
    "resume",
    "merge",
    "invalidate",
)
# Steps whose text is written for the resident (the handling unit's reply, the reason for refusing).
WITH_NOTE = ("complete", "progress", "rate", "invalidate")


def timeline(request: Any) -> list[Step]:
    """The public timeline: the portal's own steps and, once it is a case, the case's public steps.

    A rating made on the portal is the portal's own step (with the comment), so the case's copy of it
    is left out; a phone callback's rating is the case's only. A merged request goes on with the steps
    of the case it joined."""
    steps = [Step(e.at, e.title, e.note) for e in request.events.all()]
    if has_case(request) and engine() is not None:
        from jiceng.cases.models import Case

        steps += _case_steps(request.case_id_ref)
        merged = (
            Case.objects.filter(pk=request.case_id_ref).values_list("merged_into_id", "closed_at").first()
        )
        if merged and merged[0]:
            steps += [
                s
                for s in _case_steps(merged[0], prefix=_("合并工单"))
                if merged[1] is None or s.at >= merged[1]
            ]
    return sorted(steps, key=lambda s: s.at)


def _case_steps(case_id: int, prefix: str = "") -> list[Step]:
    from jiceng.cases import lifecycle
    from jiceng.cases.models import Case, CaseEvent

    steps = []
    events = (
        CaseEvent.objects.filter(case_id=case_id, action__in=PUBLIC_STEPS)
        .exclude(action="submit")
        .select_related("unit")
        .order_by("seq")
    )
    for event in events:
        if event.action == "rate" and not (event.data or {}).get("callback"):
            continue  # the portal's own "居民评价" step carries it
        title = lifecycle.label(event.action)
        if event.unit is not None and event.action in ("dispatch", "redispatch", "accept", "first_responder"):
            title = f"{title}：{event.unit.name}"
        if event.action == "merge":
            into_id = (event.data or {}).get("into")
            into = Case.objects.filter(pk=int(into_id)).first() if into_id else None
            if into is not None:
                title = _("已合并至工单 %(number)s") % {"number": into.number}
        if event.action == "invalidate":
            title = _("不予受理")
        if prefix:
            title = f"{prefix}：{title}"
        note = event.reason if event.action in WITH_NOTE else ""
        steps.append(Step(event.at, title, note))
    return steps


def public_states(requests: list[Any]) -> dict[int, Any]:
    """Each request's public state (``jiceng.cases.public``), by request id; a request that is not a
    case (yet, or without the engine) has none and shows its own status."""
    public = _module("jiceng.cases.public")
    with_case = [r for r in requests if has_case(r)]
    if public is None or engine() is None or not with_case:
        return {}
    from jiceng.cases.models import Case

    cases = {c.pk: c for c in Case.objects.filter(pk__in=[r.case_id_ref for r in with_case])}
    states = public.public_states(cases.values())
    return {r.pk: states[r.case_id_ref] for r in with_case if r.case_id_ref in states}


def category(request: Any) -> str:
    """The category the resident sees: the case's type once the desk has set or corrected it."""
    if has_case(request) and engine() is not None:
        from jiceng.cases.models import Case

        name = (
            Case.objects.filter(pk=request.case_id_ref, event_type__isnull=False)
            .values_list("event_type__name", flat=True)
            .first()
        )
        if name:
            return str(name)
    return str(request.category)


def handler_photos(request: Any) -> list[Any]:
    """The handling unit's photos of the case, labelled 处置前 / 处置后 (the resident's own are the
    portal's)."""
    public = _module("jiceng.cases.public")
    if public is None or not has_case(request) or engine() is None:
        return []
    return list(public.labelled_photos(request.case_id_ref, handler_only=True))
