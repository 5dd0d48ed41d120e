"""Response headers every page needs: no caching of personal data anywhere between us and the viewer."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from jiceng.core.exceptions import JicengError

# Public, person-free answers that caches may keep.
PUBLIC_PREFIXES = ("/static/", "/healthz", "/readyz", "/jsi18n/")


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every API response and every page shown to a signed-in user.

    Both can carry names, phones, ID numbers and addresses; a shared proxy, a browser's back-forward
    cache or a kiosk's disk must not keep them. A view that sets its own ``Cache-Control`` (a stored
    file, a public export) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        path = request.path_info
        if path.startswith(PUBLIC_PREFIXES) or response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if path.startswith(("/api/", "/open311/")) or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response


class RefusalMiddleware:
    """A domain refusal (``JicengError``) that escapes an HTML view is a 4xx page with its message.

    API views already turn them into ``{"error": …}`` (``jiceng.core.api.exception_handler``); pages
    that let one through (a bad filter on the command screen) used to answer 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not isinstance(exception, JicengError) or not 400 <= exception.status < 500:
            return None
        return render(request, "core/refused.html", {"message": exception.message}, status=exception.status)
