from django.urls import path

from jiceng.party import staffpages as sp
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
    path("staff/manage/", sp.manage, name="manage"),
    path("staff/orgs/new/", sp.org_new, name="org_new"),
    path("staff/orgs/<int:pk>/", sp.org_edit, name="org_edit"),
    path("staff/members/new/", sp.member_new, name="member_new"),
    path("staff/members/<int:pk>/", sp.member_edit, name="member_edit"),
    path("staff/heads/new/", sp.head_new, name="head_new"),
    path("staff/heads/<int:pk>/end/", sp.head_end, name="head_end"),
    path("staff/pairings/new/", sp.pairing_new, name="pairing_new"),
    path("staff/compounds/new/", sp.compound_form, name="compound_new"),
    path("staff/compounds/<int:pk>/", sp.compound_form, name="compound_edit"),
    path("staff/teams/new/", sp.team_form, name="team_new"),
    path("staff/teams/<int:pk>/", sp.team_form, name="team_edit"),
    path("staff/rota/", sp.rota, name="rota"),
    path("staff/service/<int:pk>/", views.confirm_service, name="confirm_service"),
    path("staff/proposals/<int:pk>/<str:verb>/", views.proposal_act, name="proposal_act"),
    path("staff/meetings/", views.create_meeting, name="create_meeting"),
    path("staff/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("staff/meetings/<int:pk>/<str:verb>/", views.meeting_act, name="meeting_act"),
]
