from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from jiceng.core import health, uploads
from jiceng.core import views as core_views
from jiceng.org.auth import AdminLoginForm, LoginForm

admin.site.site_header = "基层智治平台 管理后台"
admin.site.site_title = "基层智治平台"
admin.site.index_title = "基础数据管理"
admin.site.login_form = AdminLoginForm  # the sign-in lockout's message on the admin login too

SWAGGER_CDN = "https://cdn.jsdelivr.net"

# Each app mounts its pages under its own prefix and its REST API under /api/v1/.
api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", core_views.ObtainTokenView.as_view(), name="api-token"),
    path("", include("jiceng.core.api_urls")),
    path("", include("jiceng.places.api_urls")),
    path("", include("jiceng.org.api_urls")),
    path("", include("jiceng.registry.api_urls")),
    path("", include("jiceng.cases.api_urls")),
    path("", include("jiceng.triage.api_urls")),
    path("", include("jiceng.community.api_urls")),
    path("", include("jiceng.sensing.api_urls")),
    path("", include("jiceng.mediation.api_urls")),
    path("", include("jiceng.gridwork.api_urls")),
    path("", include("jiceng.party.api_urls")),
    path("", include("jiceng.notify.api_urls")),
    path("", include("jiceng.command.api_urls")),
]

# A database outage answers 503 (JSON for the API), not "Server Error (500)".
handler500 = "jiceng.core.outage.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Browsers ask for /favicon.ico whatever the page says; answer instead of a 404 in every console.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("jiceng/favicon.svg"))),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The JavaScript catalogue (djangojs.po) for the few labels scripts draw themselves.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI comes from its CDN and loads its start script from this same URL (?script), so the
    # policy widens for this page only and still forbids inline script.
    path(
        "api/docs/",
        csp_update({"script-src": [SWAGGER_CDN], "style-src": [SWAGGER_CDN], "img-src": [SWAGGER_CDN]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("open311/", include("jiceng.open311.urls")),
    path("places/", include("jiceng.places.urls")),
    path("org/", include("jiceng.org.urls")),
    path("registry/", include("jiceng.registry.urls")),
    path("cases/", include("jiceng.cases.urls")),
    path("triage/", include("jiceng.triage.urls")),
    path("community/", include("jiceng.community.urls")),
    path("sensing/", include("jiceng.sensing.urls")),
    path("mediation/", include("jiceng.mediation.urls")),
    path("gridwork/", include("jiceng.gridwork.urls")),
    path("party/", include("jiceng.party.urls")),
    path("notify/", include("jiceng.notify.urls")),
    path("command/", include("jiceng.command.urls")),
    # Uploaded files only through the owner's scope check, never by path alone (jiceng/core/uploads.py).
    path("media/<path:path>", uploads.serve_media, name="media"),
]

# Unmatched URLs and crashes under /api/ answer JSON in the API's error shape, not an HTML page.
handler404 = "jiceng.core.api.api_not_found"
