from django.urls import path

from jiceng.triage import views

app_name = "triage"
urlpatterns: list = [
    path("live/", views.live_page, name="live"),
]
