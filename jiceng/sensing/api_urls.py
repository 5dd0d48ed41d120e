from django.urls import path

from jiceng.sensing import api

urlpatterns = [
    path("sensing/ingest/", api.IngestView.as_view(), name="api-sensing-ingest"),
    path("sensing/devices/", api.DeviceListView.as_view(), name="api-sensing-devices"),
    path("sensing/devices/<str:device_id>/", api.DeviceDetailView.as_view(), name="api-sensing-device"),
    path("sensing/alarms/", api.AlarmListView.as_view(), name="api-sensing-alarms"),
    path("sensing/alarms/<int:alarm_id>/", api.AlarmDetailView.as_view(), name="api-sensing-alarm"),
    path(
        "sensing/alarms/<int:alarm_id>/acknowledge/",
        api.AlarmAcknowledgeView.as_view(),
        name="api-sensing-alarm-acknowledge",
    ),
    path(
        "sensing/alarms/<int:alarm_id>/clear/", api.AlarmClearView.as_view(), name="api-sensing-alarm-clear"
    ),
]
