from django.urls import path

from jiceng.triage import api

urlpatterns = [
    path("triage/suggest/", api.SuggestView.as_view(), name="triage-suggest"),
    path("triage/flags/", api.FlagsView.as_view(), name="triage-flags"),
    path("triage/reply-quality/", api.ReplyQualityView.as_view(), name="triage-reply-quality"),
    path("triage/hot/", api.HotTopicsView.as_view(), name="triage-hot"),
]
