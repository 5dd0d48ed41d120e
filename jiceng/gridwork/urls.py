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
    path("venues/", views.venues, name="venues"),
    path("venues/<int:venue_id>/", views.venue, name="venue"),
    path("venues/<int:venue_id>/plate/", views.venue_plate, name="plate"),
    path("venues/<int:venue_id>/inspect/", views.inspect_venue, name="inspect-venue"),
    path("venues/q/<str:token>/", views.venue_by_qr, name="venue-qr"),
    path("inspections/rental/", views.inspect_rental, name="inspect-rental"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection"),
    path("key-persons/", views.key_persons, name="key-persons"),
    path("key-persons/<int:key_person_id>/", views.key_person, name="key-person"),
]
