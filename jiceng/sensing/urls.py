from django.urls import path, re_path

from jiceng.sensing import views

app_name = "sensing"
urlpatterns = [
    path("", views.device_list, name="devices"),
    path("alarms/", views.alarm_desk, name="alarms"),
    path("alarms/<int:alarm_id>/", views.alarm_detail, name="alarm"),
    re_path(r"^alarms/(?P<alarm_id>[0-9]+)/(?P<verb>acknowledge|clear)/$", views.alarm_act, name="alarm-act"),
    path("<str:device_id>/", views.device_detail, name="device"),
]
