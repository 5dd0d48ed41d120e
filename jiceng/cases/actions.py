"""Every change of a case is one action here: ``check_<verb>`` (who may, on what) → ``do_<verb>``.

Pages, the REST API, Open311, the CLI, the SLA sweep and the demo all call these functions, so each
rule exists once. A ``do_*`` function runs in one transaction with the case row locked
(``select_for_update``), moves the status only where ``lifecycle.TRANSITIONS`` allows, appends exactly
one ``CaseEvent`` to the hash-chained trail per transition, recomputes the cached SLA columns and bumps
the compare-and-set ``version``. Outbox rows (``Notification``) are written in the same transaction.

Every action takes an optional ``at``: the moment it happened (the demo and imports replay history
with it; people and the API always act "now").
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases import lifecycle, outbox, routing, sla, trail
from jiceng.cases import permissions as perm
from jiceng.cases.exceptions import (
    AlreadyRated,
    CaseError,
    CaseNotFound,
    FirstResponderNoReturn,
    NoDownward,
    NoUnit,
    ReasonRequired,
    TooManyReopens,
    UnknownType,
    WrongState,
)
from jiceng.cases.intake import Located, Photo, locate, read_photos
from jiceng.cases.lifecycle import SAME
from jiceng.cases.models import (
    FINAL_STATUSES,
    Case,
    CaseEvent,
    CasePhoto,
    CaseSupporter,
    CaseUnit,
    CaseUnitRole,
    Channel,
    EventType,
    Priority,
    Severity,
    Status,
)
from jiceng.cases.prepared import Prepared
from jiceng.cases.triage_port import TriageResult, suggest
from jiceng.core.retry import retry_conflicts
from jiceng.org.models import Role, Unit
from jiceng.places.models import Level

logger = logging.getLogger(__name__)

SEVERITY_PRIORITY: dict[str, int] = {
    Severity.GENERAL: Priority.NORMAL,
    Severity.SERIOUS: Priority.HIGH,
    Severity.MAJOR: Priority.URGENT,
    Severity.EMERGENCY: Priority.URGENT,
}


# -- plumbing ---------------------------------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _uid(actor: Any) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lock(case: Case | int) -> Case:
    """The case row, locked for this transaction (a case already locked here is returned as is)."""
    if isinstance(case, Case) and getattr(case, "_jiceng_locked", False):
        return case
    pk = case.pk if isinstance(case, Case) else case
    locked = Case.objects.select_for_update(of=("self",)).select_related("event_type").get(pk=pk)
    locked._jiceng_locked = True  # type: ignore[attr-defined]
    return locked


def _checked(actor: Any, case_id: Any) -> Case:
    """For ``check_*``: the case if the actor may see it (else not found), locked."""
    visible = perm.access_case(actor, case_id, Case.objects.all())
    return _lock(visible)


def _pending(case: Case) -> list[CaseEvent]:
    events = getattr(case, "_jiceng_events", None)
    if events is None:
        events = []
        case._jiceng_events = events  # type: ignore[attr-defined]
    return events


def _move(
    case: Case,
    action: str,
    *,
    at: datetime,
    actor: Any = None,
    unit: Unit | int | None = None,
    to: str = SAME,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Check the transition, move the status and queue the event (saved by ``_save``)."""
    from_status = case.status if case.pk and case.trail_length else ""
    target = lifecycle.check(action, from_status, to)
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    event = trail.new_event(
        case,
        action=action,
        at=at,
        from_status=from_status,
        to_status=target,
        actor_id=_uid(actor),
        unit_id=unit_id,
        reason=reason,
        data=data or {},
    )
    case.status = target
    _pending(case).append(event)
    return event


def _save(case: Case, *, at: datetime, steps: list[sla.Step] | None = None, cal: Any = None) -> Case:
    """Write the queued events, recompute the clocks from the trail and save the case (version + 1)."""
    events = _pending(case)
    if events:
        CaseEvent.objects.bulk_create(events)
    if steps is None:
        steps = sla.steps_of(case)
    sla.refresh(case, steps=steps, now=at, cal=cal)
    case.version += 1
    case.save()
    case._jiceng_events = []  # type: ignore[attr-defined]
    return case


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("%(what)s必须填写原因。") % {"what": what})
    return reason


def _notify(
    kind: str, message: str, case: Case | None = None, unit: Any = None, role: str = "", **data: Any
) -> None:
    outbox.notify(kind, message, case=case, unit=unit, role=role, **data)


def _short(text: str, length: int = 20) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _tell_reporter(case: Case, kind: str, message: str) -> None:
    """A step the resident is told about (受理, 分派, 办结, 合并, 不予受理), in the action's transaction.
    Residents who joined the case (我也遇到) are told of the same steps."""
    outbox.notify_reporter(case, f"resident_{kind}", message)
    if case.pk is None:
        return
    followers = list(CaseSupporter.objects.filter(case=case).values_list("user_id", flat=True))
    if followers:
        outbox.notify(f"resident_{kind}", message, case=case, users=followers, link=_public_link(case))


def _public_link(case: Case) -> str:
    """Where a follower reads the case's public page (the residents' portal), when it is installed."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("community:issue", args=[case.number])
    except NoReverseMatch:
        return ""


def _supportable(case_id: Any) -> Case:
    """A case another resident may join: public, not sensitive, not merged or refused (else not
    found, like any case they may not see), locked."""
    found = (
        Case.objects.filter(pk=perm.case_pk(case_id), is_public=True, sensitive=False)
        .exclude(status__in=[Status.MERGED, Status.INVALID])
        .first()
    )
    if found is None:
        raise CaseNotFound(_("未找到工单“%(id)s”。") % {"id": case_id})
    return _lock(found)


def check_support(actor: Any, case_id: Any, *, at: datetime | None = None) -> Case:
    """我也遇到: a signed-in resident joins an open public case instead of filing a duplicate. Joining
    twice changes nothing; the reporter cannot join their own case."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise perm.ActionForbidden(_("请先登录。"))
    with transaction.atomic():
        case = _supportable(case_id)
        if case.reporter_id == actor.pk:
            raise CaseError(_("这是您自己反映的问题，办理进展会通知您。"), code="own_case")
        if CaseSupporter.objects.filter(case=case, user=actor).exists():
            return case
        if case.status not in lifecycle.TRANSITIONS["support"].sources:
            raise WrongState(_("该问题已办结，如仍存在请重新反映。"))
        return do_support(case, actor=actor, at=at)


def do_support(case: Case | int, *, actor: Any, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        CaseSupporter.objects.create(case=case, user=actor, at=at)
        count = CaseSupporter.objects.filter(case=case).count()
        _move(case, "support", at=at, actor=actor, data={"n": count})
        outbox.notify(
            "resident_support",
            _("您已关注“%(title)s”（编号 %(number)s），办理进展会通知您。")
            % {"title": _short(case.title), "number": case.number},
            case=case,
            users=[actor],
            link=_public_link(case),
        )
        return _save(case, at=at)


def _set_lead(case: Case, unit: Unit, at: datetime) -> None:
    CaseUnit.objects.filter(case=case, role=CaseUnitRole.LEAD).exclude(unit=unit).update(is_active=False)
    link, created = CaseUnit.objects.get_or_create(
        case=case, unit=unit, defaults={"role": CaseUnitRole.LEAD, "added_at": at}
    )
    if not created and (link.role != CaseUnitRole.LEAD or not link.is_active):
        link.role, link.is_active = CaseUnitRole.LEAD, True
        link.save(update_fields=["role", "is_active"])
    if case.lead_unit_id != unit.pk:
        case.assignee, case.assigned_at = None, None  # only a member of the lead unit holds it
    case.lead_unit = unit


def _drop_units(case: Case) -> None:
    CaseUnit.objects.filter(case=case, is_active=True).update(is_active=False)
    case.lead_unit = None
    case.assignee, case.assigned_at = None, None


def _unit(unit: Unit | int | str | None) -> Unit:
    if isinstance(unit, Unit):
        return unit
    found = None
    if isinstance(unit, int) or (isinstance(unit, str) and unit.isdigit()):
        found = Unit.objects.select_related("kind").filter(pk=int(unit)).first()
    if found is None and isinstance(unit, str):
        found = Unit.objects.select_related("kind").filter(code=unit).first()
    if found is None or not found.is_active:
        raise NoUnit(_("未找到承办单位“%(unit)s”。") % {"unit": unit})
    return found


def _unit_covers(unit: Unit, grid_code: str) -> bool:
    return unit.jurisdiction.filter(code__in=routing.prefixes(grid_code)).exists()


def _check_co_unit(case: Case, unit: Unit) -> None:
    """A co-handler must be a unit the case could be dispatched to: one whose jurisdiction covers the
    case's grid, at or above the case's floor level. Co-handling units see the reporter's details, so
    a handler must not pull in another street's unit, nor a desk a unit it could not dispatch to."""
    _check_level(case, unit.level, _("协办"))
    if not _unit_covers(unit, case.grid_code):
        raise NoUnit(_("“%(unit)s”不负责该工单所在区域，不能协办。") % {"unit": unit.name})


def _check_level(case: Case, level: str, what: str) -> None:
    """One-way escalation: nothing goes below the case's floor level."""
    if routing.rank(level) < routing.rank(case.floor_level):
        raise NoDownward(
            _("该工单已升级至%(floor)s层级办理，不能%(what)s到%(level)s层级。")
            % {"floor": Level(case.floor_level).label, "what": what, "level": Level(level).label}
        )


# -- intake -----------------------------------------------------------------------------------------


def default_channel(actor: Any) -> str:
    roles = perm.posts(actor)
    role_names = {p.role for p in roles}
    if Role.GRID_WORKER in role_names:
        return Channel.PATROL
    if role_names & {Role.DISPATCHER, Role.COMMUNITY_STAFF}:
        return Channel.HOTLINE
    if actor is not None and getattr(actor, "is_authenticated", False) and not role_names:
        return Channel.PORTAL
    return Channel.API


_active_type = Prepared(lambda code: EventType.objects.filter(code=code, is_active=True)[:1])


def find_type(code: str) -> EventType:
    event_type = _active_type.first((code or "").strip())
    if event_type is None:
        raise UnknownType(_("未知的事件类型“%(code)s”。") % {"code": code})
    return event_type


def _idempotency_key(actor: Any, channel: str, key: str) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    owner = _uid(actor)
    return f"{owner if owner is not None else channel}:{key}"[:120]


def check_submit_case(
    actor: Any,
    *,
    description: str,
    title: str = "",
    channel: str | None = None,
    type_code: str = "",
    location_code: str = "",
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    grid_code: str = "",
    photos: Iterable[Any] = (),
    idempotency_key: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    is_public: bool = True,
    auto_dispatch: bool | None = None,
    at: datetime | None = None,
) -> Case:
    """Validate, locate and register a case, then dispatch it or send it to the desk.

    A retried submission with the same ``idempotency_key`` (per submitter) returns the first case.
    ``actor`` is None only for system channels (sensors).
    """
    channel = channel or default_channel(actor)
    if channel not in Channel.values:
        raise CaseError(_("未知的来源渠道“%(channel)s”。") % {"channel": channel})
    if actor is None:
        if channel not in (Channel.SENSOR, Channel.MEDIATION, Channel.API):
            raise perm.ActionForbidden(_("请先登录。"))
    elif not getattr(actor, "is_authenticated", False):
        raise perm.ActionForbidden(_("请先登录。"))
    key = _idempotency_key(actor, channel, idempotency_key)
    if key is not None:
        existing = Case.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    description = (description or "").strip()
    if not description:
        raise CaseError(_("请填写事件描述。"), code="description_required")
    if len(description) > 5000:
        raise CaseError(_("事件描述不能超过 5000 字。"), code="description_too_long")
    event_type = find_type(type_code) if type_code else None
    located = locate(location_code=location_code, address=address, lat=lat, lng=lng, grid_code=grid_code)
    checked = read_photos(photos)
    text = f"{title}\n{description}".strip()
    triage = suggest(
        text,
        location=located,
        channel=channel,
        candidates=[event_type.code] if event_type else None,
    )
    return do_submit_case(
        actor,
        description=description,
        title=title,
        channel=channel,
        event_type=event_type,
        located=located,
        photos=checked,
        triage=triage,
        idempotency_key=key,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        is_public=is_public,
        auto_dispatch=auto_dispatch,
        at=at,
    )


def _threshold() -> float:
    return float(getattr(settings, "JICENG_AUTO_DISPATCH_CONFIDENCE", 0.85))


def _least_type_confidence() -> float:
    return float(getattr(settings, "JICENG_TRIAGE_MIN_TYPE_CONFIDENCE", 0.2))


def do_submit_case(
    actor: Any,
    *,
    description: str,
    located: Located,
    channel: str,
    title: str = "",
    event_type: EventType | None = None,
    photos: Sequence[Photo] = (),
    triage: TriageResult | None = None,
    idempotency_key: str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    is_public: bool = True,
    auto_dispatch: bool | None = None,
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    triage = triage or TriageResult()
    confidence = 1.0 if event_type is not None else 0.0
    if event_type is None and triage.best is not None and triage.best[1] >= _least_type_confidence():
        # A guess below the floor says nothing: the case waits untyped at the default desk instead of
        # at the desk of whatever level an arbitrary type happens to have.
        code, confidence = triage.best
        event_type = _active_type.first(code)
        if event_type is None:
            confidence = 0.0
    grid = located.grid
    is_resident = actor is not None and getattr(actor, "is_authenticated", False) and not perm.posts(actor)
    level = (
        event_type.level
        if event_type is not None
        else getattr(settings, "JICENG_DEFAULT_DESK_LEVEL", "street")
    )
    priority = SEVERITY_PRIORITY.get(event_type.severity, Priority.NORMAL) if event_type else Priority.NORMAL
    if triage.sensitive:
        priority = Priority.TOP
    case = Case(
        title=(title or description[:40]).strip()[:200],
        description=description,
        channel=channel,
        event_type=event_type,
        status=Status.REGISTERED,
        priority=priority,
        sensitive=triage.sensitive,
        is_public=is_public and (event_type.is_public if event_type else True),
        grid=grid,
        grid_code=grid.code,
        community_code=grid.code[:12],
        street_code=grid.code[:9],
        location_code=located.location_code,
        address=located.address[:200],
        lat=located.lat,
        lng=located.lng,
        reporter=actor if is_resident else None,
        reporter_name=reporter_name or (getattr(actor, "display_name", "") if is_resident else ""),
        reporter_phone=reporter_phone or (getattr(actor, "phone", "") if is_resident else ""),
        idempotency_key=idempotency_key,
        level=level,
        registered_at=at,
    )
    # Everything the case row needs is decided before it is written, so it is inserted once with its
    # final status and deadlines; only the chain head (which covers the new id) is updated after.
    unit = routing.route(event_type, grid.code, case.floor_level) if event_type is not None else None
    # A sensitive request the model typed goes to a person first, however confident the model.
    confident = (
        confidence >= (triage.threshold if triage.threshold is not None else _threshold())
        and (confidence >= 1.0 or not triage.sensitive)
        if auto_dispatch is None
        else auto_dispatch
    )
    data: dict[str, Any] = {"channel": channel}
    if event_type is not None:
        data.update(type=event_type.code, confidence=round(confidence, 3))
        if confidence < 1.0 and triage.types:
            # Triage's first three proposals, so its live accuracy can be read at top-3 as well as top-1.
            data["proposals"] = [code for code, _ in triage.types[:3]]
    if triage.flags:
        data["flags"] = [{"kind": f.kind, "reason": f.reason, "phrase": f.phrase} for f in triage.flags]
    if photos:
        data["photos"] = len(photos)
    if triage.duplicates:
        # Likely duplicates shown to the desk, which decides whether to merge.
        data["duplicates"] = [[pk, round(sim, 3)] for pk, sim in triage.duplicates[:5]]
    second: tuple[str, Unit | None, str, dict[str, Any]]
    if confident and unit is not None:
        case.lead_unit = unit
        second = (
            "dispatch",
            unit,
            Status.DISPATCHED,
            {"auto": True, "confidence": round(confidence, 3), "level": unit.level},
        )
    else:
        case.desk_unit = routing.desk_for(grid.code, case.level)
        why = "no_type" if event_type is None else ("no_unit" if unit is None else "not_confident")
        second = (
            "route",
            case.desk_unit,
            Status.PENDING_DISPATCH,
            {"why": why, "confidence": round(confidence, 3)},
        )
    steps = [sla.Step("submit", at, Status.REGISTERED, data), sla.Step(second[0], at, second[2], second[3])]
    clocks = sla.compute(event_type, second[2], steps, sla.calendar(), at)
    sla.apply(case, clocks)
    case.status = second[2]
    case.version = 1
    with transaction.atomic():
        if idempotency_key is None:
            case.save(force_insert=True)
        else:
            try:
                with transaction.atomic():  # a savepoint: a concurrent retry may win the unique key
                    case.save(force_insert=True)
            except IntegrityError:
                existing = Case.objects.filter(idempotency_key=idempotency_key).first()
                if existing is None:
                    raise
                return existing
        case._jiceng_locked = True  # type: ignore[attr-defined]
        case.status = Status.REGISTERED
        _move(case, "submit", at=at, actor=actor, to=Status.REGISTERED, data=data)
        _store_photos(case, photos, seq=1, at=at)
        if second[0] == "dispatch" and unit is not None:
            CaseUnit.objects.create(case=case, unit=unit, role=CaseUnitRole.LEAD, added_at=at)
        _move(case, second[0], at=at, unit=second[1], to=second[2], data=second[3])
        if second[0] == "dispatch" and unit is not None:
            told = _("您反映的“%(title)s”已受理（编号 %(number)s），已交由%(unit)s办理。")
        else:
            told = _("您反映的“%(title)s”已受理（编号 %(number)s），我们将尽快分派办理。")
        _tell_reporter(
            case,
            "received",
            told % {"title": _short(case.title), "number": case.number, "unit": unit.name if unit else ""},
        )
        if triage.sensitive:
            _notify(
                "sensitive",
                _("敏感诉求：%(title)s") % {"title": case.title},
                case,
                unit=case.desk_unit or case.lead_unit,
                role=Role.SUPERVISOR,
                flags=[f.kind for f in triage.flags],
            )
        if clocks.missing_year is not None:
            sla.alert_missing_calendar(clocks.missing_year, case)
        CaseEvent.objects.bulk_create(_pending(case))
        case._jiceng_events = []  # type: ignore[attr-defined]
        Case.objects.filter(pk=case.pk).update(trail_head=case.trail_head, trail_length=case.trail_length)
    return case


def _store_photos(case: Case, photos: Sequence[Photo], seq: int, at: datetime) -> None:
    for photo in photos:
        row = CasePhoto(
            case=case,
            event_seq=seq,
            content_type=photo.info.content_type,
            size=photo.info.size,
            width=photo.info.width,
            height=photo.info.height,
            sha256=photo.info.sha256,
            uploaded_at=at,
        )
        # A generated name: nothing the uploader chose reaches the disk or a URL.
        row.file.save(f"{uuid.uuid4().hex}.{photo.info.extension}", ContentFile(photo.data), save=False)
        row.save()


# -- dispatch, accept, return -----------------------------------------------------------------------


def check_dispatch(
    actor: Any,
    case_id: Any,
    *,
    unit: Unit | int | str | None = None,
    co_units: Iterable[Unit | int | str] = (),
    type_code: str = "",
    reason: str = "",
    at: datetime | None = None,
) -> Case:
    """The desk sends the case to a unit (or re-dispatches it); without ``unit`` the catalogue routes it."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_desk(actor, case), _("只有本级分拨台可以分拨该工单。"))
        if type_code:
            case.event_type = find_type(type_code)
        if unit is None:
            if case.event_type is None:
                raise CaseError(_("请先确定事件类型或指定承办单位。"), code="type_required")
            target = routing.route(case.event_type, case.grid_code, case.floor_level)
            if target is None:
                raise NoUnit(_("没有找到负责该区域此类事件的单位，请手动指定。"))
        else:
            target = _unit(unit)
        return do_dispatch(
            case, target, actor=actor, co_units=[_unit(u) for u in co_units], reason=reason, at=at
        )


def do_dispatch(
    case: Case | int,
    unit: Unit,
    *,
    actor: Any = None,
    co_units: Sequence[Unit] = (),
    reason: str = "",
    at: datetime | None = None,
    first_responder: bool = False,
) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        if case.status in (Status.DISPATCHED, Status.IN_PROGRESS) and not first_responder:
            action = "redispatch"
        else:
            action = "first_responder" if first_responder else "dispatch"
        lifecycle.check(action, case.status, Status.DISPATCHED)
        _check_level(case, unit.level, _("分拨"))
        if not _unit_covers(unit, case.grid_code):
            raise NoUnit(_("“%(unit)s”不负责该工单所在区域。") % {"unit": unit.name})
        if case.lead_unit_id == unit.pk and action == "redispatch":
            raise WrongState(_("工单已由“%(unit)s”承办。") % {"unit": unit.name})
        previous = case.lead_unit_id
        _set_lead(case, unit, at)
        case.first_responder = first_responder
        case.accepted_at = None
        data: dict[str, Any] = {"level": unit.level}
        if previous and action == "redispatch":
            data["from_unit"] = previous
        co = [u for u in co_units if u.pk != unit.pk]
        for other in co:
            _check_co_unit(case, other)
        if co:
            data["co_units"] = [u.pk for u in co]
        _move(case, action, at=at, actor=actor, unit=unit, to=Status.DISPATCHED, reason=reason, data=data)
        for other in co:
            _add_co(case, other, at)
        _tell_reporter(
            case,
            "dispatched",
            _("您反映的“%(title)s”已交由%(unit)s办理。") % {"title": _short(case.title), "unit": unit.name},
        )
        return _save(case, at=at)


def _add_co(case: Case, unit: Unit, at: datetime) -> None:
    link, created = CaseUnit.objects.get_or_create(
        case=case, unit=unit, defaults={"role": CaseUnitRole.CO, "added_at": at}
    )
    if not created and not link.is_active:
        link.is_active, link.role = True, CaseUnitRole.CO
        link.save(update_fields=["is_active", "role"])


def check_add_cohandler(
    actor: Any, case_id: Any, *, unit: Unit | int | str, at: datetime | None = None
) -> Case:
    """The lead unit (or the desk) pulls another unit in as co-handler (协办)."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            perm.is_unit_member(actor, case.lead_unit_id) or perm.is_desk(actor, case),
            _("只有主办单位或分拨台可以增加协办单位。"),
        )
        return do_add_cohandler(case, _unit(unit), actor=actor, at=at)


def do_add_cohandler(case: Case | int, unit: Unit, *, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        if (
            unit.pk == case.lead_unit_id
            or CaseUnit.objects.filter(case=case, unit=unit, is_active=True).exists()
        ):
            raise WrongState(_("“%(unit)s”已在办理该工单。") % {"unit": unit.name})
        _check_co_unit(case, unit)
        _move(case, "add_cohandler", at=at, actor=actor, unit=case.lead_unit_id, data={"co_unit": unit.pk})
        _add_co(case, unit, at)
        _notify("cohandle", _("请协办工单：%(title)s") % {"title": case.title}, case, unit=unit)
        return _save(case, at=at)


def check_accept(actor: Any, case_id: Any, *, at: datetime | None = None) -> Case:
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_unit_member(actor, case.lead_unit_id), _("只有主办单位可以签收该工单。"))
        return do_accept(case, actor=actor, at=at)


def do_accept(case: Case | int, *, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        on_time = case.due_at is None or at <= case.due_at
        _move(
            case,
            "accept",
            at=at,
            actor=actor,
            unit=case.lead_unit_id,
            to=Status.IN_PROGRESS,
            data={"on_time": on_time},
        )
        case.accepted_at = at
        return _save(case, at=at)


def check_return(
    actor: Any, case_id: Any, *, reason: str, to_level: str | None = None, at: datetime | None = None
) -> Case:
    """The unit sends the case back to the desk, with a reason (never a first-responder case)."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_unit_member(actor, case.lead_unit_id), _("只有主办单位可以退回该工单。"))
        return do_return(case, actor=actor, reason=reason, to_level=to_level, at=at)


def do_return(
    case: Case | int,
    *,
    reason: str,
    actor: Any = None,
    to_level: str | None = None,
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    reason = _reason(reason, _("退回"))
    with transaction.atomic():
        case = _lock(case)
        lifecycle.check("return", case.status, Status.PENDING_DISPATCH)
        if case.first_responder:
            raise FirstResponderNoReturn(_("首问负责单位不得退回工单，请牵头办理并邀请协办单位。"))
        level = to_level or case.level
        if level not in Level.values:
            raise CaseError(_("未知的层级“%(level)s”。") % {"level": level})
        _check_level(case, level, _("退回"))
        desk = routing.desk_for(case.grid_code, level)
        if desk is None:
            raise NoUnit(_("没有找到%(level)s层级的分拨台。") % {"level": Level(level).label})
        unit_id = case.lead_unit_id
        _drop_units(case)
        case.level, case.desk_unit, case.accepted_at = level, desk, None
        _move(
            case,
            "return",
            at=at,
            actor=actor,
            unit=unit_id,
            to=Status.PENDING_DISPATCH,
            reason=reason,
            data={"desk": desk.pk, "level": level},
        )
        return _save(case, at=at)


def do_first_responder(case: Case | int, *, at: datetime | None = None) -> Case | None:
    """The desk missed its dispatch limit: the type's first-responder unit takes the case (no return)."""
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        if case.status != Status.PENDING_DISPATCH or case.event_type is None:
            return None
        kind = case.event_type.first_responder_kind
        unit = routing.find_unit(kind, case.grid_code, case.level, case.floor_level) if kind else None
        if unit is None:
            return None
        return do_dispatch(
            case, unit, at=at, first_responder=True, reason=_("分拨超时，首问负责单位牵头办理")
        )


# -- handling ---------------------------------------------------------------------------------------


def check_progress(
    actor: Any, case_id: Any, *, note: str, photos: Iterable[Any] = (), at: datetime | None = None
) -> Case:
    checked = read_photos(photos)
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            perm.is_unit_member(actor, case.lead_unit_id) or perm.is_cohandler(actor, case),
            _("只有承办单位可以填写办理进展。"),
        )
        return do_progress(case, actor=actor, note=note, photos=checked, at=at)


def do_progress(
    case: Case | int,
    *,
    note: str,
    actor: Any = None,
    photos: Sequence[Photo] = (),
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    note = (note or "").strip()
    if not note:
        raise CaseError(_("请填写办理进展。"), code="note_required")
    with transaction.atomic():
        case = _lock(case)
        units = perm.unit_ids(actor) if actor is not None else set()
        unit_id = case.lead_unit_id if not units or case.lead_unit_id in units else next(iter(units))
        event = _move(
            case,
            "progress",
            at=at,
            actor=actor,
            unit=unit_id,
            reason=note,
            data={"photos": len(photos)} if photos else {},
        )
        _store_photos(case, photos, event.seq, at)
        return _save(case, at=at)


def do_alarm_cleared(
    case: Case | int,
    *,
    note: str,
    actor: Any = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """The sensor alarm that opened this case was cleared: one event on the trail, status unchanged.

    Called by ``sensing`` only; a case already closed, merged or invalid is left as it is (None of
    the transition table's sources), so a late clearing never touches a finished case.
    """
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        if case.status not in lifecycle.TRANSITIONS["alarm_cleared"].sources:
            return case
        _move(case, "alarm_cleared", at=at, actor=actor, reason=(note or "").strip()[:500], data=data or {})
        return _save(case, at=at)


def missing_conditions(case: Case, checklist: Iterable[str] | dict[str, Any] | None) -> list[str]:
    required = list(case.event_type.closing_conditions) if case.event_type else []
    done = {k for k, v in checklist.items() if v} if isinstance(checklist, dict) else set(checklist or [])
    return [c for c in required if c not in done]


def check_complete(
    actor: Any,
    case_id: Any,
    *,
    note: str,
    checklist: Iterable[str] | dict[str, Any] | None = None,
    photos: Iterable[Any] = (),
    at: datetime | None = None,
) -> Case:
    checked = read_photos(photos)
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_unit_member(actor, case.lead_unit_id), _("只有主办单位可以办结该工单。"))
        return do_complete(case, actor=actor, note=note, checklist=checklist, photos=checked, at=at)


def do_complete(
    case: Case | int,
    *,
    note: str,
    actor: Any = None,
    checklist: Iterable[str] | dict[str, Any] | None = None,
    photos: Sequence[Photo] = (),
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    note = (note or "").strip()
    if not note:
        raise CaseError(_("请填写办理结果。"), code="note_required")
    with transaction.atomic():
        case = _lock(case)
        lifecycle.check("complete", case.status, Status.COMPLETED)
        missing = missing_conditions(case, checklist)
        if missing:
            raise CaseError(
                _("尚未满足办结条件：%(items)s。") % {"items": "；".join(missing)}, code="closing_conditions"
            )
        on_time = case.due_at is None or at <= case.due_at
        hours = _working_hours(case, at)
        data: dict[str, Any] = {
            "on_time": on_time,
            "checklist": list(case.event_type.closing_conditions) if case.event_type else [],
        }
        if hours is not None:
            data["work_hours"] = round(hours, 2)
        if photos:
            data["photos"] = len(photos)
        event = _move(
            case,
            "complete",
            at=at,
            actor=actor,
            unit=case.lead_unit_id,
            to=Status.COMPLETED,
            reason=note,
            data=data,
        )
        _store_photos(case, photos, event.seq, at)
        case.completed_at = at
        return _save(case, at=at)


def _working_hours(case: Case, at: datetime) -> float | None:
    """Working hours from acceptance (or the reopen) to ``at``, less suspensions."""
    clocks = sla.compute(case.event_type, Status.IN_PROGRESS, sla.steps_of(case), cast(Any, _Never()), at)
    if clocks.phase_start is None:
        return None
    try:
        cal = sla.calendar()
        total = cal.elapsed(clocks.phase_start, at, "workhour")
        paused = sum(
            cal.elapsed(max(a, clocks.phase_start), b, "workhour")
            for a, b in clocks.pauses
            if b > clocks.phase_start
        )
    except sla.CalendarMissing:
        return None
    return max(0.0, total - paused)


class _Never:
    """A calendar stand-in for replaying the trail without computing deadlines."""

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        return start

    def extend(self, deadline: datetime, pauses: Any, unit: str) -> datetime:
        return deadline

    def working_seconds(self, start: datetime, end: datetime) -> float:
        return 0.0


def check_verify(
    actor: Any, case_id: Any, *, passed: bool = True, note: str = "", at: datetime | None = None
) -> Case:
    """The desk, a supervisor or the grid's grid worker checks the result on the spot (核查)."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            perm.is_desk(actor, case)
            or perm.is_supervisor(actor, case)
            or perm.is_grid_worker_of(actor, case),
            _("只有分拨台、督办人员或本网格网格员可以核查。"),
        )
        return do_verify(case, actor=actor, passed=passed, note=note, at=at)


def do_verify(
    case: Case | int, *, passed: bool = True, note: str = "", actor: Any = None, at: datetime | None = None
) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        if not passed:
            note = _reason(note, _("核查不通过"))
            _move(
                case,
                "verify",
                at=at,
                actor=actor,
                unit=case.lead_unit_id,
                to=Status.IN_PROGRESS,
                reason=note,
                data={"passed": False},
            )
            case.completed_at = None
            return _save(case, at=at)
        _move(
            case,
            "verify",
            at=at,
            actor=actor,
            unit=case.lead_unit_id,
            to=Status.VERIFIED,
            reason=note,
            data={"passed": True},
        )
        if case.reporter_id or case.reporter_phone:
            # Someone can rate it: the callback (回访) follows at once, and they are told the reply.
            _move(case, "request_rating", at=at, unit=case.lead_unit_id, to=Status.AWAITING_RATING)
            reply = (
                CaseEvent.objects.filter(case=case, action="complete")
                .order_by("-seq")
                .values_list("reason", flat=True)
                .first()
                or ""
            )
            ask = (
                _("您反映的“%(title)s”已办结。办理结果：%(reply)s 请对办理结果评价。")
                if case.reporter_id
                else _("您反映的“%(title)s”已办结。办理结果：%(reply)s 稍后将电话回访，请您评价。")
            )
            _tell_reporter(case, "finished", ask % {"title": _short(case.title), "reply": _short(reply, 120)})
        return _save(case, at=at)


def check_rate(
    actor: Any, case_id: Any, *, score: int, comment: str = "", at: datetime | None = None
) -> Case:
    """The resident rates 1–5; the desk records a phone callback's rating. ≤ 2 reopens the case."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        by_reporter = perm.is_reporter(actor, case)
        perm.require(by_reporter or perm.is_desk(actor, case), _("只有诉求人或分拨台（电话回访）可以评价。"))
        return do_rate(case, score=score, comment=comment, actor=actor, callback=not by_reporter, at=at)


def do_rate(
    case: Case | int,
    *,
    score: int,
    comment: str = "",
    actor: Any = None,
    callback: bool = False,
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise CaseError(_("评价须为 1 到 5 分。"), code="bad_score")
    with transaction.atomic():
        case = _lock(case)
        if case.status != Status.AWAITING_RATING and case.rated_round == case.reopen_count:
            raise AlreadyRated(_("该工单已评价，不能重复评价。"))
        satisfied = score >= 3
        can_reopen = case.reopen_count < max_reopens()
        to = Status.CLOSED if satisfied or not can_reopen else SAME
        data = {"score": score, "callback": callback, "satisfied": satisfied, "round": case.reopen_count}
        _move(
            case, "rate", at=at, actor=actor, unit=case.lead_unit_id, to=to, reason=comment.strip(), data=data
        )
        case.rating, case.rated_round = score, case.reopen_count
        if to == Status.CLOSED:
            case.closed_at = at
            return _save(case, at=at)
        _reopen(
            case, reason=_("群众评价不满意（%(score)d 分），重新办理") % {"score": score}, actor=None, at=at
        )
        return _save(case, at=at)


def max_reopens() -> int:
    return int(getattr(settings, "JICENG_MAX_REOPENS", 2))


def _reopen(case: Case, *, reason: str, actor: Any, at: datetime) -> None:
    if case.reopen_count >= max_reopens():
        raise TooManyReopens(_("该工单已重办 %(n)d 次，达到上限。") % {"n": case.reopen_count})
    if case.lead_unit_id is None:
        raise NoUnit(_("该工单没有主办单位，无法重办。"))
    case.reopen_count += 1
    _move(
        case,
        "reopen",
        at=at,
        actor=actor,
        unit=case.lead_unit_id,
        to=Status.IN_PROGRESS,
        reason=reason,
        data={"round": case.reopen_count},
    )
    case.closed_at = case.completed_at = None
    case.accepted_at = at


def check_reopen(actor: Any, case_id: Any, *, reason: str, at: datetime | None = None) -> Case:
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            perm.is_desk(actor, case) or perm.is_supervisor(actor, case),
            _("只有分拨台或督办人员可以重办工单。"),
        )
        return do_reopen(case, actor=actor, reason=reason, at=at)


def do_reopen(case: Case | int, *, reason: str, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    reason = _reason(reason, _("重办"))
    with transaction.atomic():
        case = _lock(case)
        lifecycle.check("reopen", case.status, Status.IN_PROGRESS)
        _reopen(case, reason=reason, actor=actor, at=at)
        return _save(case, at=at)


def check_close(actor: Any, case_id: Any, *, reason: str = "", at: datetime | None = None) -> Case:
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_desk(actor, case), _("只有分拨台可以结案。"))
        return do_close(case, actor=actor, reason=reason, at=at)


def do_close(case: Case | int, *, reason: str = "", actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        _move(case, "close", at=at, actor=actor, unit=case.desk_unit_id, to=Status.CLOSED, reason=reason)
        case.closed_at = at
        return _save(case, at=at)


# -- escalation, suspension, supervision -------------------------------------------------------------


def check_escalate(actor: Any, case_id: Any, *, reason: str, at: datetime | None = None) -> Case:
    """Send the case up one level (community → street → district), for good."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            perm.is_unit_member(actor, case.lead_unit_id)
            or perm.is_desk(actor, case)
            or perm.is_supervisor(actor, case),
            _("只有承办单位、分拨台或督办人员可以升级工单。"),
        )
        return do_escalate(case, actor=actor, reason=reason, at=at)


def do_escalate(case: Case | int, *, reason: str, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    reason = _reason(reason, _("升级"))
    with transaction.atomic():
        case = _lock(case)
        lifecycle.check("escalate", case.status, Status.PENDING_DISPATCH)
        up = routing.LEVEL_UP.get(Level(case.level))
        if up is None:
            raise CaseError(_("该工单已在区级办理，无法再升级。"), code="already_top")
        desk = routing.desk_for(case.grid_code, up)
        if desk is None:
            raise NoUnit(_("没有找到%(level)s层级的分拨台。") % {"level": Level(up).label})
        from_level, unit_id = case.level, case.lead_unit_id
        _drop_units(case)
        case.level = case.floor_level = up
        case.desk_unit, case.escalated, case.first_responder, case.accepted_at = desk, True, False, None
        _move(
            case,
            "escalate",
            at=at,
            actor=actor,
            unit=unit_id or desk,
            to=Status.PENDING_DISPATCH,
            reason=reason,
            data={"from_level": from_level, "to_level": up, "desk": desk.pk},
        )
        _notify(
            "escalated",
            _("工单升级至%(level)s：%(title)s") % {"level": Level(up).label, "title": case.title},
            case,
            unit=desk,
        )
        return _save(case, at=at)


def _approver(actor: Any, case: Case) -> bool:
    return perm.is_desk(actor, case) or perm.is_supervisor(actor, case)


def check_suspend(actor: Any, case_id: Any, *, reason: str, at: datetime | None = None) -> Case:
    """An approved extension (挂起): both clocks stop until ``resume``. Approved by the desk or a supervisor."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(_approver(actor, case), _("挂起（延期）须由分拨台或督办人员审批。"))
        return do_suspend(case, actor=actor, reason=reason, at=at)


def do_suspend(case: Case | int, *, reason: str, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    reason = _reason(reason, _("挂起"))
    with transaction.atomic():
        case = _lock(case)
        previous = case.status
        _move(
            case,
            "suspend",
            at=at,
            actor=actor,
            unit=case.lead_unit_id,
            to=Status.SUSPENDED,
            reason=reason,
            data={"resume_to": previous},
        )
        case.resume_status = previous
        return _save(case, at=at)


def check_resume(actor: Any, case_id: Any, *, note: str = "", at: datetime | None = None) -> Case:
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(
            _approver(actor, case) or perm.is_unit_member(actor, case.lead_unit_id),
            _("只有承办单位、分拨台或督办人员可以恢复办理。"),
        )
        return do_resume(case, actor=actor, note=note, at=at)


def do_resume(case: Case | int, *, note: str = "", actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        target = case.resume_status or Status.IN_PROGRESS
        _move(case, "resume", at=at, actor=actor, unit=case.lead_unit_id, to=target, reason=note)
        case.resume_status = ""
        return _save(case, at=at)


def check_urge(actor: Any, case_id: Any, *, note: str = "", at: datetime | None = None) -> Case:
    """催办: a supervisor, a leader or the desk presses the unit handling the case."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(_approver(actor, case), _("只有督办人员、领导或分拨台可以催办。"))
        return do_urge(case, actor=actor, note=note, at=at)


def do_urge(case: Case | int, *, note: str = "", actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    with transaction.atomic():
        case = _lock(case)
        target = case.lead_unit_id or case.desk_unit_id
        case.urge_count += 1
        _move(case, "urge", at=at, actor=actor, unit=target, reason=note.strip(), data={"n": case.urge_count})
        _notify("urge", _("催办：%(title)s") % {"title": case.title}, case, unit=target, note=note.strip())
        return _save(case, at=at)


MAX_SUPERVISION_DAYS = 250  # about one working year


def check_supervise(
    actor: Any,
    case_id: Any,
    *,
    reason: str,
    due: datetime | None = None,
    days: float | None = None,
    at: datetime | None = None,
) -> Case:
    """督办: formal supervision by a supervisor or leader, with its own deadline."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_supervisor(actor, case), _("只有督办人员或领导可以督办。"))
        return do_supervise(case, actor=actor, reason=reason, due=due, days=days, at=at)


def do_supervise(
    case: Case | int,
    *,
    reason: str,
    due: datetime | None = None,
    days: float | None = None,
    actor: Any = None,
    at: datetime | None = None,
) -> Case:
    at = _now(at)
    reason = _reason(reason, _("督办"))
    if due is None:
        amount = float(days if days is not None else getattr(settings, "JICENG_SUPERVISION_DAYS", 3))
        # A negative, zero or absurd number of working days used to reach the calendar and fail there.
        if not 0 < amount <= MAX_SUPERVISION_DAYS:
            raise CaseError(
                _("督办期限须为 1–%(n)d 个工作日。") % {"n": MAX_SUPERVISION_DAYS}, code="bad_days"
            )
        due = sla.calendar().add(at, amount, "workday")
    if due <= at:
        raise CaseError(_("督办期限必须晚于当前时间。"), code="bad_due")
    with transaction.atomic():
        case = _lock(case)
        target = case.lead_unit_id or case.desk_unit_id
        case.supervised = True
        _move(
            case, "supervise", at=at, actor=actor, unit=target, reason=reason, data={"due": due.isoformat()}
        )
        _notify(
            "supervise", _("督办：%(title)s") % {"title": case.title}, case, unit=target, due=due.isoformat()
        )
        return _save(case, at=at)


# -- merge, invalidate ------------------------------------------------------------------------------


def check_merge(actor: Any, case_id: Any, *, into: Any, reason: str = "", at: datetime | None = None) -> Case:
    """A duplicate joins the case it repeats; it closes as merged and points at the other."""
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_desk(actor, case), _("只有分拨台可以合并工单。"))
        try:
            target = perm.access_case(actor, into, Case.objects.all())
        except CaseNotFound:
            raise CaseNotFound(_("未找到要合并到的工单“%(id)s”。") % {"id": into})
        return do_merge(case, target, actor=actor, reason=reason, at=at)


def do_merge(
    case: Case | int, into: Case, *, reason: str = "", actor: Any = None, at: datetime | None = None
) -> Case:
    at = _now(at)
    with transaction.atomic():
        # Both rows locked, the lower id first (one order for every transaction): a merge of A into B
        # and one of B into A wait for each other, and the second sees the first's result.
        case_pk = case.pk if isinstance(case, Case) else case
        locked = {pk: _lock(case if pk == case_pk else into) for pk in sorted({case_pk, into.pk})}
        case, into = locked[case_pk], locked[into.pk]
        if into.pk == case.pk:
            raise CaseError(_("不能把工单合并到它自己。"), code="merge_self")
        if into.status in FINAL_STATUSES and into.status != Status.CLOSED or into.merged_into_id:
            raise WrongState(_("目标工单已合并或作废，不能作为合并对象。"))
        _move(
            case,
            "merge",
            at=at,
            actor=actor,
            unit=case.desk_unit_id,
            to=Status.MERGED,
            reason=reason,
            data={"into": into.pk},
        )
        _drop_units(case)
        case.merged_into = into
        case.closed_at = at
        _tell_reporter(
            case,
            "merged",
            _("您反映的“%(title)s”与工单 %(number)s 是同一问题，已合并办理，进展请查看该工单。")
            % {"title": _short(case.title), "number": into.number},
        )
        return _save(case, at=at)


def check_invalidate(actor: Any, case_id: Any, *, reason: str, at: datetime | None = None) -> Case:
    with transaction.atomic():
        case = _checked(actor, case_id)
        perm.require(perm.is_desk(actor, case), _("只有分拨台可以作废工单。"))
        return do_invalidate(case, actor=actor, reason=reason, at=at)


def do_invalidate(case: Case | int, *, reason: str, actor: Any = None, at: datetime | None = None) -> Case:
    at = _now(at)
    reason = _reason(reason, _("作废"))
    with transaction.atomic():
        case = _lock(case)
        _move(
            case, "invalidate", at=at, actor=actor, unit=case.desk_unit_id, to=Status.INVALID, reason=reason
        )
        _drop_units(case)
        case.closed_at = at
        _tell_reporter(
            case,
            "refused",
            _("您反映的“%(title)s”未予受理，原因：%(reason)s")
            % {"title": _short(case.title), "reason": _short(reason, 120)},
        )
        return _save(case, at=at)


# -- the SLA sweep's action -------------------------------------------------------------------------


def do_sla_check(
    case: Case, *, now: datetime, cal: Any = None, report: Any = None, steps: list[sla.Step] | None = None
) -> Case:
    """Write the warning / overdue marks that have come due, and hand over late desk cases.

    Called by ``sla.sweep`` with the case already claimed (its version moved by compare-and-set).
    """
    case._jiceng_locked = True  # type: ignore[attr-defined]
    cal = cal or sla.calendar()
    steps = list(steps) if steps is not None else sla.steps_of(case)
    clocks = sla.compute(case.event_type, case.status, steps, cal, now)
    phase_unit = case.desk_unit_id if clocks.phase == "dispatch" else case.lead_unit_id
    late_desk = False
    if clocks.due_at is not None and now >= clocks.due_at and not clocks.overdue:
        _move(
            case,
            "sla_overdue",
            at=now,
            unit=phase_unit,
            data={"clock": "unit", "phase": clocks.phase, "due": clocks.due_at.isoformat()},
        )
        late_desk = clocks.phase == "dispatch"
        _count(report, "overdue")
        _notify("sla_overdue", _("工单超期：%(title)s") % {"title": case.title}, case, unit=phase_unit)
    elif clocks.warn_at is not None and now >= clocks.warn_at and not (clocks.warned or clocks.overdue):
        _move(
            case,
            "sla_warning",
            at=now,
            unit=phase_unit,
            data={
                "clock": "unit",
                "phase": clocks.phase,
                "due": clocks.due_at.isoformat() if clocks.due_at else None,
            },
        )
        _count(report, "warnings")
        _notify("sla_warning", _("工单即将超期：%(title)s") % {"title": case.title}, case, unit=phase_unit)
    if clocks.resident_due_at is not None and now >= clocks.resident_due_at and not clocks.resident_overdue:
        _move(
            case,
            "sla_overdue",
            at=now,
            unit=case.lead_unit_id or case.desk_unit_id,
            data={"clock": "resident", "due": clocks.resident_due_at.isoformat()},
        )
        _count(report, "overdue")
    if (
        clocks.supervision_due_at is not None
        and now >= clocks.supervision_due_at
        and not clocks.supervision_overdue
    ):
        _move(
            case,
            "supervision_overdue",
            at=now,
            unit=case.lead_unit_id or case.desk_unit_id,
            data={"due": clocks.supervision_due_at.isoformat()},
        )
        _count(report, "supervision_overdue")
        _notify(
            "supervision_overdue",
            _("督办超期：%(title)s") % {"title": case.title},
            case,
            role=Role.SUPERVISOR,
        )
    new = _pending(case)
    if new:
        CaseEvent.objects.bulk_create(new)
        steps += [sla.Step(e.action, e.at, e.to_status, e.data) for e in new]
        case._jiceng_events = []  # type: ignore[attr-defined]
    if late_desk and do_first_responder(case, at=now) is not None:
        _count(report, "first_responder")
        return case
    sla.refresh(case, steps=steps, now=now, cal=cal)
    case.save()
    return case


def _count(report: Any, name: str) -> None:
    if report is not None:
        setattr(report, name, getattr(report, name) + 1)


ACTIONS = {
    "dispatch": check_dispatch,
    "accept": check_accept,
    "return": check_return,
    "progress": check_progress,
    "complete": check_complete,
    "verify": check_verify,
    "escalate": check_escalate,
    "suspend": check_suspend,
    "resume": check_resume,
    "urge": check_urge,
    "supervise": check_supervise,
    "rate": check_rate,
    "reopen": check_reopen,
    "merge": check_merge,
    "invalidate": check_invalidate,
    "close": check_close,
    "add_cohandler": check_add_cohandler,
}


def _retry_conflicts_everywhere() -> None:
    """Every ``check_*`` and ``do_*`` of this module runs again after a PostgreSQL deadlock or
    serialization failure (``core.retry``): the outermost one retries its whole transaction, those
    nested in it let the error go up to it."""
    for name, fn in list(globals().items()):
        if name.startswith(("check_", "do_")) and inspect.isfunction(fn) and fn.__module__ == __name__:
            globals()[name] = retry_conflicts(fn)


_retry_conflicts_everywhere()
