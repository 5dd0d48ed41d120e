"""Every change of an alarm, a device or a gateway key: ``check_<verb>`` (who may) → ``do_<verb>``.

Alarms follow ThingsBoard: active or cleared, acknowledged or not; clearing is terminal and the next
occurrence is a new alarm; an active alarm absorbs repeats (count, last value, last time). Creation
relies on the partial unique index ``sensing_one_active_alarm``: a worker that loses the race gets an
IntegrityError inside a savepoint and absorbs its occurrence into the winner's alarm, so no number of
workers or redeliveries makes two. Critical and major alarms open one case through
``cases.actions.check_submit_case`` (channel ``sensor``) in the same transaction, linked both ways.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases.exceptions import CaseError
from jiceng.cases.outbox import notify
from jiceng.core.exceptions import JicengError, NotFound, PermissionDenied
from jiceng.org.scopes import scope_for
from jiceng.sensing.models import (
    CASE_SEVERITIES,
    Alarm,
    AlarmEvent,
    AlarmSeverity,
    AlarmStatus,
    Device,
    GatewayKey,
    Rule,
)

logger = logging.getLogger(__name__)


class SensingError(JicengError):
    code = "sensing_invalid"


# -- scopes -----------------------------------------------------------------------------------------


def visible_devices(user: Any) -> QuerySet[Device]:
    """Devices inside the user's territory (a community's staff see that community's only)."""
    return Device.objects.filter(scope_for(user).q("grid_code"))


def visible_alarms(user: Any) -> QuerySet[Alarm]:
    return Alarm.objects.filter(scope_for(user).q("grid_code"))


def access_device(user: Any, device_id: str) -> Device:
    device = visible_devices(user).select_related("kind").filter(device_id=device_id).first()
    if device is None:
        raise NotFound(_("未找到设备。"))
    return device


def access_alarm(user: Any, alarm_id: Any) -> Alarm:
    try:
        pk = int(alarm_id)
    except (TypeError, ValueError):
        raise NotFound(_("未找到告警。"))
    alarm = visible_alarms(user).select_related("device", "device__kind", "case").filter(pk=pk).first()
    if alarm is None:
        raise NotFound(_("未找到告警。"))
    return alarm


def _require_staff(user: Any) -> None:
    if not scope_for(user).is_staff:
        raise PermissionDenied(_("只有工作人员可以处理告警。"))


# -- raising and absorbing --------------------------------------------------------------------------


@dataclass
class Raised:
    alarm: Alarm
    created: bool


def _absorb(device: Device, alarm_type: str, at: datetime, value: float | None) -> int:
    """Count one more occurrence on the active alarm; 0 when there is none (any more)."""
    return Alarm.objects.filter(device=device, type=alarm_type, status=AlarmStatus.ACTIVE).update(
        count=F("count") + 1,
        last_at=Greatest(F("last_at"), at),
        last_value=value,
    )


def raise_alarm(
    device: Device,
    rule: Rule,
    *,
    at: datetime,
    value: float | None = None,
    details: dict[str, Any] | None = None,
) -> Raised:
    """Create the (device, type) alarm or absorb into the active one. Call inside a transaction."""
    for _attempt in range(3):
        if _absorb(device, rule.alarm_type, at, value):
            return Raised(
                Alarm.objects.get(device=device, type=rule.alarm_type, status=AlarmStatus.ACTIVE), False
            )
        alarm = Alarm(
            device=device,
            type=rule.alarm_type,
            name=rule.name,
            rule=rule,
            severity=rule.severity,
            grid_code=device.grid_code,
            started_at=at,
            last_at=at,
            last_value=value,
            details=details or {},
        )
        try:
            with transaction.atomic():  # a savepoint: a concurrent worker may hold the active slot
                alarm.save(force_insert=True)
        except IntegrityError:
            continue  # the other worker's alarm is committed now: absorb into it
        AlarmEvent.objects.create(alarm=alarm, verb="create", at=at, note=_describe(rule, value))
        _after_create(alarm, device, rule, at)
        return Raised(alarm, True)
    raise SensingError(_("告警写入冲突，请重试。"), code="alarm_conflict")


def _describe(rule: Rule, value: float | None) -> str:
    if value is None:
        return rule.name
    return f"{rule.name}（{value:g}）"


def _after_create(alarm: Alarm, device: Device, rule: Rule, at: datetime) -> None:
    case = None
    if rule.severity in CASE_SEVERITIES and rule.case_type:
        case = _open_case(alarm, device, rule, at)
    if rule.registry_task:
        _face_task(alarm, device, at)
    _notify_people(alarm, device, rule, case)


def _open_case(alarm: Alarm, device: Device, rule: Rule, at: datetime) -> Any:
    from jiceng.cases.actions import check_submit_case

    place = device.address or device.location_code or device.grid_code
    description = _("%(device)s（%(kind)s，编号 %(id)s）于 %(at)s 报警：%(what)s。位置：%(place)s。") % {
        "device": device.name or device.device_id,
        "kind": device.kind.name,
        "id": device.device_id,
        "at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
        "what": _describe(rule, alarm.last_value),
        "place": place,
    }
    try:
        with transaction.atomic():
            case = check_submit_case(
                None,
                channel="sensor",
                title=_("物联告警：%(name)s") % {"name": rule.name},
                description=description,
                type_code=rule.case_type,
                location_code=device.location_code if len(device.location_code) in (19, 25) else "",
                grid_code=device.grid_code,
                lat=device.lat if not device.location_code else None,
                lng=device.lng if not device.location_code else None,
                idempotency_key=f"alarm:{alarm.pk}",
                is_public=False,
            )
    except JicengError as exc:
        # The alarm stands and the desk sees it; a case that cannot be located is noted, not lost.
        logger.warning("alarm %s: no case opened: %s", alarm.pk, exc)
        alarm.details = {**alarm.details, "case_error": str(exc)}
        alarm.save(update_fields=["details"])
        AlarmEvent.objects.create(alarm=alarm, verb="case_failed", at=at, note=str(exc)[:300])
        return None
    alarm.case = case
    alarm.save(update_fields=["case"])
    AlarmEvent.objects.create(alarm=alarm, verb="case", at=at, note=str(case.number))
    return case


def _face_task(alarm: Alarm, device: Device, at: datetime) -> None:
    """An unregistered face at a building door: a collection task for that building's grid worker.

    No image is kept: only the device, the building, a count and the times.
    """
    from jiceng.places.models import Grid
    from jiceng.registry.models import TaskKind, VerificationTask

    grid = Grid.objects.filter(code=device.grid_code).first()
    VerificationTask.objects.get_or_create(
        key=f"sensing:alarm:{alarm.pk}",
        defaults={
            "kind": TaskKind.COLLECTION,
            "grid": grid,
            "title": _("门禁发现未登记人员：%(place)s") % {"place": device.address or device.location_code},
            "details": {
                "source": "sensing",
                "device": device.device_id,
                "building_code": device.building_code,
                "count": 1,
                "first_at": at.isoformat(),
                "last_at": at.isoformat(),
            },
        },
    )


def _face_task_repeat(alarm: Alarm, at: datetime) -> None:
    from jiceng.registry.models import VerificationTask

    task = VerificationTask.objects.select_for_update().filter(key=f"sensing:alarm:{alarm.pk}").first()
    if task is None:
        return
    details = dict(task.details)
    details["count"] = int(details.get("count", 1)) + 1
    details["last_at"] = max(str(details.get("last_at", "")), at.isoformat())
    task.details = details
    task.save(update_fields=["details"])


def _notify_people(alarm: Alarm, device: Device, rule: Rule, case: Any) -> None:
    phones = device.phones() if rule.notify_contacts else []
    users = [device.care_worker_id] if device.care_worker_id else []
    unit = (case.lead_unit_id or case.desk_unit_id) if case is not None else None
    if not (phones or users or unit):
        return
    message = _("【物联告警】%(place)s %(device)s：%(what)s，请尽快处置。") % {
        "place": device.address or device.location_code or device.grid_code,
        "device": device.name or device.kind.name,
        "what": _describe(rule, alarm.last_value),
    }
    notify(
        "sensor_alarm",
        message,
        case=case,
        unit=unit,
        users=users,
        phones=phones,
        link=f"/sensing/alarms/{alarm.pk}/",
        urgent=rule.severity == AlarmSeverity.CRITICAL,
        alarm=alarm.pk,
        device=device.device_id,
    )


def note_repeat(alarm: Alarm, rule: Rule, at: datetime) -> None:
    """What a repeat does beyond the count: a face task counts the visit too."""
    if rule.registry_task:
        _face_task_repeat(alarm, at)


# -- acknowledging and clearing ---------------------------------------------------------------------


def check_acknowledge(user: Any, alarm_id: Any) -> Alarm:
    alarm = access_alarm(user, alarm_id)
    _require_staff(user)
    return do_acknowledge(alarm, actor=user)


def do_acknowledge(alarm: Alarm, *, actor: Any = None, at: datetime | None = None) -> Alarm:
    at = at or timezone.now()
    with transaction.atomic():
        done = Alarm.objects.filter(pk=alarm.pk, acknowledged=False).update(
            acknowledged=True, acknowledged_at=at, acknowledged_by=actor
        )
        if done:
            AlarmEvent.objects.create(alarm=alarm, verb="ack", actor=actor, at=at)
    alarm.refresh_from_db()
    return alarm


def check_clear(user: Any, alarm_id: Any, note: str) -> Alarm:
    alarm = access_alarm(user, alarm_id)
    _require_staff(user)
    note = (note or "").strip()
    if not note:
        raise SensingError(_("解除告警请填写说明。"), code="note_required")
    if alarm.status != AlarmStatus.ACTIVE:
        raise SensingError(_("该告警已解除。"), code="already_cleared", status=409)
    return do_clear(alarm, actor=user, note=note)


def do_clear(alarm: Alarm, *, note: str, actor: Any = None, at: datetime | None = None) -> Alarm:
    """Clear for good (terminal): the case, if any, gets an ``alarm_cleared`` event on its trail."""
    at = at or timezone.now()
    with transaction.atomic():
        done = Alarm.objects.filter(pk=alarm.pk, status=AlarmStatus.ACTIVE).update(
            status=AlarmStatus.CLEARED, cleared_at=at, cleared_by=actor, clear_note=note[:300]
        )
        if not done:
            alarm.refresh_from_db()
            return alarm
        AlarmEvent.objects.create(alarm=alarm, verb="clear", actor=actor, at=at, note=note[:300])
        if alarm.case_id:
            from jiceng.cases.actions import do_alarm_cleared

            do_alarm_cleared(
                alarm.case_id,
                note=_("设备告警已解除：%(note)s") % {"note": note},
                actor=actor,
                data={"alarm": alarm.pk, "by": "person" if actor is not None else "device"},
            )
    alarm.refresh_from_db()
    return alarm


# -- gateway keys -----------------------------------------------------------------------------------

KEY_PREFIX_LENGTH = 8


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def do_create_key(name: str) -> tuple[GatewayKey, str]:
    """A new key for gateway ``name`` (replacing its old one). The key is returned once, stored hashed."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise SensingError(_("网关名称不能为空，且不超过 64 个字符。"))
    key = f"gw_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        gateway, _created = GatewayKey.objects.update_or_create(
            name=name,
            defaults={"prefix": key[:KEY_PREFIX_LENGTH], "digest": _digest(key), "is_active": True},
        )
    return gateway, key


def gateway_for(key: str) -> GatewayKey | None:
    key = (key or "").strip()
    if len(key) < 20:
        return None
    for gateway in GatewayKey.objects.filter(prefix=key[:KEY_PREFIX_LENGTH], is_active=True):
        if secrets.compare_digest(gateway.digest, _digest(key)):
            GatewayKey.objects.filter(pk=gateway.pk).update(last_used_at=timezone.now())
            return gateway
    return None


def active_alarm_q() -> Q:
    return Q(status=AlarmStatus.ACTIVE)


# -- devices ----------------------------------------------------------------------------------------


def parse_contacts(text: str) -> list[dict[str, str]]:
    """``张三:13800138000;李四:13900139000`` (or a bare phone per item) → [{"name", "phone"}]."""
    from jiceng.lib.identity import IdentityError, validate_phone

    contacts = []
    for item in str(text or "").replace("；", ";").replace("，", ";").replace(",", ";").split(";"):
        item = item.strip()
        if not item:
            continue
        name, _sep, phone = item.replace("：", ":").rpartition(":")
        try:
            phone = validate_phone(phone.strip())
        except IdentityError:
            raise SensingError(_("联系人“%(item)s”的手机号不正确") % {"item": item})
        contacts.append({"name": name.strip(), "phone": phone})
    return contacts


def locate_device(location_code: str = "", lat: float | None = None, lng: float | None = None) -> Any:
    """Where a device is: a room, building or grid code, or a point resolved to its grid."""
    from jiceng.cases.intake import locate

    if not (location_code or "").strip() and (lat is None or lng is None):
        raise SensingError(_("请填写位置编码（房屋、楼栋或网格编码）或经纬度。"))
    try:
        return locate(location_code=location_code or "", lat=lat, lng=lng)
    except CaseError as exc:
        raise SensingError(exc.message, code="location")


def do_register_device(
    device_id: str,
    kind: Any,
    *,
    location_code: str = "",
    lat: float | None = None,
    lng: float | None = None,
    name: str = "",
    contacts: list[dict[str, str]] | None = None,
    person: Any = None,
    care_worker: Any = None,
    installed_on: Any = None,
    located: Any = None,
) -> tuple[Device, bool]:
    """Create or update a device by its vendor id; returns (device, created)."""
    from jiceng.sensing.models import DeviceKind

    if not isinstance(kind, DeviceKind):
        kind = DeviceKind.objects.get(code=kind)
    located = located or locate_device(location_code, lat, lng)
    code = located.location_code or (location_code or "").strip()
    values = {
        "kind": kind,
        "name": name or "",
        "location_code": code,
        "grid_code": located.grid.code,
        "building_code": code[:19] if len(code) >= 19 else "",
        "address": (located.address or "")[:200],
        "lat": lat if lat is not None else located.lat,
        "lng": lng if lng is not None else located.lng,
        "contacts": contacts or [],
        "person": person,
        "care_worker": care_worker,
        "installed_on": installed_on,
    }
    with transaction.atomic():
        device, created = Device.objects.update_or_create(device_id=device_id, defaults=values)
    return device, created
