"""Where to send the browser after a form: only ever back to this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_target(request: HttpRequest, *candidates: str | None, fallback: str) -> str:
    """The first candidate (``next``, the Referer…) that stays on this host, else ``fallback``.

    ``//evil.example/x``, ``/\\evil.example``, ``https://evil.example`` and ``javascript:`` are all
    refused by ``url_has_allowed_host_and_scheme``; a prefix test such as ``startswith("/")`` is not
    enough, because a browser reads ``//host`` as another site."""
    for target in candidates:
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return fallback
