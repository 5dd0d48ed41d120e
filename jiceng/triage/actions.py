"""Every change of triage's state: sensitive rules and model builds, each with its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiceng.triage.models import SensitiveRule, TriageEvent

RULE_FIELDS = [
    "name",
    "kind",
    "pattern",
    "near",
    "exclude",
    "sentence_exclude",
    "window",
    "negatable",
    "weight",
    "enabled",
    "note",
]


def do_save_rule(actor: Any, rule: SensitiveRule, changed: list[str] | None = None) -> SensitiveRule:
    """Create or update a rule (already validated by its form) and record who changed what."""
    with transaction.atomic():
        created = rule.pk is None
        rule.full_clean()
        rule.save()
        TriageEvent.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            verb=TriageEvent.Verb.RULE_CREATED if created else TriageEvent.Verb.RULE_CHANGED,
            detail={"rule": rule.name, "fields": changed or [], "pattern": rule.pattern},
        )
    return rule


def do_delete_rule(actor: Any, rule: SensitiveRule) -> None:
    with transaction.atomic():
        TriageEvent.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            verb=TriageEvent.Verb.RULE_DELETED,
            detail={"rule": rule.name, "pattern": rule.pattern},
        )
        rule.delete()


def do_record_model_build(actor: Any, detail: dict[str, Any]) -> None:
    TriageEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, verb=TriageEvent.Verb.MODEL_BUILT, detail=detail
    )


def seed_rules(rule_model: Any = SensitiveRule) -> int:
    """Insert the shipped rules that are missing (by name); existing rows, perhaps edited, are kept."""
    from jiceng.triage.sensitive import default_data

    have = set(rule_model.objects.values_list("name", flat=True))
    new = [
        rule_model(**{k: v for k, v in r.items() if k in RULE_FIELDS})
        for r in default_data()["rules"]
        if r["name"] not in have
    ]
    rule_model.objects.bulk_create(new)
    return len(new)
