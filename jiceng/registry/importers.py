"""``jiceng import records|people|entities FILE``.

- ``records`` (ARCHITECTURE.md): source, record_id, kind (person|entity), name, id_number, uscc, phone,
  address, observed_at — departments' rows, kept as received, linked later by ``jiceng link``.
- ``people``: id_number, name, phone, care_tags (separated by ; or 、), room_code, relation
  (owner|tenant|family|employee|resident) — a verified roster (e.g. after a door-to-door survey).
- ``entities``: uscc, name, kind (company|individual|social|institution|other), legal_representative,
  industry, phone, room_code.

All three are row-level: valid rows are kept, invalid ones listed with their reasons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.core.importing import ImportReport, RowError, read_rows
from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone, validate_resident_id
from jiceng.places.models import Room
from jiceng.registry.actions import _birth_date, _event, _utf8_path, do_import_records
from jiceng.registry.models import (
    CareTag,
    EntityKind,
    EntityLocation,
    LegalEntity,
    Occupancy,
    Person,
    Relation,
)


class RowLevelReport(ImportReport):
    partial = True

    def summary(self) -> str:
        return _("%(file)s：共 %(rows)s 行，新增 %(c)s，更新 %(u)s，拒收 %(e)s。") % {
            "file": self.file,
            "rows": self.rows,
            "c": self.created,
            "u": self.updated,
            "e": len(self.errors),
        }


def import_records(path: Path, source: str = "", **_options: Any) -> ImportReport:
    return do_import_records(Path(path), source)


def _room(code: str, errors: list[tuple[str, str]]) -> Room | None:
    if not code:
        return None
    room = Room.objects.filter(code=code).first()
    if room is None:
        errors.append(("room_code", _("房屋编码“%(c)s”不存在") % {"c": code}))
    return room


def import_people(path: Path, **_options: Any) -> ImportReport:
    path = Path(path)
    readable, _enc = _utf8_path(path)
    report = RowLevelReport(kind="people", file=path.name)
    with transaction.atomic():
        for number, row in read_rows(readable, ["id_number", "name"]):
            report.rows += 1
            errors: list[tuple[str, str]] = []
            if "__error__" in row:
                report.errors.append(RowError(path.name, number, "*", row["__error__"]))
                continue
            try:
                resident = validate_resident_id(row["id_number"])
            except IdentityError as exc:
                errors.append(("id_number", str(exc)))
                resident = None
            phone = ""
            if row.get("phone"):
                try:
                    phone = validate_phone(row["phone"])
                except IdentityError as exc:
                    errors.append(("phone", str(exc)))
            tags = [t.strip() for t in row.get("care_tags", "").replace("、", ";").split(";") if t.strip()]
            bad = [t for t in tags if t not in CareTag.values]
            if bad:
                errors.append(("care_tags", _("未知的关爱标签：%(t)s") % {"t": "、".join(bad)}))
            relation = row.get("relation") or Relation.RESIDENT
            if relation not in Relation.values:
                errors.append(("relation", _("关系“%(r)s”无效") % {"r": relation}))
            if not row.get("name"):
                errors.append(("name", _("姓名不能为空")))
            room = _room(row.get("room_code", ""), errors)
            if errors or resident is None:
                report.errors += [RowError(path.name, number, c, r) for c, r in errors]
                continue
            person, created = Person.objects.get_or_create(
                id_number=resident.number,
                defaults={"name": row["name"], "birth_date": resident.birth_date, "sex": resident.sex},
            )
            person.name = row["name"]
            person.care_tags = sorted(set(person.care_tags) | set(tags))
            if phone and phone not in person.phones:
                person.phones = [phone, *person.phones][:5]
            person.birth_date = person.birth_date or _birth_date(resident.number)
            person.save()
            if (
                room is not None
                and not Occupancy.objects.filter(person=person, room=room, ended_on=None).exists()
            ):
                Occupancy.objects.create(person=person, room=room, relation=relation, source="people import")
            report.created += int(created)
            report.updated += int(not created)
        _event(None, "import_people", "file", path.name, created=report.created, updated=report.updated)
    return report


def import_entities(path: Path, **_options: Any) -> ImportReport:
    path = Path(path)
    readable, _enc = _utf8_path(path)
    report = RowLevelReport(kind="entities", file=path.name)
    with transaction.atomic():
        for number, row in read_rows(readable, ["uscc", "name"]):
            report.rows += 1
            errors: list[tuple[str, str]] = []
            if "__error__" in row:
                report.errors.append(RowError(path.name, number, "*", row["__error__"]))
                continue
            code = ""
            try:
                code = validate_credit_code(row["uscc"])
            except IdentityError as exc:
                errors.append(("uscc", str(exc)))
            if not row.get("name"):
                errors.append(("name", _("名称不能为空")))
            kind = row.get("kind") or EntityKind.COMPANY
            if kind not in EntityKind.values:
                errors.append(("kind", _("类型“%(k)s”无效") % {"k": kind}))
            room = _room(row.get("room_code", ""), errors)
            if errors:
                report.errors += [RowError(path.name, number, c, r) for c, r in errors]
                continue
            entity, created = LegalEntity.objects.update_or_create(
                uscc=code,
                defaults={
                    "name": row["name"],
                    "kind": kind,
                    "legal_representative": row.get("legal_representative", ""),
                    "industry": row.get("industry", ""),
                    "phone": row.get("phone", ""),
                },
            )
            if room is not None:
                EntityLocation.objects.get_or_create(
                    entity=entity, room=room, ended_on=None, defaults={"source": "entities import"}
                )
            report.created += int(created)
            report.updated += int(not created)
        _event(None, "import_entities", "file", path.name, created=report.created, updated=report.updated)
    return report


IMPORTERS = {"records": import_records, "people": import_people, "entities": import_entities}
