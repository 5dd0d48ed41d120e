"""``jiceng import referrals FILE``: police (110) and court referrals into mediation, all or nothing.

Columns (CSV UTF-8 or .xlsx, header row): ``ref`` (the referral's own number), ``kind`` (a dispute kind
code), ``narrative``, ``grid_code`` or ``room_code``, and optionally ``source`` (police|court, default
police), ``applicant_name``, ``applicant_id_number``, ``applicant_phone``, ``applicant_person_id``,
``respondent_name``, ``respondent_id_number``, ``respondent_phone``, ``respondent_person_id``,
``relationship``, ``minors``, ``protection_order`` (1/是 when a protection order is on file).
Every row is checked through the same action as the referral form; one bad row and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from jiceng.core.importing import ImportReport, RowError, read_rows
from jiceng.mediation.actions import DisputeInput, PartyInput, check_create_dispute
from jiceng.mediation.exceptions import MediationError
from jiceng.mediation.models import Source

REQUIRED = ["ref", "kind", "narrative"]
TRUE = {"1", "true", "yes", "y", "是", "有"}


class _Rollback(Exception):
    pass


def _party(row: dict[str, str], prefix: str, role: str) -> PartyInput | None:
    name = row.get(f"{prefix}_name", "")
    person = row.get(f"{prefix}_person_id", "")
    if not (name or person):
        return None
    return PartyInput(
        name=name,
        role=role,
        relationship=row.get("relationship", "") or "other",
        id_number=row.get(f"{prefix}_id_number", ""),
        phone=row.get(f"{prefix}_phone", ""),
        person_id=int(person) if person.isdigit() else (person or None),  # type: ignore[arg-type]
    )


def import_referrals(path: Path, **_options: Any) -> ImportReport:
    path = Path(path)
    report = ImportReport(kind="referrals", file=path.name)
    try:
        with transaction.atomic():
            for number, row in read_rows(path, REQUIRED):
                report.rows += 1
                if "__error__" in row:
                    report.errors.append(RowError(path.name, number, "", row["__error__"]))
                    continue
                if not (row.get("grid_code") or row.get("room_code")):
                    report.errors.append(
                        RowError(path.name, number, "grid_code", "网格编码和房屋编码至少填一项")
                    )
                    continue
                source = row.get("source") or Source.POLICE
                if source not in (Source.POLICE, Source.COURT):
                    report.errors.append(RowError(path.name, number, "source", "来源应为 police 或 court"))
                    continue
                minors = row.get("minors") or "0"
                if not minors.isdigit():
                    report.errors.append(RowError(path.name, number, "minors", "应为非负整数"))
                    continue
                parties = [
                    p
                    for p in (
                        _party(row, "applicant", "applicant"),
                        _party(row, "respondent", "respondent"),
                    )
                    if p is not None
                ]
                data = DisputeInput(
                    kind=row["kind"],
                    source=source,
                    narrative=row["narrative"],
                    grid_code=row.get("grid_code", ""),
                    room_code=row.get("room_code", ""),
                    source_ref=row["ref"],
                    parties=parties,
                    minors=int(minors),
                    protection_order=(row.get("protection_order", "").strip().lower() in TRUE),
                )
                try:
                    with transaction.atomic():
                        check_create_dispute(None, data)
                    report.created += 1
                except MediationError as exc:
                    report.errors.append(RowError(path.name, number, _column(exc.code), exc.message))
            if report.errors:
                raise _Rollback
    except _Rollback:
        report.created = 0
    return report


def _column(code: str) -> str:
    return {
        "unknown_kind": "kind",
        "unknown_room": "room_code",
        "duplicate_ref": "ref",
        "unknown_party": "applicant_person_id",
    }.get(code, "")


IMPORTERS = {"referrals": import_referrals}
