from django.urls import re_path

from jiceng.open311 import views

app_name = "open311"
_FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^v2/discovery{_FMT}", views.discovery, name="discovery"),
    re_path(rf"^v2/services{_FMT}", views.services, name="services"),
    re_path(rf"^v2/services/(?P<service_code>[^/.]+){_FMT}", views.service_definition, name="service"),
    re_path(rf"^v2/requests{_FMT}", views.requests_view, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[^/.]+){_FMT}", views.request_detail, name="request"),
    re_path(rf"^v2/tokens/(?P<token>[^/.]+){_FMT}", views.token, name="token"),
]
