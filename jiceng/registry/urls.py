from django.urls import path

from jiceng.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.index, name="index"),
    path("lookup/", views.lookup_page, name="lookup"),
    path("p/<str:code>/", views.place, name="place"),
    path("p/<str:code>/collect/", views.collect_person, name="collect_person"),
    path("p/<str:code>/entity/", views.collect_entity, name="collect_entity"),
    path("p/<str:code>/patrol/", views.patrol, name="patrol"),
    path("occupancy/<int:occupancy_id>/end/", views.end_occupancy, name="end_occupancy"),
    path("tasks/", views.tasks, name="tasks"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:batch_id>/errors.csv", views.batch_errors, name="batch_errors"),
    path("tasks/<int:task_id>/", views.task, name="task"),
]
