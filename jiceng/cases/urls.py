from django.urls import path, re_path

from jiceng.cases import assignment_views, bulk, views

app_name = "cases"
_ACTIONS = "|".join(views.PAGE_ACTIONS)

urlpatterns = [
    path("", views.case_list, name="list"),
    path("bulk/", bulk.bulk, name="bulk"),
    path("filters/", bulk.save_filter, name="save-filter"),
    path("filters/<int:filter_id>/delete/", bulk.delete_filter, name="delete-filter"),
    path("desk/", views.desk, name="desk"),
    path("desk/<int:case_id>/panel/", views.desk_panel, name="desk-panel"),
    path("inbox/", views.inbox, name="inbox"),
    path("supervision/", views.supervision, name="supervision"),
    path("evaluation/", views.evaluation_page, name="evaluation"),
    path("hotline/", views.hotline, name="hotline"),
    path("<int:case_id>/", views.case_detail, name="case"),
    path("<int:case_id>/assign/", assignment_views.assign_panel, name="assign"),
    path("mine/", assignment_views.my_cases, name="mine"),
    path("evaluation/people/", assignment_views.people_evaluation, name="evaluation-people"),
    re_path(rf"^(?P<case_id>[0-9]+)/act/(?P<action>{_ACTIONS})/$", views.act, name="act"),
]
