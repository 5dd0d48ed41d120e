from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from jiceng.mediation.models import (
    ConsultSlot,
    Dispute,
    DisputeKind,
    LegalAidApplication,
    LegalQuestion,
    RiskRule,
    RiskRuleChange,
)


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    """Editing a rule writes a ``RiskRuleChange`` with the values before and after."""

    list_display = ["code", "name", "severity", "weight", "enabled", "updated_at"]
    list_filter = ["severity", "enabled"]

    def save_model(self, request: HttpRequest, obj: RiskRule, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = RiskRule.objects.get(pk=obj.pk).as_dict() if change and obj.pk else {}
            super().save_model(request, obj, form, change)
            RiskRuleChange.objects.create(
                user=request.user if request.user.is_authenticated else None,
                rule_code=obj.code,
                action="update" if change else "create",
                before=before,
                after=obj.as_dict(),
            )

    def delete_model(self, request: HttpRequest, obj: RiskRule) -> None:
        with transaction.atomic():
            RiskRuleChange.objects.create(
                user=request.user if request.user.is_authenticated else None,
                rule_code=obj.code,
                action="delete",
                before=obj.as_dict(),
                after={},
            )
            super().delete_model(request, obj)


@admin.register(RiskRuleChange)
class RiskRuleChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "rule_code", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DisputeKind)
class DisputeKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-only here: disputes change only through their actions (and their audit trail)."""

    list_display = ["id", "kind", "source", "risk", "status", "level", "grid_code", "created_at"]
    list_filter = ["risk", "status", "source", "kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register([LegalQuestion, ConsultSlot, LegalAidApplication])
