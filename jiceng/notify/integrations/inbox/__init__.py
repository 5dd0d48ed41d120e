"""The in-app inbox (站内信): every account gets every message here, whatever its preferences."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from jiceng.notify.integrations import Channel, Outgoing, Person, register


@register
class InboxChannel(Channel):
    name = "inbox"
    label = "站内信"
    quiet = False  # an inbox does not ring

    def addresses(self, person: Person) -> list[str]:
        return [f"user:{person.user.pk}"] if person.user is not None else []

    def send(self, address: str, message: Outgoing, person: Person) -> None:
        from jiceng.notify.models import InboxMessage

        notification_id = person.extra.get("notification_id")
        try:
            with transaction.atomic():
                InboxMessage.objects.create(
                    user=person.user,
                    notification_id=notification_id,
                    kind=message.kind,
                    text=message.text[:300],
                    link=message.link[:300],
                    urgent=message.urgent,
                )
        except IntegrityError:
            pass  # already in the inbox from an earlier pass (inbox_once)
