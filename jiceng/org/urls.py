from django.urls import path

from jiceng.org import views

app_name = "org"
urlpatterns = [
    path("people/", views.people_list, name="people"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("duty/", views.duty, name="duty"),
]
