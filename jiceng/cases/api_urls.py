from django.urls import path, re_path

from jiceng.cases import api, assignment_views

_ACTIONS = "|".join(api.API_ACTIONS)

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("cases/assigned/", assignment_views.AssignedCasesView.as_view(), name="api-cases-assigned"),
    path("cases/<int:case_id>/assign/", assignment_views.CaseAssignView.as_view(), name="api-case-assign"),
    path("cases/<int:case_id>/", api.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:case_id>/events/", api.CaseEventsView.as_view(), name="api-case-events"),
    re_path(
        rf"^cases/(?P<case_id>[0-9]+)/(?P<action>{_ACTIONS})/$",
        api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path("catalogue/types/", api.EventTypeListView.as_view(), name="api-catalogue-types"),
]
