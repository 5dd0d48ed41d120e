from django.urls import path

from jiceng.registry import api

urlpatterns = [
    path("registry/lookup", api.LookupView.as_view(), name="registry-lookup"),
    path("registry/lookup/", api.LookupView.as_view()),
    path("registry/tasks/", api.TaskListView.as_view(), name="registry-tasks"),
    path(
        "registry/tasks/<int:task_id>/resolve/", api.TaskResolveView.as_view(), name="registry-task-resolve"
    ),
    path(
        "registry/rooms/<str:code>/people/", api.CollectPersonView.as_view(), name="registry-collect-person"
    ),
    path("registry/patrol/", api.PatrolView.as_view(), name="registry-patrol"),
]
