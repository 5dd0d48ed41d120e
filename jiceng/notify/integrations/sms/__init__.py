"""SMS: the channel, through the one backend interface of :mod:`.backends`."""

from __future__ import annotations

from jiceng.notify.integrations import Channel, DeliveryError, Outgoing, Person, register
from jiceng.notify.integrations.sms.backends import SmsBackend, get_backend


@register
class SmsChannel(Channel):
    name = "sms"
    label = "短信"

    def __init__(self) -> None:
        self._backend: SmsBackend | None = None

    def addresses(self, person: Person) -> list[str]:
        phone = person.phone or (getattr(person.user, "phone", "") if person.user is not None else "")
        return [phone] if phone and person.allows("sms") else []

    def send(self, address: str, message: Outgoing, person: Person) -> None:
        if self._backend is None:
            self._backend = get_backend()
        try:
            self._backend.send_keyed(address, message.full_text, message.key)
        except DeliveryError:
            raise
        except Exception as exc:  # a third-party backend's own error: retried
            raise DeliveryError(f"短信网关错误：{exc}") from exc
