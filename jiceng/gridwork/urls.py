from django.urls import path

from jiceng.gridwork import views

app_name = "gridwork"
urlpatterns = [
    path("", views.home, name="home"),
    path("patrol/", views.patrol, name="patrol"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("grids/<str:code>/plan/", views.plan_page, name="plan"),
    path("collect/", views.collect_home, name="collect"),
    path("collect/drafts/<int:draft_id>/", views.collect_draft, name="draft"),
]
