"""A small JSON-over-HTTP client for the gateway adapters (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from jiceng.notify.integrations import DeliveryError

TIMEOUT = 10.0


def call(
    method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """Send the request; return (status, parsed JSON or None). Network trouble and 5xx are
    transient :class:`DeliveryError`; other statuses are returned for the adapter to judge."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 — configured URL
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"网关无法连接：{exc}") from exc
    if status >= 500 or status == 429:
        raise DeliveryError(f"网关暂时不可用（HTTP {status}）")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        data = None
    return status, data
