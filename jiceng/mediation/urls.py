from django.urls import path, re_path

from jiceng.mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("disputes/", views.dispute_list, name="list"),
    path("disputes/new/", views.new_dispute, name="new"),
    path("disputes/<int:dispute_id>/", views.dispute_page, name="dispute"),
    path("disputes/<int:dispute_id>/agreement.docx", views.agreement_file, name="agreement"),
    re_path(
        r"^disputes/(?P<dispute_id>[0-9]+)/(?P<action>raise_risk|schedule_session|record_session|draft_agreement|signed|record_outcome|escalate)/$",
        views.dispute_action,
        name="act",
    ),
    re_path(
        r"^tasks/(?P<task_id>[0-9]+)/(?P<action>accept|record|complete)/$", views.task_action, name="task"
    ),
    path("follow-ups/<int:follow_up_id>/", views.follow_up_action, name="follow_up"),
    path("high-risk/", views.high_risk, name="high_risk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("legal/", views.legal_home, name="legal"),
    path("legal/questions/<int:question_id>/", views.legal_question, name="legal_question"),
    path("legal/aid/<int:aid_id>/", views.legal_aid, name="legal_aid"),
]
