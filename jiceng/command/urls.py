from django.urls import path

from jiceng.command import views

app_name = "command"
urlpatterns = [
    path("", views.home, name="home"),
    path("screen/", views.screen, name="screen"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation.xlsx", views.evaluation_xlsx, name="evaluation-xlsx"),
]
