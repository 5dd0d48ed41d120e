from django.urls import path

from jiceng.gridwork import api

urlpatterns = [
    path("gridwork/patrol-checklist/", api.PatrolChecklistView.as_view(), name="api-patrol-checklist"),
    path("gridwork/patrol/sync/", api.PatrolSyncView.as_view(), name="api-patrol-sync"),
    path("gridwork/patrols/", api.PatrolListView.as_view(), name="api-patrols"),
    path(
        "gridwork/patrol-coverage/summary/",
        api.PatrolCoverageSummaryView.as_view(),
        name="api-patrol-coverage-summary",
    ),
    path("gridwork/patrol-coverage/", api.PatrolCoverageView.as_view(), name="api-patrol-coverage"),
    path("gridwork/grids/<str:code>/patrol-due/", api.PatrolDueView.as_view(), name="api-patrol-due"),
    path("gridwork/grids/<str:code>/patrol-plan/", api.PatrolPlanView.as_view(), name="api-patrol-plan"),
    path("gridwork/collection-schema/", api.CollectionSchemaView.as_view(), name="api-collection-schema"),
    path("gridwork/collection-drafts/", api.CollectionDraftListView.as_view(), name="api-collection-drafts"),
    path(
        "gridwork/collection-drafts/<int:draft_id>/",
        api.CollectionDraftView.as_view(),
        name="api-collection-draft",
    ),
    path(
        "gridwork/collection-drafts/<int:draft_id>/submit/",
        api.CollectionSubmitView.as_view(),
        name="api-collection-submit",
    ),
    path("gridwork/venues/", api.VenueListView.as_view(), name="api-venues"),
    path(
        "gridwork/venues/<int:venue_id>/inspections/",
        api.VenueInspectionsView.as_view(),
        name="api-venue-inspections",
    ),
    path("gridwork/rental-inspections/", api.RentalInspectionView.as_view(), name="api-rental-inspections"),
    path(
        "gridwork/inspections/<int:inspection_id>/",
        api.InspectionDetailView.as_view(),
        name="api-inspection-detail",
    ),
    path("gridwork/key-persons/", api.KeyPersonListView.as_view(), name="api-key-persons"),
    path(
        "gridwork/key-persons/<int:key_person_id>/",
        api.KeyPersonDetailView.as_view(),
        name="api-key-person-detail",
    ),
    path(
        "gridwork/key-persons/<int:key_person_id>/visits/",
        api.KeyPersonVisitsView.as_view(),
        name="api-key-person-visits",
    ),
]
