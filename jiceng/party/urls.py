from django.urls import path

from jiceng.party import views

app_name = "party"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("registrations/<int:pk>/service/", views.record_service, name="record_service"),
    path("callups/<int:pk>/", views.reply_callup, name="reply_callup"),
    path("wishes/", views.wishes, name="wishes"),
    path("wishes/<int:pk>/", views.wish, name="wish"),
    path("wishes/<int:pk>/<str:verb>/", views.wish_act, name="wish_act"),
    path("buildings/<str:code>/", views.building, name="building"),
    path("buildings/<str:code>/<str:verb>/", views.building_act, name="building_act"),
    path("pairings/<int:pk>/", views.pairing, name="pairing"),
    path("pairings/<int:pk>/<str:verb>/", views.pairing_act, name="pairing_act"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:pk>/done/", views.complete_task, name="complete_task"),
    path("staff/", views.staff, name="staff"),
    path("staff/service/<int:pk>/", views.confirm_service, name="confirm_service"),
    path("staff/meetings/", views.create_meeting, name="create_meeting"),
    path("staff/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("staff/meetings/<int:pk>/<str:verb>/", views.meeting_act, name="meeting_act"),
]
