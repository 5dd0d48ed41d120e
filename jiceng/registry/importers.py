"""``jiceng import records|people|entities FILE``.

- ``records`` (ARCHITECTURE.md): source, record_id, kind (person|entity), name, id_number, uscc, phone,
  address, observed_at — departments' rows, kept as received, linked later by ``jiceng link``.
- ``people``: id_number, name, phone, care_tags (separated by ; or 、), room_code, relation
  (owner|tenant|family|employee|resident) — a verified roster (e.g. after a door-to-door survey).
- ``entities``: uscc, name, kind (company|individual|social|institution|other), legal_representative,
  industry, phone, room_code.

All three are row-level. ``records`` and ``people`` never lose a row for a dirty field: the field is
flagged (in the report, and on the record) and the row kept; only unreadable rows are refused.
``entities`` keeps a row whose credit code fails its check as a flagged record of the source 单位名录,
linked on its name and address; only a row without a name or with an unknown kind is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.core.importing import ImportReport, RowError, read_rows
from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone, validate_resident_id
from jiceng.places.models import Room
from jiceng.registry import cleaning
from jiceng.registry.actions import _birth_date, _digest, _event, _utf8_path, do_import_records
from jiceng.registry.models import (
    CareTag,
    EntityKind,
    EntityLocation,
    ImportBatch,
    LegalEntity,
    Link,
    LinkStatus,
    Occupancy,
    Person,
    RecordKind,
    Relation,
    Source,
    SourceRecord,
)


@dataclass
class RowLevelReport(ImportReport):
    partial = True
    warnings: list[RowError] = field(default_factory=list)  # rows kept with a flagged field

    def summary(self) -> str:
        return _("%(file)s：共 %(rows)s 行，新增 %(c)s，更新 %(u)s，拒收 %(e)s，提示 %(w)s。") % {
            "file": self.file,
            "rows": self.rows,
            "c": self.created,
            "u": self.updated,
            "e": len(self.errors),
            "w": len(self.warnings),
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


ROSTER_SOURCE = "人员名册"


def import_people(path: Path, **_options: Any) -> ImportReport:
    """A verified roster. A dirty field never loses the row: a bad phone, an unknown care tag or
    relation, a room code not in the library are flagged and the rest kept. A row whose ID number
    cannot be read (wrong check digit, too short) becomes a record of the source 人员名册 with its
    flags, linked to a person by ``jiceng link`` on its name, phone and room like any department's
    record (a person is never filed under an ID number that fails its check)."""
    path = Path(path)
    readable, _enc = _utf8_path(path)
    report = RowLevelReport(kind="people", file=path.name)
    batch: ImportBatch | None = None
    with transaction.atomic():
        for number, row in read_rows(readable, ["id_number", "name"]):
            report.rows += 1
            flags: list[tuple[str, str]] = []
            if "__error__" in row:
                report.errors.append(RowError(path.name, number, "*", row["__error__"]))
                continue
            id_number, upgraded = cleaning.clean_id(row["id_number"])
            if upgraded:
                flags.append(("id_number", _("15 位旧身份证号码，已转为 18 位")))
            try:
                resident = validate_resident_id(id_number)
            except IdentityError as exc:
                flags.append(("id_number", str(exc) + _("（已作为名册记录保留，待关联）")))
                resident = None
            phone = ""
            if row.get("phone"):
                try:
                    phone = validate_phone(cleaning.clean_phone(row["phone"]))
                except IdentityError as exc:
                    flags.append(("phone", str(exc) + _("（未写入）")))
            tags = [t.strip() for t in row.get("care_tags", "").replace("、", ";").split(";") if t.strip()]
            bad = [t for t in tags if t not in CareTag.values]
            if bad:
                flags.append(("care_tags", _("未知的关爱标签：%(t)s（未写入）") % {"t": "、".join(bad)}))
                tags = [t for t in tags if t in CareTag.values]
            relation = row.get("relation") or Relation.RESIDENT
            if relation not in Relation.values:
                flags.append(("relation", _("关系“%(r)s”无效，按居住处理") % {"r": relation}))
                relation = Relation.RESIDENT
            name = cleaning.fold(row.get("name", ""))[:64]
            if not name:
                flags.append(("name", _("姓名为空")))
            room_errors: list[tuple[str, str]] = []
            room = _room(cleaning.fold(row.get("room_code", "")), room_errors)
            flags += [(c, r + _("（未登记居住）")) for c, r in room_errors]
            report.warnings += [RowError(path.name, number, c, r) for c, r in flags]
            if resident is None:
                named = _the_person_named(name, phone, room)
                if named is None:
                    roster = Source.objects.get_or_create(name=ROSTER_SOURCE)[0]
                    if batch is None:
                        batch = ImportBatch.objects.create(source=roster, file_name=path.name[:255])
                    _kept_record(
                        batch,
                        roster,
                        number,
                        row,
                        room,
                        flags,
                        kind=RecordKind.PERSON,
                        name=name,
                        id_number=id_number[:18],
                        phone=phone,
                    )
                    report.created += 1
                    continue
                person, created = named, False
            else:
                person, created = Person.objects.get_or_create(
                    id_number=resident.number,
                    defaults={"name": name, "birth_date": resident.birth_date, "sex": resident.sex},
                )
            person.name = name or person.name
            person.care_tags = sorted(set(person.care_tags) | set(tags))
            if phone and phone not in person.phones:
                person.phones = [phone, *person.phones][:5]
            person.birth_date = person.birth_date or _birth_date(person.id_number)
            person.save()
            if (
                room is not None
                and not Occupancy.objects.filter(person=person, room=room, ended_on=None).exists()
            ):
                Occupancy.objects.create(person=person, room=room, relation=relation, source="people import")
            report.created += int(created)
            report.updated += int(not created)
        _close_batch(batch, report, "import_people", path.name)
    return report


def _close_batch(batch: ImportBatch | None, report: Any, action: str, file_name: str) -> None:
    """A finished import's batch row (rows, records accepted, flagged fields) and its audit event."""
    if batch is not None:
        batch.rows = report.rows
        batch.accepted = SourceRecord.objects.filter(batch=batch).count()
        batch.errors = [
            {"row": e.row, "column": e.column, "reason": e.reason, "level": "warning"}
            for e in report.warnings
        ]
        batch.save(update_fields=["rows", "accepted", "errors"])
    _event(
        None,
        action,
        "file",
        file_name,
        created=report.created,
        updated=report.updated,
        flagged=len(report.warnings),
    )


def _the_person_named(name: str, phone: str, room: Room | None) -> Person | None:
    """The one person of this name who has this phone or lives in this room; None when none or several."""
    if not name or not (phone or room):
        return None
    found = [
        p
        for p in Person.objects.filter(name=name).prefetch_related("occupancies")
        if (phone and phone in p.phones)
        or (
            room is not None and any(o.room_id == room.pk and o.ended_on is None for o in p.occupancies.all())
        )
    ]
    return found[0] if len(found) == 1 else None


def _kept_record(
    batch: ImportBatch,
    source: Source,
    number: int,
    row: dict[str, str],
    room: Room | None,
    flags: list[tuple[str, str]],
    **fields: Any,
) -> SourceRecord:
    """A row kept as a record for linkage although a field failed its check (idempotent by content:
    the same row imported again returns the record it made). ``fields`` are the record's kind and the
    identifying values read from the row (name, ID number or credit code, phone)."""
    digest = _digest(row)
    existing = SourceRecord.objects.filter(source=source, digest=digest).first()
    if existing is not None:
        return existing
    return SourceRecord.objects.create(
        source=source,
        batch=batch,
        record_id=f"{batch.file_name[:40]}#{number}~{digest[:12]}"[:64],
        raw=row,
        digest=digest,
        address=f"{room.building.address}{room.room_no}" if room else "",
        flags=[{"column": c, "reason": r} for c, r in flags],
        **fields,
    )


ENTITY_ROSTER_SOURCE = "单位名录"


def _the_entity_named(name: str, room: Room | None) -> LegalEntity | None:
    """The one entity of this name (at this room, when one is given and several share the name)."""
    found = list(LegalEntity.objects.filter(name=name))
    if len(found) > 1 and room is not None:
        found = [e for e in found if e.locations.filter(room=room, ended_on=None).exists()]
    return found[0] if len(found) == 1 else None


def import_entities(path: Path, **_options: Any) -> ImportReport:
    """Entities by credit code. A row whose unified social credit code fails its check (a wrong check
    character, a mistyped letter, a wrong length) is still a real organisation: the row is kept as a
    record of the source 单位名录 with the field flagged (the code as written), linked now to the one
    entity of that name when there is one, and by ``jiceng link`` on its name and address otherwise.
    An entity is never filed under a code that fails its check. Only a row without a name or with an
    unknown kind is refused."""
    path = Path(path)
    readable, _enc = _utf8_path(path)
    report = RowLevelReport(kind="entities", file=path.name)
    batch: ImportBatch | None = None
    with transaction.atomic():
        for number, row in read_rows(readable, ["uscc", "name"]):
            report.rows += 1
            errors: list[tuple[str, str]] = []
            flags: list[tuple[str, str]] = []
            if "__error__" in row:
                report.errors.append(RowError(path.name, number, "*", row["__error__"]))
                continue
            written = cleaning.fold(row["uscc"]).upper().replace(" ", "")
            code = ""
            try:
                code = validate_credit_code(written)
            except IdentityError as exc:
                flags.append(("uscc", str(exc) + _("（已保留，按名称、地址关联）")))
            name = cleaning.fold(row.get("name", ""))[:200]
            if not name:
                errors.append(("name", _("名称不能为空")))
            kind = row.get("kind") or EntityKind.COMPANY
            if kind not in EntityKind.values:
                errors.append(("kind", _("类型“%(k)s”无效") % {"k": kind}))
            room = _room(row.get("room_code", ""), errors)
            if errors:
                report.errors += [RowError(path.name, number, c, r) for c, r in errors]
                continue
            values = {
                "name": name,
                "kind": kind,
                "legal_representative": row.get("legal_representative", ""),
                "industry": row.get("industry", ""),
                "phone": row.get("phone", ""),
            }
            entity: LegalEntity | None
            if code:
                entity, created = LegalEntity.objects.update_or_create(uscc=code, defaults=values)
            else:
                report.warnings += [RowError(path.name, number, c, r) for c, r in flags]
                source = Source.objects.get_or_create(name=ENTITY_ROSTER_SOURCE)[0]
                if batch is None:
                    batch = ImportBatch.objects.create(source=source, file_name=path.name[:255])
                record = _kept_record(
                    batch,
                    source,
                    number,
                    row,
                    room,
                    flags,
                    kind=RecordKind.ENTITY,
                    name=name,
                    uscc=written[:18],
                    phone=cleaning.clean_phone(row.get("phone", ""))[:20],
                )
                entity, created = _the_entity_named(name, room), False
                if entity is not None:
                    Link.objects.update_or_create(
                        record=record,
                        defaults={
                            "entity": entity,
                            "room": room,
                            "building_code": room.building.code if room else "",
                            "cluster_key": f"E{entity.pk}",
                            "score": 0.9,
                            "status": LinkStatus.LINKED,
                        },
                    )
                if entity is None:
                    report.created += 1  # kept as a record; ``jiceng link`` makes or finds its entity
                    continue
            if room is not None:
                EntityLocation.objects.get_or_create(
                    entity=entity, room=room, ended_on=None, defaults={"source": "entities import"}
                )
            report.created += int(created)
            report.updated += int(not created)
        _close_batch(batch, report, "import_entities", path.name)
    return report


IMPORTERS = {"records": import_records, "people": import_people, "entities": import_entities}
