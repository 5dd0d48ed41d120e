from django.contrib import admin

from jiceng.party import models

for model in (
    models.PartyOrg,
    models.PartyMember,
    models.ServicePost,
    models.DualRegistration,
    models.ServiceRecord,
    models.Pairing,
    models.Commitment,
    models.Delivery,
    models.WishCard,
    models.BuildingHead,
    models.VisitPlan,
    models.Visit,
    models.VanguardTeam,
    models.CallUp,
    models.Compound,
    models.BoardSeat,
    models.Meeting,
    models.Decision,
):
    admin.site.register(model)


@admin.register(models.PartyEvent)
class PartyEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "verb", "subject_type", "subject_id", "division")
    list_filter = ("verb",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
