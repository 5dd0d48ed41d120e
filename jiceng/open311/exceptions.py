"""Refusals of the Open311 endpoint; rendered as GeoReport errors ([{code, description}])."""

from __future__ import annotations

from jiceng.core.exceptions import JicengError, NotFound, PermissionDenied


class Open311Error(JicengError):
    code = "open311_invalid"


class BadApiKey(PermissionDenied):
    code = "bad_api_key"


class ServiceNotFound(NotFound):
    code = "service_not_found"


class RequestNotFound(NotFound):
    code = "request_not_found"


class KeyExists(Open311Error):
    code = "key_exists"


__all__ = ["BadApiKey", "KeyExists", "Open311Error", "RequestNotFound", "ServiceNotFound"]
