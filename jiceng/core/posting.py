"""The one decorator for views that save something: a refusal (``JicengError``) never becomes a 500.

- "not found" (status 404) stays a 404, so an outsider's probe learns nothing (with
  ``missing_is_404=False`` it is a message like any other refusal — the portal's choice, where the
  message for missing and forbidden is the same);
- a form view (``form=True``) is called again with ``refused=`` so it re-renders the form with every
  value the person typed and the message;
- an action view (POST only) puts the message on the page the user came from.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse

from jiceng.core.exceptions import JicengError
from jiceng.core.redirects import safe_target


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to ``next`` or the Referer when they stay on this site, else to the named URL ``fallback``."""
    target = safe_target(
        request, request.POST.get("next"), request.META.get("HTTP_REFERER"), fallback=reverse(fallback)
    )
    return HttpResponseRedirect(target)


def posted(
    view: Callable[..., HttpResponse] | None = None,
    *,
    fallback: str = "home",
    form: bool = False,
    missing_is_404: bool = True,
) -> Any:
    """``@posted`` / ``@posted(fallback="app:page")`` / ``@posted(form=True)``; always login required.
    Without ``form`` only POST is accepted."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not form and request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            try:
                return view(request, *args, **kwargs)
            except JicengError as exc:
                if exc.status == 404 and missing_is_404:
                    raise Http404(exc.message) from exc
                if form and request.method == "POST":
                    return view(request, *args, refused=exc, **kwargs)
                messages.error(request, exc.message)
                return back(request, fallback)

        return login_required(wrapper)

    return decorate(view) if view is not None else decorate
