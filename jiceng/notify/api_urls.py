from django.urls import path

from jiceng.notify import api

urlpatterns = [
    path("notify/messages/", api.MessagesView.as_view(), name="notify-messages"),
    path("notify/messages/unread/", api.UnreadView.as_view(), name="notify-unread"),
    path("notify/messages/<int:pk>/read/", api.ReadView.as_view(), name="notify-read"),
    path("notify/messages/read-all/", api.ReadAllView.as_view(), name="notify-read-all"),
    path("notify/preferences/", api.PreferencesView.as_view(), name="notify-preferences"),
]
