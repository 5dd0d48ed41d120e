from typing import Any

from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "jiceng.mediation"
    label = "mediation"
    verbose_name = "矛盾调处"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jiceng.cases.models import Case
        from jiceng.mediation.grading import forget_rules
        from jiceng.mediation.models import RiskRule

        post_save.connect(_case_saved, sender=Case, dispatch_uid="mediation_case_saved")
        post_save.connect(forget_rules, sender=RiskRule, dispatch_uid="mediation_rule_saved")
        post_delete.connect(forget_rules, sender=RiskRule, dispatch_uid="mediation_rule_deleted")


def _case_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new case of a family or neighbour dispute type opens a dispute in the same transaction.

    A failure here must never lose the case: it runs in a savepoint and is logged."""
    if not created or kwargs.get("raw"):
        return
    import logging

    from django.db import transaction

    from jiceng.mediation.actions import dispute_from_case

    try:
        with transaction.atomic():
            dispute_from_case(instance)
    except Exception:  # noqa: BLE001 — the case stands; the dispute can be registered by hand
        logging.getLogger(__name__).exception("could not open a dispute for case %s", instance.pk)
