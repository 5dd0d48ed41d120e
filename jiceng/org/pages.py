"""Helpers for server-rendered staff pages: login required, and a scope miss rendered as a plain
404 page in Chinese (the same page whether the object is missing or outside the viewer's scope)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiceng.core.exceptions import NotFound


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "org/not_found.html", {"message": exc.message}, status=404)

    return login_required(wrapped)
