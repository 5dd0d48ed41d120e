"""The one way any app asks the platform to tell somebody something.

``notify(...)`` writes a :class:`~jiceng.cases.models.Notification` row in the caller's transaction
(so a rolled-back action sends nothing); ``jiceng notify run`` delivers it later through the
recipients' channels (SMS, e-mail, in-app inbox, WeChat) and records each delivery.

Recipients are any mix of: a unit (with an optional role: that unit's members in that role), named
users, and bare phone numbers or e-mail addresses of people who have no account (a wearer's family,
a flood point's four contacts). ``link`` is a path on this site; the sender makes it absolute with
``JICENG_BASE_URL``. ``urgent`` messages ignore quiet hours. ``resident=True`` also sends it to the
case's reporter (their account, or else the phone number they gave).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jiceng.cases.models import Case, Notification
from jiceng.org.models import Unit


def notify(
    kind: str,
    message: str,
    *,
    case: Case | None = None,
    unit: Unit | int | None = None,
    role: str = "",
    users: Iterable[Any] = (),
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    link: str = "",
    urgent: bool = False,
    resident: bool = False,
    **data: Any,
) -> Notification:
    """Queue one message; call it inside the action's transaction."""
    user_ids = sorted({u if isinstance(u, int) else u.pk for u in users})
    if user_ids:
        data["users"] = user_ids
    phone_list = [p for p in dict.fromkeys(str(p).strip() for p in phones) if p]
    if phone_list:
        data["phones"] = phone_list
    email_list = [e for e in dict.fromkeys(str(e).strip() for e in emails) if e]
    if email_list:
        data["emails"] = email_list
    if link:
        data["link"] = link
    if urgent:
        data["urgent"] = True
    if resident and case is not None:
        data["resident"] = True  # to the case's reporter: the account, else the phone they gave
    return Notification.objects.create(
        kind=kind[:32],
        case=case,
        unit_id=unit.pk if isinstance(unit, Unit) else unit,
        role=role,
        message=message[:300],
        data=data,
    )


def notify_reporter(case: Case, kind: str, message: str) -> Notification | None:
    """Tell the person who reported ``case`` (their account, else the phone they gave); nobody to tell
    (a sensor alarm, a grid worker's own find) sends nothing. The link opens the case for them."""
    if not (case.reporter_id or case.reporter_phone):
        return None
    from django.urls import reverse

    link = reverse("cases:case", args=[case.pk]) if case.reporter_id else ""
    return notify(kind, message, case=case, resident=True, link=link)
