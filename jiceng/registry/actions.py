"""Every change to the block data goes through these functions (check_* validates and checks scope,
do_* writes with its audit row in one transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.core.exceptions import NotFound
from jiceng.core.importing import ImportFileError, ImportReport, RowError, read_rows
from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone, validate_resident_id
from jiceng.org.access import access_room
from jiceng.org.scopes import scope_for
from jiceng.places.models import Grid, Room
from jiceng.registry import cleaning, linkage
from jiceng.registry.addressing import AddressIndex, Match, match_with_places
from jiceng.registry.exceptions import OutsideScope, RegistryError, TaskClosed
from jiceng.registry.models import (
    EntityLocation,
    ImportBatch,
    LegalEntity,
    Link,
    LinkStatus,
    Occupancy,
    Person,
    RecordKind,
    RegistryEvent,
    Relation,
    Source,
    SourceRecord,
    TaskKind,
    TaskStatus,
    VerificationTask,
)

logger = logging.getLogger(__name__)

RECORD_COLUMNS = [
    "source",
    "record_id",
    "kind",
    "name",
    "id_number",
    "uscc",
    "phone",
    "address",
    "observed_at",
]
COLLECTION_SOURCE = "网格采集"


def _event(
    actor: Any, verb: str, subject_type: str, subject_id: Any, room_code: str = "", **data: Any
) -> None:
    RegistryEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        subject_type=subject_type,
        subject_id=str(subject_id),
        room_code=room_code,
        data=data,
    )


# --- import -----------------------------------------------------------------------------------------


def parse_date(text: str) -> dt.date:
    return cleaning.parse_date(text)


def _utf8_path(path: Path) -> tuple[Path, str]:
    """GBK/GB18030 exports are common: read them when they decode cleanly, otherwise refuse clearly."""
    if path.suffix.lower() not in (".csv", ".txt") or not path.exists():
        return path, ""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return path, ""
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("%(name)s 既不是 UTF-8 也不是 GBK 编码，无法读取；请另存为“CSV UTF-8”或 .xlsx 后再导入。")
            % {"name": path.name}
        )
    tmp = Path(tempfile.mkdtemp(prefix="jiceng-import-")) / path.name
    tmp.write_text(text, encoding="utf-8")
    return tmp, "GBK"


@dataclass
class RecordsReport(ImportReport):
    """Row-level import: valid rows are kept, invalid ones listed; ``partial`` tells the CLI so."""

    batch_id: int | None = None
    warnings: list[RowError] = field(default_factory=list)
    encoding: str = "UTF-8"
    partial: bool = True

    def summary(self) -> str:
        return _(
            "%(file)s（%(enc)s）：共 %(rows)s 行，接收 %(created)s，重复 %(skipped)s，拒收 %(errors)s，提示 %(warnings)s。"
        ) % {
            "file": self.file,
            "enc": self.encoding,
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def validate_record_row(
    row: dict[str, str], source_name: str
) -> tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]]]:
    """Clean one records row. Returns (clean values, errors, warnings) as (column, reason) lists.

    A dirty field never loses the record: a real person's record with a mistyped phone, an ID number
    with a wrong check digit, an unreadable date or no name is kept, the field flagged (a warning,
    stored on the record and in the import report), and linkage works on the rest. Only a row whose
    department is unknown or contradicts ``--source`` is refused: filing it under the wrong
    department would be worse than asking for the file again.
    """
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    clean: dict[str, Any] = {"source": row.get("source", "").strip() or source_name}
    if row.get("source") and source_name and row["source"].strip() != source_name:
        errors.append(
            (
                "source",
                _("来源“%(row)s”与 --source“%(arg)s”不一致") % {"row": row["source"], "arg": source_name},
            )
        )
    if not clean["source"]:
        errors.append(("source", _("来源为空：请在文件中填写 source 列，或用 --source 指明")))
    clean["record_id"] = cleaning.fold(row.get("record_id", ""))
    if not clean["record_id"]:
        # The content's digest stands in for the missing number, so importing the file again adds nothing.
        clean["record_id"] = "~" + _digest(row)[:20]
        warnings.append(("record_id", _("记录号为空，已按内容生成")))
    elif len(clean["record_id"]) > 64:
        clean["record_id"] = clean["record_id"][:43] + "~" + _digest(row)[:20]
        warnings.append(("record_id", _("记录号超过 64 个字符，已截短")))
    code = cleaning.fold(row.get("uscc", "")).upper().replace(" ", "")
    kind = row.get("kind", "").strip().lower()
    if kind not in (RecordKind.PERSON, RecordKind.ENTITY):
        guessed = RecordKind.ENTITY if code else RecordKind.PERSON
        warnings.append(
            (
                "kind",
                _("类型应为 person 或 entity，实为“%(v)s”；按 %(g)s 处理")
                % {"v": row.get("kind", ""), "g": guessed},
            )
        )
        kind = guessed
    clean["kind"] = kind
    clean["name"] = cleaning.fold(row.get("name", ""))[:200]
    if not clean["name"]:
        warnings.append(("name", _("名称/姓名为空")))
    number, upgraded = cleaning.clean_id(row.get("id_number", ""))
    clean["id_number"] = number[:18]
    if upgraded:
        warnings.append(("id_number", _("15 位旧身份证号码，已转为 18 位")))
    if number:
        try:
            validate_resident_id(number)
        except IdentityError as exc:
            if cleaning.id_body_ok(number) and linkage._birth(number) and "校验" in str(exc):
                warnings.append(("id_number", str(exc) + _("（已保留，关联时容错）")))
            else:
                warnings.append(("id_number", str(exc) + _("（已保留，按姓名、电话、地址关联）")))
    clean["uscc"] = code[:18]
    if code:
        try:
            validate_credit_code(code)
        except IdentityError as exc:
            warnings.append(("uscc", str(exc) + _("（已保留）")))
    phone = row.get("phone", "").strip()
    clean["phone"] = ""
    if phone:
        digits = cleaning.clean_phone(phone)
        try:
            clean["phone"] = validate_phone(digits)
        except IdentityError as exc:
            clean["phone"] = digits[:20]
            warnings.append(("phone", str(exc) + _("（已保留）")))
    clean["address"] = cleaning.fold(row.get("address", ""))[:300]
    observed = row.get("observed_at", "").strip()
    clean["observed_at"] = None
    if observed:
        try:
            clean["observed_at"] = parse_date(observed)
            if clean["observed_at"] > timezone.localdate() + dt.timedelta(days=1):
                clean["observed_at"] = None
                warnings.append(("observed_at", _("日期“%(v)s”晚于今天，已留空") % {"v": observed}))
        except ValueError:
            warnings.append(("observed_at", _("日期“%(v)s”无法识别，已留空") % {"v": observed}))
    return clean, errors, warnings


def _digest(row: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(row, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def do_import_records(path: Path, source_name: str, actor: Any = None, chunk: int = 5000) -> RecordsReport:
    """Import a department's records. Idempotent: a row already received (same source, record id and
    content) is skipped, so importing the same file twice adds nothing."""
    path = Path(path)
    readable, encoding = _utf8_path(path)
    report = RecordsReport(kind="records", file=path.name, encoding=encoding or "UTF-8")
    sources: dict[str, Source] = {}

    def source_named(name: str) -> Source:
        if name not in sources:
            sources[name] = Source.objects.get_or_create(name=name[:64])[0]
        return sources[name]

    source = source_named(source_name) if source_name else None
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    rows = read_rows(readable, RECORD_COLUMNS)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=source, file_name=path.name[:255], sha256=sha, created_by=actor
        )
        pending: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        seen_in_file: set[tuple[str, str, str]] = set()

        def flush() -> None:
            ids = [c["record_id"] for _, _, c in pending]
            existing = set(
                SourceRecord.objects.filter(record_id__in=ids).values_list(
                    "source__name", "record_id", "digest"
                )
            )
            new: list[SourceRecord] = []
            for _number, raw, clean in pending:
                digest = _digest(raw)
                name = clean.pop("source")
                key = (name, clean["record_id"], digest)
                if key in existing or key in seen_in_file:
                    report.skipped += 1
                    continue
                seen_in_file.add(key)
                new.append(
                    SourceRecord(source=source_named(name), batch=batch, raw=raw, digest=digest, **clean)
                )
            SourceRecord.objects.bulk_create(new, batch_size=2000)
            report.created += len(new)
            pending.clear()

        for number, raw in rows:
            report.rows += 1
            if "__error__" in raw:
                report.errors.append(RowError(path.name, number, "*", raw["__error__"]))
                continue
            clean, errors, warnings = validate_record_row(raw, source_name)
            for column, reason in errors:
                report.errors.append(RowError(path.name, number, column, reason))
            for column, reason in warnings:
                report.warnings.append(RowError(path.name, number, column, reason))
            if not errors:
                clean["flags"] = [{"column": c, "reason": r} for c, r in warnings]
                pending.append((number, raw, clean))
                if len(pending) >= chunk:
                    flush()
        flush()
        batch.rows = report.rows
        batch.accepted = report.created
        batch.duplicates = report.skipped
        batch.rejected = len(report.errors)
        batch.errors = [
            {"row": e.row, "column": e.column, "reason": e.reason, "level": "error"} for e in report.errors
        ] + [
            {"row": e.row, "column": e.column, "reason": e.reason, "level": "warning"}
            for e in report.warnings
        ]
        batch.save(update_fields=["rows", "accepted", "duplicates", "rejected", "errors"])
        _event(
            actor,
            "import",
            "batch",
            batch.pk,
            source=source_name or ",".join(sorted(sources)),
            file=path.name,
            accepted=report.created,
        )
    report.batch_id = batch.pk
    return report


# --- linkage ----------------------------------------------------------------------------------------


@dataclass
class LinkSummary:
    records: int = 0
    persons: int = 0
    entities: int = 0
    linked: int = 0
    review: int = 0
    unmatched: int = 0
    rooms_matched: int = 0
    tasks: int = 0
    seconds: float = 0.0


def _match_address(index: AddressIndex, text: str) -> Match:
    found = index.match(text)
    if found.room_code is None and text:
        other = match_with_places(text)
        if other is not None and (found.building_code is None or other.room_code):
            return other
    return found


def _valid_uscc(code: str) -> bool:
    if not code:
        return False
    try:
        validate_credit_code(code)
    except IdentityError:
        return False
    return True


def _birth_date(number: str) -> dt.date | None:
    b = linkage._birth(number)
    if not b:
        return None
    try:
        return dt.date(int(b[:4]), int(b[4:6]), int(b[6:]))
    except ValueError:
        return None


def do_link(actor: Any = None, progress: Callable[[str], None] | None = None) -> LinkSummary:
    """Link every record to a person or entity and a room; open verification tasks for doubts."""
    import time

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    summary = LinkSummary()
    index = AddressIndex.from_db()
    rooms_by_code = {}
    fields = (
        "pk",
        "kind",
        "name",
        "id_number",
        "uscc",
        "phone",
        "address",
        "observed_at",
        "source__name",
        "record_id",
    )
    rows = list(SourceRecord.objects.values_list(*fields).order_by("pk").iterator(chunk_size=5000))
    summary.records = len(rows)
    say(f"{len(rows)} 条记录")
    matches = [_match_address(index, r[6]) for r in rows]
    wanted = {m.room_code for m in matches if m.room_code}
    for chunk_start in range(0, len(wanted), 5000):
        codes = list(wanted)[chunk_start : chunk_start + 5000]
        rooms_by_code.update(
            {room.code: room for room in Room.objects.filter(code__in=codes).select_related("building__grid")}
        )
    summary.rooms_matched = sum(1 for m in matches if m.room_code in rooms_by_code)

    person_idx = [i for i, r in enumerate(rows) if r[1] == RecordKind.PERSON]
    records = [
        linkage.Record(
            name=rows[i][2],
            id_number=rows[i][3],
            phone=rows[i][5],
            room_code=matches[i].room_code or "",
            building_code=matches[i].building_code or "",
            options=matches[i].options,
            source=rows[i][8] or "",
        )
        for i in person_idx
    ]
    result = linkage.link(records)
    say(f"人员关联：{result.pairs_scored} 对候选")
    # An address naming the building but not the room takes the room the person's other records (or
    # the household's phone) give; one that fits several buildings, the building the person lives in.
    person_rooms = linkage.fill_rooms(records, result)
    resolved = list({code for code in person_rooms if code and code not in rooms_by_code})
    for chunk_start in range(0, len(resolved), 5000):
        codes = resolved[chunk_start : chunk_start + 5000]
        rooms_by_code.update(
            {room.code: room for room in Room.objects.filter(code__in=codes).select_related("building__grid")}
        )

    with transaction.atomic():
        Link.objects.all().delete()
        links: list[Link] = []
        clusters: dict[int, list[int]] = defaultdict(list)
        for local in range(len(person_idx)):
            clusters[result.cluster[local]].append(local)
        person_of_local: dict[int, Person] = {}
        existing_by_id = {}
        valid_ids = {
            records[loc].id_number
            for members in clusters.values()
            for loc in members
            if records[loc].id_valid
        }
        id_list = list(valid_ids)
        for s in range(0, len(id_list), 5000):
            existing_by_id.update(
                {p.id_number: p for p in Person.objects.filter(id_number__in=id_list[s : s + 5000])}
            )
        existing_by_key = {
            p.cluster_key: p
            for p in Person.objects.exclude(cluster_key="").only("pk", "cluster_key", "id_number")
        }
        to_create: list[tuple[list[int], Person]] = []
        to_update: list[Person] = []
        used_ids: set[str] = set()
        for _root, members in sorted(clusters.items(), key=lambda kv: -len(kv[1])):
            if len(members) == 1 and result.status[members[0]] == linkage.UNMATCHED:
                continue
            ids = Counter(records[m].id_number for m in members if records[m].id_valid)
            names = Counter(records[m].name for m in members if records[m].name)
            id_number = ids.most_common(1)[0][0] if ids else ""
            if id_number in used_ids:
                # Another cluster already holds this ID number (two people claiming one ID): the
                # conflict task asks a grid worker; this cluster stays a person without an ID.
                id_number = ""
            used_ids.add(id_number)
            key = "P" + (id_number or f"R{rows[person_idx[min(members)]][0]}")
            person = existing_by_id.get(id_number) if id_number else None
            person = person or existing_by_key.get(key)
            name = names.most_common(1)[0][0] if names else ""
            phones = [
                p for p, _n in Counter(records[m].phone for m in members if records[m].phone).most_common(5)
            ]
            values = {
                "id_number": id_number,
                "name": name[:64],
                "other_names": sorted(set(names) - {name})[:10],
                "phones": phones,
                "birth_date": _birth_date(id_number),
                "sex": records[members[0]].sex if id_number else "",
                "cluster_key": key,
            }
            if person is None:
                person = Person(**values)
                to_create.append((members, person))
            else:
                for attr, value in values.items():
                    setattr(person, attr, value)
                to_update.append(person)
            for m in members:
                person_of_local[m] = person
        Person.objects.bulk_create([p for _m, p in to_create], batch_size=2000)
        if to_update:
            Person.objects.bulk_update(
                to_update,
                ["id_number", "name", "other_names", "phones", "birth_date", "sex", "cluster_key"],
                batch_size=2000,
            )
        summary.persons = len(to_create) + len(to_update)

        occupancy_rooms: dict[int, dict[str, dt.date | None]] = defaultdict(dict)
        for local, i in enumerate(person_idx):
            person = person_of_local.get(local)
            room = rooms_by_code.get(person_rooms[local])
            status = result.status[local]
            score = (
                1.0 if (status == linkage.LINKED and result.score[local] < -50) else result.probability(local)
            )
            links.append(
                Link(
                    record_id=rows[i][0],
                    person=person,
                    room=room,
                    building_code=room.building.code if room else (matches[i].building_code or ""),
                    address_score=matches[i].score,
                    cluster_key=person.cluster_key if person else f"R{rows[i][0]}",
                    score=round(score, 4),
                    status=status,
                )
            )
            if person is not None and room is not None:
                seen = occupancy_rooms[person.pk]
                observed = rows[i][7]
                if room.code not in seen or (
                    observed and (seen[room.code] is None or observed > seen[room.code])
                ):  # type: ignore[operator]
                    seen[room.code] = observed

        # Entities: one per valid credit code. A record whose code fails its check (or has none) is
        # the entity of the same name — the one at the same room or building when several share it —
        # and otherwise an entity of its own name without a code (never filed under a bad code).
        entity_idx = [i for i, r in enumerate(rows) if r[1] == RecordKind.ENTITY]
        entities: dict[str, LegalEntity] = {}
        by_uscc = {e.uscc: e for e in LegalEntity.objects.exclude(uscc="")}
        by_name = {e.name: e for e in LegalEntity.objects.filter(uscc="")}
        entity_names: dict[str, set[str]] = defaultdict(set)  # normalised name → entity keys
        entity_places: dict[str, set[str]] = defaultdict(set)  # entity key → room and building codes
        for e in by_uscc.values():
            entity_names[cleaning.clean_name(e.name)].add("C" + e.uscc)
        for key_code, room_code in (
            EntityLocation.objects.filter(ended_on=None)
            .exclude(entity__uscc="")
            .values_list("entity__uscc", "room__code")
        ):
            entity_places["C" + key_code] |= {room_code, room_code[:19]}
        new_entities: list[LegalEntity] = []
        entity_rooms: dict[str, set[str]] = defaultdict(set)
        key_of: dict[int, str] = {}
        valid_code = {i: _valid_uscc(rows[i][4]) for i in entity_idx}
        for i in sorted(entity_idx, key=lambda i: not valid_code[i]):  # valid codes first
            pk, _k, name, _idn, code, phone = rows[i][:6]
            here = {c for c in (matches[i].room_code, matches[i].building_code) if c}
            if valid_code[i]:
                key = "C" + code
            else:
                same_name = entity_names.get(cleaning.clean_name(name), set())
                if len(same_name) > 1:
                    same_name = {k for k in same_name if entity_places[k] & here}
                key = next(iter(same_name)) if len(same_name) == 1 else "N" + name
            key_of[i] = key
            entity = entities.get(key)
            if entity is None:
                entity = by_uscc.get(key[1:]) if key[0] == "C" else by_name.get(key[1:])
            if entity is None:
                entity = LegalEntity(uscc=key[1:] if key[0] == "C" else "", name=name[:200], phone=phone)
                new_entities.append(entity)
            entities[key] = entity
            if key[0] == "C":
                entity_names[cleaning.clean_name(name)].add(key)
                entity_places[key] |= here
            if matches[i].room_code in rooms_by_code:
                entity_rooms[key].add(matches[i].room_code)  # type: ignore[arg-type]
        LegalEntity.objects.bulk_create(new_entities, batch_size=2000)
        summary.entities = len(entities)
        for i in entity_idx:
            entity = entities[key_of[i]]
            room = rooms_by_code.get(matches[i].room_code or "")
            links.append(
                Link(
                    record_id=rows[i][0],
                    entity=entity,
                    room=room,
                    building_code=matches[i].building_code or "",
                    address_score=matches[i].score,
                    cluster_key=f"E{entity.pk}",
                    score=1.0 if valid_code[i] else 0.9,
                    status=LinkStatus.LINKED,
                )
            )
        Link.objects.bulk_create(links, batch_size=2000)
        existing_locations = set(
            EntityLocation.objects.filter(ended_on=None).values_list("entity_id", "room__code")
        )
        EntityLocation.objects.bulk_create(
            [
                EntityLocation(entity=entities[key], room=rooms_by_code[code], source="linkage")
                for key, codes in entity_rooms.items()
                for code in codes
                if (entities[key].pk, code) not in existing_locations
            ],
            batch_size=2000,
        )

        # Occupancy: the latest room is current; earlier rooms are history. Two rooms reported within
        # half a year of each other are a conflict for the grid worker.
        existing_occ = set(Occupancy.objects.filter(ended_on=None).values_list("person_id", "room__code"))
        new_occ: list[Occupancy] = []
        tasks: dict[str, VerificationTask] = {}
        for person_pk, seen in occupancy_rooms.items():
            ordered = sorted(seen.items(), key=lambda kv: kv[1] or dt.date.min, reverse=True)
            latest_code, latest_at = ordered[0]
            for code, observed in ordered:
                current = code == latest_code
                if (person_pk, code) in existing_occ:
                    continue
                new_occ.append(
                    Occupancy(
                        person_id=person_pk,
                        room=rooms_by_code[code],
                        started_on=observed,
                        ended_on=None if current else (latest_at or observed),
                        source="linkage",
                    )
                )
            recent = [c for c, at in ordered[1:] if at and latest_at and (latest_at - at).days < 180]
            if recent:
                room = rooms_by_code[latest_code]
                tasks[f"room:{person_pk}"] = VerificationTask(
                    kind=TaskKind.ROOM_CONFLICT,
                    grid=room.building.grid,
                    room=room,
                    person_id=person_pk,
                    title=_("同一人半年内登记在多处房屋，请核实现居住地"),
                    details={"rooms": [latest_code, *recent]},
                    key=f"room:{person_pk}",
                )
        Occupancy.objects.bulk_create(new_occ, batch_size=2000)

        def task_for_pair(kind: str, a: int, b: int, score: float | None, title: str) -> None:
            ra, rb = rows[person_idx[a]], rows[person_idx[b]]
            key = f"{kind}:{min(ra[0], rb[0])}:{max(ra[0], rb[0])}"
            room = rooms_by_code.get(matches[person_idx[a]].room_code or "") or rooms_by_code.get(
                matches[person_idx[b]].room_code or ""
            )
            person = person_of_local.get(a) or person_of_local.get(b)
            tasks[key] = VerificationTask(
                kind=kind,
                grid=room.building.grid if room else None,
                room=room,
                person=person,
                title=title,
                details={
                    "records": [
                        {
                            "source": r[8],
                            "record_id": r[9],
                            "name": r[2],
                            "id_number": r[3],
                            "phone": r[5],
                            "address": r[6],
                        }
                        for r in (ra, rb)
                    ],
                    "probability": None if score is None else round(linkage.probability(score), 3),
                },
                key=key,
            )

        for a, b, pair_score in result.review_pairs:
            task_for_pair(TaskKind.REVIEW, a, b, pair_score, _("两条记录疑似同一人，请上门核实"))
        for a, b in result.id_conflicts:
            task_for_pair(TaskKind.ID_CONFLICT, a, b, None, _("两人登记同一身份证号或身份证号冲突，请核实"))
        known = set(VerificationTask.objects.filter(key__in=list(tasks)).values_list("key", flat=True))
        fresh = [t for k, t in tasks.items() if k not in known]
        VerificationTask.objects.bulk_create(fresh, batch_size=2000)
        summary.tasks = len(fresh)
        counts = Counter(link.status for link in links)
        summary.linked, summary.review, summary.unmatched = (
            counts["linked"],
            counts["review"],
            counts["unmatched"],
        )
        summary.seconds = round(time.perf_counter() - started, 2)
        _event(actor, "link", "run", timezone.now().isoformat(), **vars(summary))
    return summary


# --- verification tasks -----------------------------------------------------------------------------


def visible_tasks(user: Any) -> Any:
    return VerificationTask.objects.filter(scope_for(user).q("grid__code")).select_related(
        "grid", "room", "person"
    )


def access_task(user: Any, task_id: int) -> VerificationTask:
    task = visible_tasks(user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("未找到核实任务。"))
    return task


def check_resolve_task(user: Any, task_id: int, outcome: str, note: str = "") -> VerificationTask:
    task = access_task(user, task_id)
    if outcome not in (TaskStatus.CONFIRMED, TaskStatus.CORRECTED, TaskStatus.REJECTED):
        raise RegistryError(_("核实结果应为 confirmed、corrected 或 rejected"))
    if outcome == TaskStatus.CORRECTED and not note.strip():
        raise RegistryError(_("更正时请写明更正内容"))
    return do_resolve_task(user, task, outcome, note)


def do_resolve_task(user: Any, task: VerificationTask, outcome: str, note: str) -> VerificationTask:
    with transaction.atomic():
        # Compare-and-set: two workers resolving the same task cannot both succeed.
        updated = VerificationTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=outcome, note=note, resolved_by=user, resolved_at=timezone.now()
        )
        if updated != 1:
            raise TaskClosed(_("该任务已处理。"))
        _event(user, f"task_{outcome}", "task", task.pk, task.room.code if task.room else "", note=note)
    task.refresh_from_db()
    return task


# --- door-to-door collection ------------------------------------------------------------------------


def check_collect_person(
    user: Any,
    room_code: str,
    name: str,
    id_number: str = "",
    phone: str = "",
    relation: str = Relation.RESIDENT,
    care_tags: list[str] | None = None,
) -> Occupancy:
    room = access_room(user, room_code)
    name = name.strip()
    if not name:
        raise RegistryError(_("姓名不能为空"))
    try:
        resident = validate_resident_id(id_number) if id_number.strip() else None
        phone = validate_phone(phone) if phone.strip() else ""
    except IdentityError as exc:
        raise RegistryError(str(exc))
    if relation not in Relation.values:
        raise RegistryError(_("关系无效"))
    return do_collect_person(
        user, room, name, resident.number if resident else "", phone, relation, care_tags or []
    )


def lives_in_scope(user: Any, person: Person) -> bool:
    """The person has a current home inside the user's scope: only then may the user's writes name
    them (add them to a room, change their phones or care tags)."""
    return Occupancy.objects.filter(scope_for(user).q("room__code"), person=person, ended_on=None).exists()


def _refuse_outsider(user: Any, room: Room, person: Person, relation: str) -> None:
    """Refuse a collection that names a person living elsewhere, and ask the grid of their current
    home (or, with none, the collector's own grid) to verify the move; the collector learns neither
    who the person is nor where they live. The task is written in its own transaction, so the refusal
    does not roll it back."""
    current = (
        Occupancy.objects.filter(person=person, ended_on=None)
        .select_related("room__building__grid")
        .order_by("pk")
        .first()
    )
    home = current.room if current is not None else None
    grid = home.building.grid if home is not None else room.building.grid
    with transaction.atomic():
        VerificationTask.objects.get_or_create(
            key=f"move:{person.pk}:{room.code}",
            defaults={
                "kind": TaskKind.ROOM_CONFLICT,
                "grid": grid,
                "room": home,
                "person": person,
                "title": _("有网格员报告此人已迁入其他房屋，请核实现居住地"),
                "details": {"reported_room": room.code, "relation": relation},
            },
        )
        _event(user, "collect_refused", "person", person.pk, room.code)
    raise OutsideScope(
        _("该身份证号的人员不在您的辖区居住，不能在此直接登记；已转其现居地网格核实迁出后再采集。")
    )


def do_collect_person(
    user: Any, room: Room, name: str, id_number: str, phone: str, relation: str, care_tags: list[str]
) -> Occupancy:
    existing = Person.objects.filter(id_number=id_number).first() if id_number else None
    if existing is not None and not lives_in_scope(user, existing):
        # Adding them here would open their record to this collector's one-key lookup and let the
        # collector rewrite their phones and care tags although they live in another street.
        _refuse_outsider(user, room, existing, relation)
    with transaction.atomic():
        person = Person.objects.filter(id_number=id_number).first() if id_number else None
        if person is not None and not lives_in_scope(user, person):
            raise OutsideScope(_("该身份证号的人员不在您的辖区居住，不能在此直接登记。"))
        if person is None:
            person = Person.objects.create(
                id_number=id_number,
                name=name,
                phones=[phone] if phone else [],
                birth_date=_birth_date(id_number),
                sex=("M" if int(id_number[16]) % 2 else "F") if id_number else "",
                care_tags=care_tags,
            )
        else:
            if phone and phone not in person.phones:
                person.phones = [phone, *person.phones][:5]
            if name != person.name and name not in person.other_names:
                person.other_names = [*person.other_names, name]
            person.care_tags = sorted(set(person.care_tags) | set(care_tags))
            person.save(update_fields=["phones", "other_names", "care_tags", "updated_at"])
        occupancy = Occupancy.objects.filter(person=person, room=room, ended_on=None).first()
        if occupancy is None:
            occupancy = Occupancy.objects.create(
                person=person,
                room=room,
                relation=relation,
                started_on=timezone.localdate(),
                source=COLLECTION_SOURCE,
            )
        _event(user, "collect_person", "person", person.pk, room.code, relation=relation)
    return occupancy


def check_end_occupancy(user: Any, occupancy_id: int) -> Occupancy:
    occupancy = Occupancy.objects.select_related("room").filter(pk=occupancy_id, ended_on=None).first()
    if occupancy is None or not scope_for(user).covers(occupancy.room.code):
        raise NotFound(_("未找到居住记录。"))
    with transaction.atomic():
        occupancy.ended_on = timezone.localdate()
        occupancy.save(update_fields=["ended_on"])
        _event(user, "end_occupancy", "occupancy", occupancy.pk, occupancy.room.code)
    return occupancy


def check_collect_entity(
    user: Any, room_code: str, name: str, uscc: str = "", legal_representative: str = ""
) -> EntityLocation:
    room = access_room(user, room_code)
    if not name.strip():
        raise RegistryError(_("名称不能为空"))
    try:
        code = validate_credit_code(uscc) if uscc.strip() else ""
    except IdentityError as exc:
        raise RegistryError(str(exc))
    with transaction.atomic():
        entity = LegalEntity.objects.filter(uscc=code).first() if code else None
        if entity is None:
            entity = LegalEntity.objects.create(
                uscc=code, name=name.strip(), legal_representative=legal_representative
            )
        location, _c = EntityLocation.objects.get_or_create(
            entity=entity,
            room=room,
            ended_on=None,
            defaults={"source": COLLECTION_SOURCE, "started_on": timezone.localdate()},
        )
        _event(user, "collect_entity", "entity", entity.pk, room.code)
    return location


def check_patrol_report(user: Any, code: str, text: str) -> dict[str, Any]:
    """A grid worker's patrol report at a room, building or grid becomes a case through the case actions."""
    from jiceng.org.access import access_building, access_grid
    from jiceng.registry import hooks

    if not text.strip():
        raise RegistryError(_("请填写巡查情况"))
    {25: access_room, 19: access_building, 14: access_grid}.get(len(code), access_room)(user, code)
    created = hooks.report_case(user, code, text.strip())
    _event(
        user, "patrol_report", "place", code, code if len(code) == 25 else "", case=created.get("number", "")
    )
    return created


def grids_of(user: Any) -> Any:
    return Grid.objects.filter(scope_for(user).q("code")).select_related("community").order_by("code")
