from django.urls import path

from jiceng.community import api

urlpatterns = [
    path("community/me/", api.MeView.as_view(), name="community-me"),
    path("community/requests/", api.RequestsView.as_view(), name="community-requests"),
    path("community/bookings/", api.BookingsView.as_view(), name="community-bookings"),
    path("community/slots/<int:pk>/book/", api.BookSlotView.as_view(), name="community-book"),
    path("community/rewards/<int:pk>/redeem/", api.RedeemView.as_view(), name="community-redeem"),
]
