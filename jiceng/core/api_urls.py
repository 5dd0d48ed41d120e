from django.urls import path

from jiceng.core.calendar_api import DaysView, DeadlineView

urlpatterns = [
    path("calendar/deadline", DeadlineView.as_view(), name="calendar-deadline"),
    path("calendar/days", DaysView.as_view(), name="calendar-days"),
]
