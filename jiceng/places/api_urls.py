from django.urls import include, path
from rest_framework.routers import SimpleRouter

from jiceng.places import api

router = SimpleRouter()
router.register("divisions", api.DivisionViewSet, basename="places-division")
router.register("grids", api.GridViewSet, basename="places-grid")
router.register("buildings", api.BuildingViewSet, basename="places-building")
router.register("rooms", api.RoomViewSet, basename="places-room")

urlpatterns = [
    path("places/locate/", api.LocateView.as_view(), name="places-locate"),
    path("places/", include(router.urls)),
]
