"""Small-venue fire inspections (三小场所) and rental/hotel checks (三查四告知).

A venue is registered at a building (and room), linked to its legal entity, with a QR plate whose
token opens its archive. An inspection answers every checklist item, carries the required photo set
(a 360° round plus the fire equipment) and the owner's signature drawn on the phone; each failed item
is a hazard with a rectification deadline. A re-inspection closes the hazards it finds put right; a
hazard still open after its deadline becomes a case (``sweep_overdue``, run by ``python manage.py
gridwork_sweep`` or the demo), once, through ``check_submit_case``.

Rental and hotel checks record the tenants (each checked against the registry: living here on record,
known at another address, or unknown), the three checks, the four notices acknowledged, and the
signed security responsibility letter (治安责任书).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.gridwork.actions import event
from jiceng.gridwork.exceptions import GridworkError, GridworkNotFound
from jiceng.gridwork.models import (
    Hazard,
    HazardStatus,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
    Venue,
)
from jiceng.org.access import access_building, access_room
from jiceng.org.scopes import scope_for

DATA = Path(__file__).parent / "data" / "inspections.yaml"
MAX_SIGNATURE = 512 * 1024
MIN_SIGNATURE = 200  # a blank canvas compresses to almost nothing: refuse an empty signature
VENUE_CASE_TYPE = "AQ11"  # 三小场所安全
RENTAL_CASE_TYPE = "WY12"  # 房屋租赁管理


@cache
def data() -> dict[str, Any]:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    items = []
    for line in doc["venue_items"]:
        head, _bar, days = str(line).partition("|")
        code, _sp, name = head.strip().partition(" ")
        items.append({"code": code, "name": name.strip(), "days": int(days.strip() or 7)})

    def pairs(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [next(iter(row.items())) for row in rows]

    return {
        "venue_kinds": dict(doc["venue_kinds"]),
        "venue_items": items,
        "photo_set": pairs(doc["photo_set"]),
        "rental_checks": pairs(doc["rental_checks"]),
        "notices": pairs(doc["notices"]),
    }


def _staff(actor: Any) -> None:
    if not scope_for(actor).is_staff:
        raise GridworkNotFound(_("未找到。"))


def decode_signature(data_url: str, what: str) -> bytes:
    """A signature drawn on the phone's canvas, as a PNG data URL."""
    head, _comma, body = str(data_url or "").partition(",")
    if head != "data:image/png;base64":
        raise GridworkError(_("请在手机上签名（%(what)s）。") % {"what": what}, code="signature_required")
    try:
        png = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise GridworkError(_("签名图像无效。"), code="bad_signature") from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) > MAX_SIGNATURE:
        raise GridworkError(_("签名图像无效。"), code="bad_signature")
    if len(png) < MIN_SIGNATURE:
        raise GridworkError(_("请在手机上签名（%(what)s）。") % {"what": what}, code="signature_required")
    return png


# -- the register -----------------------------------------------------------------------------------


def visible_venues(user: Any) -> QuerySet[Venue]:
    return Venue.objects.filter(scope_for(user).q("grid_code")).select_related("building", "room", "entity")


def access_venue(user: Any, venue_id: Any) -> Venue:
    try:
        pk = int(venue_id)
    except (TypeError, ValueError):
        pk = -1
    venue = visible_venues(user).filter(pk=pk).first()
    if venue is None:
        raise GridworkNotFound(_("未找到场所。"))
    return venue


def venue_by_token(user: Any, token: str) -> Venue:
    venue = visible_venues(user).filter(qr_token=str(token or "")).first()
    if venue is None:
        raise GridworkNotFound(_("未找到场所。"))
    return venue


def check_register_venue(
    actor: Any,
    *,
    name: str,
    kind: str,
    location_code: str,
    owner_name: str,
    owner_phone: str = "",
    uscc: str = "",
) -> Venue:
    from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone
    from jiceng.registry.models import EntityLocation, LegalEntity

    _staff(actor)
    if kind not in data()["venue_kinds"]:
        raise GridworkError(_("未知的场所类别“%(kind)s”。") % {"kind": kind}, code="bad_kind")
    if not name.strip() or not owner_name.strip():
        raise GridworkError(_("请填写场所名称和负责人。"), code="required")
    code = (location_code or "").strip()
    room = access_room(actor, code) if len(code) == 25 else None
    building = room.building if room is not None else access_building(actor, code)
    try:
        phone = validate_phone(owner_phone) if owner_phone.strip() else ""
        credit = validate_credit_code(uscc) if uscc.strip() else ""
    except IdentityError as exc:
        raise GridworkError(str(exc), code="bad_identity") from None
    entity = LegalEntity.objects.filter(uscc=credit).first() if credit else None
    if entity is None and room is not None:
        found = EntityLocation.objects.filter(room=room, ended_on=None).select_related("entity").first()
        entity = found.entity if found is not None else None
    with transaction.atomic():
        venue = Venue.objects.create(
            name=name.strip()[:100],
            kind=kind,
            building=building,
            room=room,
            entity=entity,
            grid_code=building.grid.code,
            owner_name=owner_name.strip()[:50],
            owner_phone=phone,
            qr_token=secrets.token_urlsafe(12),
        )
        event(actor, "venue_register", "venue", venue.pk, building=building.code)
    return venue


def qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=6))


# -- inspections ------------------------------------------------------------------------------------


def _photos(files: dict[str, Any]) -> list[tuple[str, Any]]:
    """The required photo set, each angle once, checked as images."""
    from jiceng.cases.intake import read_photos

    missing = [label for angle, label in data()["photo_set"] if not files.get(angle)]
    if missing:
        raise GridworkError(_("缺少照片：%(list)s") % {"list": "、".join(missing)}, code="photos_required")
    checked = []
    for angle, _label in data()["photo_set"]:
        checked.append((angle, read_photos([files[angle]], limit=1)[0]))
    return checked


def _store(
    inspection: Inspection, photos: list[tuple[str, Any]], signature: bytes, letter: bytes | None
) -> None:
    for angle, photo in photos:
        row = InspectionPhoto(inspection=inspection, angle=angle, sha256=photo.info.sha256)
        row.file.save(f"{inspection.pk}-{angle}.{photo.info.extension}", ContentFile(photo.data), save=True)
    inspection.signature.save(f"{inspection.pk}-signature.png", ContentFile(signature), save=False)
    if letter is not None:
        inspection.letter.save(f"{inspection.pk}-letter.png", ContentFile(letter), save=False)
    inspection.save(update_fields=["signature", "letter"])


def open_hazards(venue: Venue) -> QuerySet[Hazard]:
    return Hazard.objects.filter(inspection__venue=venue, status=HazardStatus.OPEN).order_by("deadline", "pk")


def check_inspect_venue(
    actor: Any,
    venue_id: Any,
    *,
    results: dict[str, str],
    notes: dict[str, str] | None = None,
    photos: dict[str, Any] | None = None,
    signature: str,
    signer_name: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Inspection:
    """Inspect a venue: every item answered, the photo set, the owner's signature. A venue with open
    hazards is re-inspected: each of them answered ``ok`` now is put right."""
    _staff(actor)
    venue = access_venue(actor, venue_id)
    items = {i["code"]: i for i in data()["venue_items"]}
    missing = [i["name"] for code, i in items.items() if results.get(code) not in ("ok", "hazard")]
    if missing:
        raise GridworkError(
            _("还有 %(n)d 项未检查：%(first)s") % {"n": len(missing), "first": missing[0]},
            code="items_required",
        )
    if not (signer_name or "").strip():
        raise GridworkError(_("请填写签名人姓名。"), code="signer_required")
    png = decode_signature(signature, _("场所负责人"))
    checked = _photos(photos or {})
    notes = notes or {}
    at = at or timezone.now()
    today = timezone.localdate(at)
    with transaction.atomic():
        previous = list(open_hazards(venue).select_for_update())
        inspection = Inspection.objects.create(
            kind=InspectionKind.VENUE,
            venue=venue,
            building=venue.building,
            room=venue.room,
            grid_code=venue.grid_code,
            inspector=actor,
            at=at,
            parent=previous[0].inspection if previous else None,
            results={code: results[code] for code in items},
            signer_name=signer_name.strip()[:50],
            status=InspectionStatus.PASSED,
            note=(note or "")[:500],
        )
        still_open = 0
        for hazard in previous:
            if results.get(hazard.item) == "ok":
                hazard.status, hazard.rectified_in = HazardStatus.RECTIFIED, inspection
                hazard.save(update_fields=["status", "rectified_in"])
            else:
                still_open += 1
        known = {h.item for h in previous if h.status == HazardStatus.OPEN}
        new = [
            Hazard(
                inspection=inspection,
                item=code,
                description=(notes.get(code) or items[code]["name"])[:300],
                deadline=today + dt.timedelta(days=items[code]["days"]),
            )
            for code, value in results.items()
            if value == "hazard" and code in items and code not in known
        ]
        Hazard.objects.bulk_create(new)
        if new or still_open:
            inspection.status = InspectionStatus.HAZARDS
        elif previous:
            inspection.status = InspectionStatus.RECTIFIED
        inspection.save(update_fields=["status"])
        for parent in {h.inspection for h in previous}:
            if not parent.hazards.filter(status=HazardStatus.OPEN).exists():
                Inspection.objects.filter(pk=parent.pk).update(status=InspectionStatus.RECTIFIED)
        _store(inspection, checked, png, None)
        event(actor, "inspect_venue", "venue", venue.pk, inspection=inspection.pk, hazards=len(new))
    return inspection


def _tenant_status(room: Any, id_number: str) -> tuple[str, int | None]:
    from jiceng.registry.models import Occupancy, Person

    person = Person.objects.filter(id_number=id_number).first()
    if person is None:
        return "unknown", None
    if Occupancy.objects.filter(person=person, room=room, ended_on=None).exists():
        return "registered", person.pk
    return "elsewhere", person.pk


def check_inspect_rental(
    actor: Any,
    *,
    kind: str,
    room_code: str,
    tenants: list[dict[str, str]],
    checks: dict[str, str],
    notices: dict[str, Any],
    signature: str,
    letter_signature: str,
    signer_name: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Inspection:
    """三查四告知 at a rented room or a hotel: tenants checked against the registry, the three checks
    answered, all four notices acknowledged, and the responsibility letter signed."""
    from jiceng.lib.identity import IdentityError, mask_resident_id, validate_resident_id

    _staff(actor)
    if kind not in (InspectionKind.RENTAL, InspectionKind.HOTEL):
        raise GridworkError(_("检查类型应为出租屋或旅馆。"), code="bad_kind")
    room = access_room(actor, room_code)
    d = data()
    unchecked = [label for code, label in d["rental_checks"] if checks.get(code) not in ("ok", "issue")]
    if unchecked:
        raise GridworkError(_("请完成：%(list)s") % {"list": "、".join(unchecked)}, code="checks_required")
    unread = [label for code, label in d["notices"] if notices.get(code) not in (True, "1", "on", "true")]
    if unread:
        raise GridworkError(
            _("以下事项尚未告知确认：%(list)s") % {"list": "、".join(unread)}, code="notices_required"
        )
    if not (signer_name or "").strip():
        raise GridworkError(_("请填写签名人姓名。"), code="signer_required")
    png = decode_signature(signature, _("检查确认"))
    letter = decode_signature(letter_signature, _("治安责任书"))
    rows = []
    for index, tenant in enumerate(tenants or [], start=1):
        name = str(tenant.get("name", "")).strip()
        number = str(tenant.get("id_number", "")).strip()
        if not name and not number:
            continue
        try:
            number = validate_resident_id(number).number
        except IdentityError as exc:
            raise GridworkError(
                _("第 %(n)d 位租客：%(why)s") % {"n": index, "why": exc}, code="bad_tenant"
            ) from None
        status, person_id = _tenant_status(room, number)
        rows.append(
            {
                "name": name[:50],
                "id_number": number,
                "masked": mask_resident_id(number),
                "status": status,
                "person": person_id,
            }
        )
    at = at or timezone.now()
    issues = [code for code, value in checks.items() if value == "issue"]
    unregistered = [t for t in rows if t["status"] != "registered"]
    with transaction.atomic():
        inspection = Inspection.objects.create(
            kind=kind,
            building=room.building,
            room=room,
            grid_code=room.building.grid.code,
            inspector=actor,
            at=at,
            tenants=rows,
            checks={code: checks[code] for code, _label in d["rental_checks"]},
            notices={code: True for code, _label in d["notices"]},
            signer_name=signer_name.strip()[:50],
            status=InspectionStatus.HAZARDS if issues else InspectionStatus.PASSED,
            note=(note or "")[:500],
        )
        if issues:
            Hazard.objects.bulk_create(
                [
                    Hazard(
                        inspection=inspection,
                        item=code,
                        description=dict(d["rental_checks"])[code],
                        deadline=timezone.localdate(at) + dt.timedelta(days=7),
                    )
                    for code in issues
                ]
            )
        _store(inspection, [], png, letter)
        event(
            actor,
            f"inspect_{kind}",
            "room",
            room.code,
            inspection=inspection.pk,
            tenants=len(rows),
            unregistered=len(unregistered),
        )
    return inspection


def visible_inspections(user: Any) -> QuerySet[Inspection]:
    return Inspection.objects.filter(scope_for(user).q("grid_code"))


def access_inspection(user: Any, inspection_id: Any) -> Inspection:
    try:
        pk = int(inspection_id)
    except (TypeError, ValueError):
        pk = -1
    found = (
        visible_inspections(user)
        .select_related("venue", "room", "building", "inspector")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise GridworkNotFound(_("未找到检查记录。"))
    return found


# -- overdue rectification → case -------------------------------------------------------------------


# One sweep handles at most this many overdue hazards (the worker goes again while it is full).
SWEEP_HAZARDS = 500


def sweep_overdue(today: dt.date | None = None) -> int:
    """Open hazards past their deadline become cases (once: the hazard's id is the case's key)."""
    from jiceng.cases.actions import check_submit_case
    from jiceng.cases.models import Channel

    today = today or timezone.localdate()
    made = 0
    due = Hazard.objects.filter(status=HazardStatus.OPEN, deadline__lt=today).select_related(
        "inspection__venue", "inspection__room", "inspection__building", "inspection__inspector"
    )
    for hazard in due.order_by("deadline", "pk")[:SWEEP_HAZARDS]:
        inspection = hazard.inspection
        venue = inspection.venue
        place = venue.name if venue is not None else inspection.building.address
        with transaction.atomic():
            # Claimed with compare-and-set: two sweeps never raise two cases for one hazard.
            if not Hazard.objects.filter(pk=hazard.pk, status=HazardStatus.OPEN).update(
                status=HazardStatus.ESCALATED
            ):
                continue
            case = check_submit_case(
                inspection.inspector,
                title=_("逾期未整改：%(place)s") % {"place": place},
                description=_("%(place)s 的隐患“%(what)s”整改期限 %(deadline)s 已过，复查仍未整改。")
                % {"place": place, "what": hazard.description, "deadline": hazard.deadline.isoformat()},
                channel=Channel.PATROL,
                type_code=VENUE_CASE_TYPE if venue is not None else RENTAL_CASE_TYPE,
                location_code=(inspection.room.code if inspection.room else inspection.building.code),
                idempotency_key=f"hazard:{hazard.pk}",
            )
            Hazard.objects.filter(pk=hazard.pk).update(case=case)
            event(None, "hazard_overdue", "hazard", hazard.pk, case=case.pk)
            made += 1
    return made
