from django.urls import path

from jiceng.party import api

urlpatterns = [
    path("party/orgs/", api.OrgsView.as_view(), name="party-orgs"),
    path("party/members/", api.MembersView.as_view(), name="party-members"),
    path("party/me/", api.MeView.as_view(), name="party-me"),
    path("party/posts/", api.PostsView.as_view(), name="party-posts"),
    path("party/registrations/", api.RegistrationsView.as_view(), name="party-registrations"),
    path("party/registrations/<int:pk>/service/", api.ServiceView.as_view(), name="party-service"),
    path("party/service/<int:pk>/confirm/", api.ConfirmServiceView.as_view(), name="party-service-confirm"),
    path("party/pairings/", api.PairingsView.as_view(), name="party-pairings"),
    path("party/pairings/<int:pk>/", api.PairingDetailView.as_view(), name="party-pairing"),
    path("party/pairings/<int:pk>/commitments/", api.CommitmentsView.as_view(), name="party-commitments"),
    path("party/commitments/<int:pk>/deliveries/", api.DeliveriesView.as_view(), name="party-deliveries"),
    path("party/wishes/", api.WishesView.as_view(), name="party-wishes"),
    path("party/wishes/<int:pk>/review/", api.WishReviewView.as_view(), name="party-wish-review"),
    path("party/wishes/<int:pk>/claim/", api.WishClaimView.as_view(), name="party-wish-claim"),
    path("party/wishes/<int:pk>/fulfil/", api.WishFulfilView.as_view(), name="party-wish-fulfil"),
    path("party/wishes/<int:pk>/confirm/", api.WishConfirmView.as_view(), name="party-wish-confirm"),
    path("party/buildings/", api.MyBuildingsView.as_view(), name="party-buildings"),
    path("party/buildings/<str:code>/", api.BuildingView.as_view(), name="party-building"),
    path(
        "party/buildings/<str:code>/notices/", api.BuildingNoticeView.as_view(), name="party-building-notice"
    ),
    path(
        "party/buildings/<str:code>/report/", api.BuildingReportView.as_view(), name="party-building-report"
    ),
    path("party/buildings/<str:code>/duties/", api.DutyView.as_view(), name="party-building-duty"),
    path("party/visits/<int:pk>/", api.VisitView.as_view(), name="party-visit"),
    path("party/callups/", api.CallUpsView.as_view(), name="party-callups"),
    path("party/callups/<int:pk>/reply/", api.CallUpReplyView.as_view(), name="party-callup-reply"),
    path("party/callups/<int:pk>/checkin/", api.CallUpCheckInView.as_view(), name="party-callup-checkin"),
    path("party/teams/", api.TeamsView.as_view(), name="party-teams"),
    path("party/rota/", api.RotaView.as_view(), name="party-rota"),
    path("party/compounds/", api.CompoundsView.as_view(), name="party-compounds"),
    path("party/compounds/<int:pk>/seats/", api.SeatsView.as_view(), name="party-compound-seats"),
    path("party/meetings/", api.MeetingsView.as_view(), name="party-meetings"),
    path("party/decisions/", api.DecisionsView.as_view(), name="party-decisions"),
    path(
        "party/meetings/<int:pk>/decisions/",
        api.MeetingDecisionsView.as_view(),
        name="party-meeting-decisions",
    ),
    path("party/compounds/<int:pk>/cases/", api.CompoundCasesView.as_view(), name="party-compound-cases"),
    path("party/figures/", api.FiguresView.as_view(), name="party-figures"),
]
