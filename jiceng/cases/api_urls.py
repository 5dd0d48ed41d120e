from django.urls import path, re_path

from jiceng.cases import api

_ACTIONS = "|".join(api.API_ACTIONS)

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("cases/<int:case_id>/", api.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<int:case_id>/events/", api.CaseEventsView.as_view(), name="api-case-events"),
    re_path(
        rf"^cases/(?P<case_id>[0-9]+)/(?P<action>{_ACTIONS})/$",
        api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path("catalogue/types/", api.EventTypeListView.as_view(), name="api-catalogue-types"),
]
