"""Reference data of mediation from the shipped YAML: dispute kinds and the risk rules' database copy.

Used by the data migration (with historical models) and by ``restore`` after a flushed test database.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

KINDS_FILE = Path(__file__).with_name("data") / "kinds.yaml"


@cache
def kinds_data() -> dict[str, Any]:
    return yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8"))


def seed(dispute_kind: Any, risk_rule: Any) -> None:
    """Create missing kinds and rules; existing rows (maybe edited in the admin) are kept."""
    from jiceng.mediation.grading import default_data

    have = set(dispute_kind.objects.values_list("code", flat=True))
    for order, kind in enumerate(kinds_data()["kinds"]):
        if kind["code"] not in have:
            dispute_kind.objects.create(
                code=kind["code"],
                name=kind["name"],
                agencies=kind["agencies"],
                lead=kind["lead"],
                order=order,
            )
    have = set(risk_rule.objects.values_list("code", flat=True))
    for order, rule in enumerate(default_data()["rules"]):
        if rule["code"] not in have:
            risk_rule.objects.create(
                code=rule["code"],
                name=rule["name"],
                severity=rule.get("severity", "medium"),
                weight=int(rule.get("weight", 1)),
                patterns="\n".join(rule["patterns"]),
                sentence_exclude=rule.get("sentence_exclude", ""),
                order=order,
            )


def restore() -> None:
    from jiceng.mediation.models import DisputeKind, RiskRule

    seed(DisputeKind, RiskRule)
