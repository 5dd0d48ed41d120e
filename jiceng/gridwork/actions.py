"""Every change of grid work is one action here: ``check_<verb>`` (validate, scope) → ``do_<verb>`` (one
transaction, an audit row). Pages, the REST API, the phone's offline queue and the demo call these.

Patrol entries come from a phone that may have been offline: each carries the ``client_id`` the phone
made, and an entry already stored is answered with the stored row (``Stored.created`` False) instead of
a second copy, so the phone may send its queue as often as it likes.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound, PatrolClosed
from jiceng.gridwork.models import (
    BuildingCheck,
    ChecklistItem,
    Finding,
    GridworkEvent,
    Patrol,
    PatrolPoint,
)
from jiceng.org.access import access_building, access_grid
from jiceng.org.scopes import scope_for
from jiceng.places.models import Building

MAX_CLIENT_ID = 64
# An offline phone may send entries made days ago; nothing from the future beyond clock drift.
MAX_AGE = timedelta(days=14)
MAX_DRIFT = timedelta(minutes=10)
MAX_FINDING_PHOTOS = 3


@dataclass
class Stored:
    obj: Any
    created: bool


def event(actor: Any, verb: str, subject_type: str, subject_id: Any, **data: Any) -> None:
    GridworkEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=data,
    )


def _client_id(value: Any) -> str:
    text = str(value or "").strip()
    if not text or len(text) > MAX_CLIENT_ID or not all(c.isalnum() or c in "-_" for c in text):
        raise GridworkError(_("缺少或无效的客户端编号。"), code="bad_client_id")
    return text


def moment(value: Any, now: datetime | None = None) -> datetime:
    """A client's timestamp (ISO 8601), checked against the server's clock."""
    now = now or timezone.now()
    if value in (None, ""):
        return now
    if isinstance(value, datetime):
        at = value
    else:
        at = parse_datetime(str(value))  # type: ignore[assignment]
        if at is None:
            raise GridworkError(_("时间格式无效：%(v)s") % {"v": value}, code="bad_time")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + MAX_DRIFT or at < now - MAX_AGE:
        raise GridworkError(_("时间超出允许范围：%(v)s") % {"v": value}, code="bad_time")
    return at


def _staff(actor: Any) -> None:
    if not scope_for(actor).is_staff:
        raise GridworkNotFound(_("未找到。"))


def _coordinate(value: Any, low: float, high: float, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise GridworkError(_("%(what)s无效。") % {"what": what}, code="bad_point") from None
    if not low <= number <= high:
        raise GridworkError(_("%(what)s超出范围。") % {"what": what}, code="bad_point")
    return number


def _existing(model: Any, client_id: str, actor: Any, owner: str) -> Stored | None:
    """A row stored under this client id: the same one again (idempotent), or someone else's (refused)."""
    row = model.objects.filter(client_id=client_id).first()
    if row is None:
        return None
    owner_id = row
    for part in owner.split("__"):
        owner_id = getattr(owner_id, part)
    if owner_id != actor.pk:
        raise GridworkError(_("客户端编号已被使用。"), code="client_id_taken", status=409)
    return Stored(row, False)


def _insert(model: Any, client_id: str, actor: Any, owner: str, **fields: Any) -> Stored:
    """Insert once; a concurrent copy of the same entry that won the unique key is returned instead."""
    try:
        with transaction.atomic():
            return Stored(model.objects.create(client_id=client_id, **fields), True)
    except IntegrityError:
        found = _existing(model, client_id, actor, owner)
        if found is None:
            raise
        return found


# -- patrol -----------------------------------------------------------------------------------------


def my_patrol(actor: Any, client_id: Any) -> Patrol:
    patrol = Patrol.objects.select_related("grid").filter(client_id=str(client_id), worker=actor).first()
    if patrol is None:
        raise GridworkNotFound(_("未找到巡查“%(id)s”。") % {"id": client_id})
    return patrol


def check_start_patrol(actor: Any, *, client_id: Any, grid_code: str, at: Any = None) -> Stored:
    _staff(actor)
    cid = _client_id(client_id)
    found = _existing(Patrol, cid, actor, "worker_id")
    if found is not None:
        return found
    grid = access_grid(actor, grid_code)
    with transaction.atomic():
        stored = _insert(Patrol, cid, actor, "worker_id", worker=actor, grid=grid, started_at=moment(at))
        if stored.created:
            event(actor, "patrol_start", "patrol", stored.obj.pk, grid=grid.code)
    return stored


def check_add_point(
    actor: Any,
    *,
    client_id: Any,
    patrol: Any,
    lat: Any,
    lng: Any,
    at: Any = None,
    accuracy: Any = None,
    manual: bool = False,
) -> Stored:
    cid = _client_id(client_id)
    found = _existing(PatrolPoint, cid, actor, "patrol__worker_id")
    if found is not None:
        return found
    walk = my_patrol(actor, patrol)
    return _insert(
        PatrolPoint,
        cid,
        actor,
        "patrol__worker_id",
        patrol=walk,
        at=moment(at),
        lat=_coordinate(lat, -90, 90, _("纬度")),
        lng=_coordinate(lng, -180, 180, _("经度")),
        accuracy=float(accuracy) if accuracy not in (None, "") else None,
        manual=bool(manual),
    )


def _building_of(actor: Any, walk: Patrol, code: str) -> Building:
    building = access_building(actor, code)
    if building.grid_id != walk.grid_id:
        raise GridworkError(_("楼栋“%(code)s”不在本次巡查的网格内。") % {"code": code}, code="other_grid")
    return building


def check_check_building(
    actor: Any,
    *,
    client_id: Any,
    patrol: Any,
    building_code: str,
    items: dict[str, str] | None = None,
    note: str = "",
    at: Any = None,
) -> Stored:
    """The building was visited on the patrol and these checklist items looked at (``ok`` / ``issue``)."""
    cid = _client_id(client_id)
    found = _existing(BuildingCheck, cid, actor, "worker_id")
    if found is not None:
        return found
    walk = my_patrol(actor, patrol)
    building = _building_of(actor, walk, building_code)
    items = dict(items or {})
    known = set(
        ChecklistItem.objects.filter(code__in=list(items), is_active=True).values_list("code", flat=True)
    )
    unknown = sorted(set(items) - known)
    if unknown:
        raise GridworkError(_("未知的检查项：%(codes)s") % {"codes": "、".join(unknown)}, code="bad_item")
    if any(v not in ("ok", "issue") for v in items.values()):
        raise GridworkError(_("检查结果应为 ok 或 issue。"), code="bad_item")
    when = moment(at)
    with transaction.atomic():
        stored = _insert(
            BuildingCheck,
            cid,
            actor,
            "worker_id",
            patrol=walk,
            building=building,
            worker=actor,
            at=when,
            day=timezone.localdate(when),
            items=items,
            note=(note or "")[:500],
        )
        if stored.created:
            event(actor, "building_check", "building", building.code, patrol=walk.pk, items=len(items))
    return stored


def decode_photo(data_url: str, index: int) -> tuple[str, bytes]:
    """A photo the phone kept as a data URL (``data:image/jpeg;base64,...``)."""
    head, _comma, body = str(data_url).partition(",")
    if not head.startswith("data:image/") or ";base64" not in head:
        raise GridworkError(_("照片格式无效。"), code="bad_photo")
    try:
        return f"photo{index}.{head[11:].split(';')[0]}", base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise GridworkError(_("照片格式无效。"), code="bad_photo") from None


def check_report_finding(
    actor: Any,
    *,
    client_id: Any,
    patrol: Any,
    item_code: str,
    description: str = "",
    building_code: str = "",
    lat: Any = None,
    lng: Any = None,
    photos: list[Any] | None = None,
    at: Any = None,
) -> Stored:
    """A finding on a checklist item becomes a case of the item's event type in the same step."""
    from jiceng.cases.actions import check_submit_case
    from jiceng.cases.models import Channel

    cid = _client_id(client_id)
    found = _existing(Finding, cid, actor, "patrol__worker_id")
    if found is not None:
        return found
    walk = my_patrol(actor, patrol)
    item = ChecklistItem.objects.select_related("category").filter(code=item_code, is_active=True).first()
    if item is None:
        raise GridworkError(_("未知的检查项“%(code)s”。") % {"code": item_code}, code="bad_item")
    building = _building_of(actor, walk, building_code) if building_code else None
    photos = list(photos or [])
    if len(photos) > MAX_FINDING_PHOTOS:
        raise GridworkError(_("照片最多 %(n)d 张。") % {"n": MAX_FINDING_PHOTOS}, code="bad_photo")
    files = [p if not isinstance(p, str) else decode_photo(p, i) for i, p in enumerate(photos, start=1)]
    text = (description or "").strip() or item.name
    when = moment(at)
    where: dict[str, Any] = {"location_code": building.code} if building else {}
    if not where and lat not in (None, "") and lng not in (None, ""):
        where = {"lat": _coordinate(lat, -90, 90, _("纬度")), "lng": _coordinate(lng, -180, 180, _("经度"))}
    if not where:
        where = {"grid_code": walk.grid.code}
    with transaction.atomic():
        case = check_submit_case(
            actor,
            title=f"{item.category.name}：{item.name}"[:200],
            description=text,
            channel=Channel.PATROL,
            type_code=item.event_type_code,
            photos=files,
            # The case's own idempotency key: a finding sent twice never makes two cases.
            idempotency_key=f"patrol-finding:{cid}",
            at=when,
            **where,
        )
        stored = _insert(
            Finding,
            cid,
            actor,
            "patrol__worker_id",
            patrol=walk,
            building=building,
            item=item,
            case=case,
            description=text,
            at=when,
        )
        if stored.created:
            event(actor, "patrol_finding", "case", case.pk, patrol=walk.pk, item=item.code)
    return stored


def check_stop_patrol(actor: Any, *, patrol: Any, at: Any = None) -> Stored:
    walk = my_patrol(actor, patrol)
    if walk.stopped_at is not None:
        return Stored(walk, False)
    when = moment(at)
    if when < walk.started_at:
        raise PatrolClosed(_("结束时间早于开始时间。"))
    with transaction.atomic():
        updated = Patrol.objects.filter(pk=walk.pk, stopped_at=None).update(stopped_at=when)
        walk.refresh_from_db()
        if updated:
            event(actor, "patrol_stop", "patrol", walk.pk)
    return Stored(walk, bool(updated))


SYNC_KINDS = ("start", "point", "check", "finding", "stop")


def sync_entry(actor: Any, entry: dict[str, Any]) -> dict[str, Any]:
    """One queued entry from the phone, applied; the answer tells the phone whether to drop it."""
    from jiceng.core.exceptions import JicengError

    kind = str(entry.get("kind", ""))
    cid = str(entry.get("id", ""))
    try:
        if kind == "start":
            stored = check_start_patrol(
                actor, client_id=cid, grid_code=entry.get("grid", ""), at=entry.get("at")
            )
        elif kind == "point":
            stored = check_add_point(
                actor,
                client_id=cid,
                patrol=entry.get("patrol"),
                lat=entry.get("lat"),
                lng=entry.get("lng"),
                at=entry.get("at"),
                accuracy=entry.get("accuracy"),
                manual=bool(entry.get("manual")),
            )
        elif kind == "check":
            stored = check_check_building(
                actor,
                client_id=cid,
                patrol=entry.get("patrol"),
                building_code=str(entry.get("building", "")),
                items=entry.get("items") or {},
                note=str(entry.get("note", "")),
                at=entry.get("at"),
            )
        elif kind == "finding":
            stored = check_report_finding(
                actor,
                client_id=cid,
                patrol=entry.get("patrol"),
                item_code=str(entry.get("item", "")),
                description=str(entry.get("description", "")),
                building_code=str(entry.get("building", "")),
                lat=entry.get("lat"),
                lng=entry.get("lng"),
                photos=entry.get("photos") or [],
                at=entry.get("at"),
            )
        elif kind == "stop":
            stored = check_stop_patrol(actor, patrol=entry.get("patrol"), at=entry.get("at"))
        else:
            raise GridworkError(_("未知的记录类型“%(kind)s”。") % {"kind": kind}, code="bad_kind")
    except JicengError as exc:
        return {"id": cid, "kind": kind, "status": "error", "code": exc.code, "message": exc.message}
    answer: dict[str, Any] = {"id": cid, "kind": kind, "status": "created" if stored.created else "duplicate"}
    if kind == "finding":
        answer["case"] = stored.obj.case.number
    return answer


# -- patrol plans -----------------------------------------------------------------------------------

PLANNER_ROLES = frozenset({"community_staff", "dispatcher", "leader", "admin"})


def plan_for(grid: Any) -> list[dict[str, Any]]:
    """Every building kind's patrol frequency in the grid: its own plan, else the district default."""
    from jiceng.gridwork.coverage import FALLBACK_DAYS
    from jiceng.gridwork.models import PatrolPlan
    from jiceng.places.models import BuildingKind

    plans = {p.building_kind: (p.every_days, "default") for p in PatrolPlan.objects.filter(grid=None)}
    plans.update({p.building_kind: (p.every_days, "grid") for p in PatrolPlan.objects.filter(grid=grid)})
    return [
        {
            "building_kind": kind,
            "label": str(label),
            "every_days": plans.get(kind, (FALLBACK_DAYS, "fallback"))[0],
            "source": plans.get(kind, (FALLBACK_DAYS, "fallback"))[1],
        }
        for kind, label in BuildingKind.choices
    ]


def check_set_plan(actor: Any, grid_code: str, building_kind: str, every_days: int) -> Any:
    """Community staff and desks set how often a kind of building in their grid must be visited."""
    from jiceng.gridwork.models import PatrolPlan
    from jiceng.places.models import BuildingKind

    grid = access_grid(actor, grid_code)
    scope = scope_for(actor)
    if not (getattr(actor, "is_superuser", False) or scope.has_role(*PLANNER_ROLES)):
        raise GridworkError(_("只有社区工作人员可以调整巡查计划。"), code="forbidden", status=403)
    if building_kind not in BuildingKind.values:
        raise GridworkError(_("未知的楼栋类型“%(kind)s”。") % {"kind": building_kind}, code="bad_kind")
    if not 1 <= int(every_days) <= 365:
        raise GridworkError(_("巡查周期应在 1 到 365 天之间。"), code="bad_plan")
    with transaction.atomic():
        PatrolPlan.objects.update_or_create(
            grid=grid, building_kind=building_kind, defaults={"every_days": int(every_days)}
        )
        event(actor, "set_plan", "grid", grid.code, kind=building_kind, every_days=int(every_days))
    return grid
