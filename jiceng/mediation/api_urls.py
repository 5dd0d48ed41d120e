from django.urls import path, re_path

from jiceng.mediation import api, legal_api

_ACTIONS = "|".join(api.DISPUTE_ACTIONS)

urlpatterns = [
    path("mediation/disputes/", api.DisputeListView.as_view(), name="api-mediation-disputes"),
    path(
        "mediation/disputes/<int:dispute_id>/", api.DisputeDetailView.as_view(), name="api-mediation-dispute"
    ),
    path(
        "mediation/disputes/<int:dispute_id>/signed/",
        api.SignedCopyView.as_view(),
        name="api-mediation-signed",
    ),
    re_path(
        rf"^mediation/disputes/(?P<dispute_id>[0-9]+)/(?P<action>{_ACTIONS})/$",
        api.DisputeActionView.as_view(),
        name="api-mediation-dispute-action",
    ),
    re_path(
        r"^mediation/tasks/(?P<task_id>[0-9]+)/(?P<action>accept|record|complete)/$",
        api.TaskActionView.as_view(),
        name="api-mediation-task-action",
    ),
    path(
        "mediation/follow-ups/<int:follow_up_id>/", api.FollowUpView.as_view(), name="api-mediation-follow-up"
    ),
    path("mediation/figures/", api.FiguresView.as_view(), name="api-mediation-figures"),
    path("mediation/grade/", api.GradeView.as_view(), name="api-mediation-grade"),
    path("mediation/legal/questions/", legal_api.QuestionListView.as_view(), name="api-legal-questions"),
    path(
        "mediation/legal/questions/<int:question_id>/answer/",
        legal_api.AnswerView.as_view(),
        name="api-legal-answer",
    ),
    path("mediation/legal/slots/", legal_api.SlotListView.as_view(), name="api-legal-slots"),
    path("mediation/legal/slots/<int:slot_id>/book/", legal_api.BookView.as_view(), name="api-legal-book"),
    path("mediation/legal/aid/", legal_api.AidListView.as_view(), name="api-legal-aid"),
    path("mediation/legal/aid/<int:aid_id>/", legal_api.AidDetailView.as_view(), name="api-legal-aid-detail"),
    path(
        "mediation/legal/aid/<int:aid_id>/decide/",
        legal_api.AidDecideView.as_view(),
        name="api-legal-aid-decide",
    ),
]
