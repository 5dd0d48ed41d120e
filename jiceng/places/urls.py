from django.urls import path

from jiceng.places import views

app_name = "places"
urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("division/<str:code>/", views.division, name="division"),
    path("grid/<str:code>/", views.grid, name="grid"),
    path("building/<str:code>/", views.building, name="building"),
    path("room/<str:code>/", views.room, name="room"),
]
