"""``jiceng import devices FILE``: CSV (UTF-8) or .xlsx, all or nothing, a Chinese row report.

Columns: ``device_id, kind, location_code, lat, lng, name, contacts`` (required header), and optional
``person_id_number`` (the wearer in the registry), ``care_worker`` (a username), ``installed_on``
(YYYY-MM-DD). ``contacts`` is ``姓名:手机号;姓名:手机号``. A device id already known is updated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction

from jiceng.core.importing import ImportReport, RowError, read_rows

COLUMNS = ["device_id", "kind", "location_code", "lat", "lng", "name", "contacts"]
OPTIONAL = ["person_id_number", "care_worker", "installed_on"]


def _float(text: str, column: str, problems: list[tuple[str, str]]) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        problems.append((column, "应为数字"))
        return None


def import_devices(path: Path, source: str = "", stdout: Any = None, **_: Any) -> ImportReport:
    from jiceng.org.models import User
    from jiceng.registry.models import Person
    from jiceng.sensing.actions import SensingError, do_register_device, locate_device, parse_contacts
    from jiceng.sensing.models import DeviceKind

    path = Path(path)
    report = ImportReport(kind="devices", file=path.name)
    kinds = {k.code: k for k in DeviceKind.objects.all()}
    kinds.update({k.name: k for k in kinds.values()})
    ready: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, row in read_rows(path, COLUMNS):
        report.rows += 1
        if "__error__" in row:
            report.errors.append(RowError(path.name, number, "*", row["__error__"]))
            continue
        problems: list[tuple[str, str]] = []
        device_id = row["device_id"].strip()
        if not device_id:
            problems.append(("device_id", "不能为空"))
        elif len(device_id) > 64 or "/" in device_id or "+" in device_id or "#" in device_id:
            problems.append(("device_id", "不超过 64 个字符，且不能含 / + #"))
        elif device_id in seen:
            problems.append(("device_id", "文件中重复"))
        seen.add(device_id)
        kind = kinds.get(row["kind"].strip())
        if kind is None:
            problems.append(
                (
                    "kind",
                    f"未知的设备类型“{row['kind']}”（可用：{'、'.join(sorted(k for k in kinds if k.isascii()))}）",
                )
            )
        lat = _float(row["lat"], "lat", problems)
        lng = _float(row["lng"], "lng", problems)
        located = None
        if not [p for p in problems if p[0] in ("lat", "lng")]:
            try:
                located = locate_device(row["location_code"], lat, lng)
            except SensingError as exc:
                problems.append(("location_code", exc.message))
        try:
            contacts = parse_contacts(row["contacts"])
        except SensingError as exc:
            problems.append(("contacts", exc.message))
            contacts = []
        person = None
        if row.get("person_id_number", "").strip():
            person = Person.objects.filter(id_number=row["person_id_number"].strip().upper()).first()
            if person is None:
                problems.append(("person_id_number", "人口库中没有此身份证号"))
        care_worker = None
        if row.get("care_worker", "").strip():
            care_worker = User.objects.filter(username=row["care_worker"].strip(), is_active=True).first()
            if care_worker is None:
                problems.append(("care_worker", f"没有用户“{row['care_worker']}”"))
        installed_on = None
        if row.get("installed_on", "").strip():
            try:
                installed_on = dt.date.fromisoformat(row["installed_on"].strip())
            except ValueError:
                problems.append(("installed_on", "日期应为 YYYY-MM-DD"))
        for column, reason in problems:
            report.errors.append(RowError(path.name, number, column, reason))
        if not problems:
            ready.append(
                {
                    "device_id": device_id,
                    "kind": kind,
                    "location_code": row["location_code"].strip(),
                    "lat": lat,
                    "lng": lng,
                    "name": row["name"].strip(),
                    "contacts": contacts,
                    "person": person,
                    "care_worker": care_worker,
                    "installed_on": installed_on,
                    "located": located,
                }
            )
    if report.errors:
        return report
    with transaction.atomic():
        for values in ready:
            device_id = values.pop("device_id")
            kind = values.pop("kind")
            _device, created = do_register_device(device_id, kind, **values)
            if created:
                report.created += 1
            else:
                report.updated += 1
    return report


IMPORTERS = {"devices": import_devices}
