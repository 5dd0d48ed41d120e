from django.urls import path

from jiceng.community import api, map_api

urlpatterns = [
    path("community/me/", api.MeView.as_view(), name="community-me"),
    path("community/requests/", api.RequestsView.as_view(), name="community-requests"),
    path("community/bookings/", api.BookingsView.as_view(), name="community-bookings"),
    path("community/slots/<int:pk>/book/", api.BookSlotView.as_view(), name="community-book"),
    path("community/rewards/<int:pk>/redeem/", api.RedeemView.as_view(), name="community-redeem"),
    path("community/map/base/", map_api.BaseLayerView.as_view(), name="community-map-base"),
    path("community/map/resolve/", map_api.ResolveView.as_view(), name="community-map-resolve"),
    path("community/map/nearby/", map_api.NearbyView.as_view(), name="community-map-nearby"),
    path("community/map/suggest/", map_api.SuggestView.as_view(), name="community-map-suggest"),
    path("community/issues/", map_api.IssuesView.as_view(), name="community-issues"),
    path("community/issues/<str:number>/", map_api.IssueView.as_view(), name="community-issue"),
    path(
        "community/issues/<str:number>/support/",
        map_api.SupportView.as_view(),
        name="community-issue-support",
    ),
]
