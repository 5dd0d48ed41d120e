from django.urls import include, path
from rest_framework.routers import SimpleRouter

from jiceng.org import api

router = SimpleRouter()
router.register("people", api.PersonViewSet, basename="org-person")
router.register("units", api.UnitViewSet, basename="org-unit")

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("org/", include(router.urls)),
]
