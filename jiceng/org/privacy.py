"""Personal data shown to staff: masked unless the role may see it, and every unmasked read logged.

Call ``reveal(request_or_user, subject, fields, values)`` wherever personal data leaves the server (a
page, an API response, an export): it returns the values masked or, for roles entitled to see them,
unmasked with one ``AccessLog`` row per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpRequest

from jiceng.lib.identity import mask_address, mask_name, mask_phone, mask_resident_id
from jiceng.org.models import AccessLog, Role
from jiceng.org.scopes import roles_of

# Roles that may see personal data in full, within their scope. Grid workers verify people door to
# door and must read ID numbers and phones; dispatchers and handlers call residents back. Leaders and
# supervisors judge units' work, and administrators keep the system: all three see masked values by
# default (names, ID numbers, phones, people's addresses) — a superuser flag alone unmasks nothing.
# An administrator who must read a value asks for it explicitly in the admin (``reveal_on_request``),
# and that read is logged like any other.
UNMASKED_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISPATCHER, Role.HANDLER})

MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_resident_id,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
}


def may_see_personal_data(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(roles_of(user) & UNMASKED_ROLES)


def _user_and_request(who: Any) -> tuple[Any, HttpRequest | None]:
    request = getattr(who, "_request", who)  # DRF Request wraps a Django HttpRequest
    if isinstance(request, HttpRequest):
        return request.user, request
    return who, None


def mask(values: Mapping[str, str]) -> dict[str, str]:
    return {field: MASKERS[field](value or "") for field, value in values.items()}


def _log_row(
    user: Any,
    request: HttpRequest | None,
    subject_type: str,
    subject_id: Any,
    fields: list[str],
    purpose: str,
) -> AccessLog:
    return AccessLog(
        user=user,
        subject_type=subject_type,
        subject_id=str(subject_id),
        fields=",".join(sorted(fields)),
        purpose=purpose[:64],
        path=(request.get_full_path()[:300] if request is not None else ""),
        ip=(request.META.get("REMOTE_ADDR") if request is not None else None),
    )


def reveal_many(
    who: Any,
    subject_type: str,
    rows: Iterable[tuple[Any, Mapping[str, str]]],
    purpose: str = "",
) -> list[dict[str, str]]:
    """``reveal`` for a list page: one ``AccessLog`` row per subject shown unmasked, written in one
    query, so a page of fifty people costs one insert rather than fifty."""
    user, request = _user_and_request(who)
    rows = list(rows)
    if not may_see_personal_data(user):
        return [mask(values) for _subject, values in rows]
    logs = []
    for subject_id, values in rows:
        shown = [field for field, value in values.items() if value]
        if shown:
            logs.append(_log_row(user, request, subject_type, subject_id, shown, purpose))
    if logs:
        AccessLog.objects.bulk_create(logs)
    return [{field: value or "" for field, value in values.items()} for _subject, values in rows]


def reveal(
    who: Any, subject_type: str, subject_id: Any, values: Mapping[str, str], purpose: str = ""
) -> dict[str, str]:
    """Return ``values`` masked, or unmasked and logged when ``who`` may see them.

    ``values`` maps a kind of personal field (``id_number``, ``phone``, ``name``, ``address``) to its
    value. Empty values are never logged: nothing was revealed.
    """
    user, request = _user_and_request(who)
    if not may_see_personal_data(user):
        return mask(values)
    shown = [field for field, value in values.items() if value]
    if shown:
        _log_row(user, request, subject_type, subject_id, shown, purpose).save()
    return {field: value or "" for field, value in values.items()}


def reveal_list(
    who: Any, subject_type: str, subject_id: Any, field: str, values: list[str], purpose: str = ""
) -> list[str]:
    """Several values of one kind about one subject (a person's home addresses): masked, or unmasked
    with one ``AccessLog`` row for them all."""
    user, request = _user_and_request(who)
    if not may_see_personal_data(user):
        return [MASKERS[field](value or "") for value in values]
    if any(values):
        _log_row(user, request, subject_type, subject_id, [field], purpose).save()
    return [value or "" for value in values]


def reveal_on_request(
    request: HttpRequest, subject_type: str, subject_id: Any, values: Mapping[str, str], purpose: str
) -> dict[str, str]:
    """An administrator's explicit "show in full" (the admin's reveal link): unmasked, and logged with
    one ``AccessLog`` row, whatever the role. Callers check that the user may use the admin."""
    shown = [field for field, value in values.items() if value]
    if shown:
        _log_row(request.user, request, subject_type, subject_id, shown, purpose).save()
    return {field: value or "" for field, value in values.items()}


def shown_username(user: Any, masked: bool) -> str:
    """A username as a masked page shows it: accounts from before generated usernames may be named by
    their phone number, which must not show through."""
    name = str(getattr(user, "username", "") or "")
    if masked and len(name) == 11 and name.isdigit():
        return mask_phone(name)
    return name


class PageReveal:
    """Names shown one by one as a template renders (``{{ person|resident_name:masked }}``).

    A page's context carries one of these as ``masked``: it is truthy when the viewer's role sees
    personal data masked, and otherwise records each subject it shows unmasked — one ``AccessLog``
    row per subject and page. The rows are written together once the page has rendered and before it
    is sent (:class:`PageRevealMiddleware`): a page whose log cannot be written is never sent.
    """

    def __init__(self, request: HttpRequest, subject_type: str = "user", purpose: str = "") -> None:
        self.request = request
        self.subject_type = subject_type
        self.purpose = purpose
        self.masked = not may_see_personal_data(request.user)
        self._logged: set[str] = set()
        self._rows: list[AccessLog] = []

    def __bool__(self) -> bool:
        return self.masked

    def name(self, subject_id: Any, name: str) -> str:
        if not name:
            return ""
        if self.masked:
            return mask_name(name)
        key = str(subject_id)
        if key not in self._logged:
            self._logged.add(key)
            if not self._rows:
                pending = getattr(self.request, "_page_reveals", None)
                if pending is None:
                    pending = []
                    self.request._page_reveals = pending  # type: ignore[attr-defined]
                pending.append(self)
            self._rows.append(
                _log_row(self.request.user, self.request, self.subject_type, key, ["name"], self.purpose)
            )
        return name

    def flush(self) -> None:
        """Write the rows recorded so far (one insert)."""
        rows, self._rows = self._rows, []
        if rows:
            AccessLog.objects.bulk_create(rows)


class PageRevealMiddleware:
    """Writes the access-log rows of the names a page showed, after it rendered and before it leaves."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        for reveal in getattr(request, "_page_reveals", ()):
            reveal.flush()
        return response
