"""Notification channels, one package each (``integrations/<kind>/``), registered by name.

A channel answers two questions for one recipient — which addresses it can reach
(:meth:`Channel.addresses`) — and sends one message to one address (:meth:`Channel.send`). A failure
raises :class:`DeliveryError`; ``permanent=True`` means retrying cannot help (a number the gateway
rejects), so the sender records it and does not try that address again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, ClassVar

from django.conf import settings


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One message as a channel sends it: the text, its absolute link, and a key that is the same
    every time this message goes to this address (gateways that take a caller id dedupe on it)."""

    kind: str
    text: str
    link: str = ""
    urgent: bool = False
    key: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.text} {self.link}" if self.link else self.text


@dataclass
class Person:
    """A recipient: an account (with its preferences) or a bare phone number or e-mail address."""

    user: Any = None
    phone: str = ""
    email: str = ""
    prefs: Any = None  # jiceng.notify.models.Preference or None (the defaults)
    extra: dict[str, Any] = field(default_factory=dict)

    def allows(self, channel: str) -> bool:
        if self.prefs is None:
            return True
        return bool(getattr(self.prefs, channel, True))


class Channel:
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    quiet: ClassVar[bool] = True  # held back in the person's quiet hours unless urgent

    def enabled(self) -> bool:
        return True

    def addresses(self, person: Person) -> list[str]:
        raise NotImplementedError

    def send(self, address: str, message: Outgoing, person: Person) -> None:
        raise NotImplementedError


REGISTRY: dict[str, type[Channel]] = {}


def register(cls: type[Channel]) -> type[Channel]:
    REGISTRY[cls.name] = cls
    return cls


def channels() -> list[Channel]:
    """The enabled channels named in ``JICENG_NOTIFY_CHANNELS``, in that order."""
    names = getattr(settings, "JICENG_NOTIFY_CHANNELS", ["inbox", "sms", "email", "wechat"])
    found: list[Channel] = []
    for name in names:
        if name not in REGISTRY:
            import_module(f"{__name__}.{name}")
        channel = REGISTRY[name]()
        if channel.enabled():
            found.append(channel)
    return found
