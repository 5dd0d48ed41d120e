"""The shipped device kinds and their rules (``data/kinds.yaml``).

Loaded by the data migration (on historical models) and by :func:`ensure_defaults` for tests that
flush tables; afterwards the admin owns them. Existing rows are never overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "kinds.yaml"

RULE_FIELDS = (
    "measurement",
    "op",
    "value",
    "duration_s",
    "clear_value",
    "events",
    "clear_events",
    "minutes",
    "care_tag",
    "case_type",
    "notify_contacts",
    "registry_task",
)


def document() -> dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def load(kind_model: Any, rule_model: Any) -> int:
    """Create the missing kinds with their rules; return the number of kinds created."""
    created = 0
    for spec in document()["kinds"]:
        if kind_model.objects.filter(code=spec["code"]).exists():
            continue
        kind = kind_model.objects.create(
            code=spec["code"],
            name=spec["name"],
            measurements=spec.get("measurements") or [],
            events=spec.get("events") or [],
            offline_minutes=spec.get("offline_minutes", 30),
        )
        created += 1
        for rule in spec.get("rules") or []:
            values = {f: rule[f] for f in RULE_FIELDS if f in rule}
            rule_model.objects.create(
                kind=kind,
                alarm_type=rule["type"],
                name=rule["name"],
                condition=rule["condition"],
                severity=rule["severity"],
                **values,
            )
    return created


def ensure_defaults() -> int:
    from jiceng.sensing.models import DeviceKind, Rule

    return load(DeviceKind, Rule)
