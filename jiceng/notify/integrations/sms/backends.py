"""The one SMS backend interface, and the two backends that need no gateway.

``JICENG_SMS_BACKEND`` picks the backend: ``console`` (the log, and an in-memory outbox tests read),
``file`` (one JSON file per message in ``JICENG_SMS_FILE_DIR``), ``http``, ``aliyun``, ``tencent``
(see :mod:`.providers`) or the dotted path of any :class:`SmsBackend` subclass.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class SmsBackend:
    """Implement :meth:`send`; a gateway that takes a caller id for deduplication implements
    :meth:`send_keyed` too, so a message retried after a crash is not delivered twice."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        self.send(phone, text)


class KeyedSmsBackend(SmsBackend):
    """A backend whose real work is :meth:`send_keyed`; a plain send has no key."""

    def send(self, phone: str, text: str) -> None:
        self.send_keyed(phone, text, "")

    def send_keyed(self, phone: str, text: str, key: str) -> None:
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


class FileSmsBackend(KeyedSmsBackend):
    """One JSON file per message (``to``, ``text``, ``sent_at``) in ``JICENG_SMS_FILE_DIR``.

    A keyed message is written under its key with an exclusive link, so writing it again (a sender
    that died after sending but before recording) leaves the one file there."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory or str(getattr(settings, "JICENG_SMS_FILE_DIR", "") or "var/sms"))

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        now = timezone.now()
        name = f"{key}.json" if key else f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
        body = {"to": phone, "text": text, "sent_at": now.isoformat()}
        if key:
            body["key"] = key
        handle, tmp = tempfile.mkstemp(dir=self.directory, prefix=".sms-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(body, out, ensure_ascii=False)
            try:
                os.link(tmp, self.directory / name)  # atomic and exclusive: a whole file or none
            except FileExistsError:
                logger.info("SMS %s already written; not written again", key)
        finally:
            os.unlink(tmp)

    def messages(self) -> list[dict[str, str]]:
        """Every message written, oldest first (for tests and the demo)."""
        if not self.directory.exists():
            return []
        found = []
        for path in self.directory.glob("*.json"):
            found.append(json.loads(path.read_text(encoding="utf-8")))
        return sorted(found, key=lambda m: (m["sent_at"], m.get("key", "")))


NAMED = {
    "console": "jiceng.notify.integrations.sms.backends.ConsoleSmsBackend",
    "file": "jiceng.notify.integrations.sms.backends.FileSmsBackend",
    "http": "jiceng.notify.integrations.sms.providers.HttpSmsBackend",
    "aliyun": "jiceng.notify.integrations.sms.providers.AliyunSmsBackend",
    "tencent": "jiceng.notify.integrations.sms.providers.TencentSmsBackend",
}


def get_backend() -> SmsBackend:
    name = str(getattr(settings, "JICENG_SMS_BACKEND", "console") or "console").strip()
    backend = import_string(NAMED.get(name, name))()
    if not isinstance(backend, SmsBackend):
        raise TypeError(f"JICENG_SMS_BACKEND={name!r} is not an SmsBackend")
    return backend
