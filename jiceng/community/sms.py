"""Sending SMS (verification codes, 找书记 notices to the on-duty secretary) through a pluggable backend.

``JICENG_SMS_BACKEND`` names the class (dotted path); the default console backend writes each message
to the log and keeps it in ``ConsoleSmsBackend.outbox`` so development and tests can read the code.
A real gateway adapter subclasses :class:`SmsBackend` and implements ``send``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from threading import Lock

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class SmsBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    outbox: list[SmsMessage] = []  # noqa: RUF012 — shared on purpose: the development outbox
    _lock = Lock()

    def send(self, phone: str, text: str) -> None:
        with self._lock:
            self.outbox.append(SmsMessage(phone, text))
            del self.outbox[:-200]
        logger.warning("SMS to %s: %s", phone, text)
        print(f"[SMS] {phone}: {text}", file=sys.stderr)  # noqa: T201 — the console backend's job

    @classmethod
    def sent_to(cls, phone: str) -> list[SmsMessage]:
        """Every message in the outbox for ``phone``, oldest first."""
        with cls._lock:
            return [message for message in cls.outbox if message.phone == phone]

    @classmethod
    def last_to(cls, phone: str) -> SmsMessage | None:
        for message in reversed(cls.outbox):
            if message.phone == phone:
                return message
        return None


def get_backend() -> SmsBackend:
    path = getattr(settings, "JICENG_SMS_BACKEND", "jiceng.community.sms.ConsoleSmsBackend")
    return import_string(path)()
