"""Notification sender throughput: outbox rows to the inbox and the file SMS backend per second, one
sender and (PostgreSQL) two senders racing on one backlog, with every gateway call counted: nothing may
be sent twice or left behind."""

from __future__ import annotations

import tempfile
import threading
import time
from typing import Any, ClassVar

from bench.common import Context
from jiceng.notify.integrations.sms.backends import FileSmsBackend

AREA = "notify"


class CountingFileBackend(FileSmsBackend):
    """The file backend, counting every call the senders make (a duplicate call is a duplicate SMS
    at a gateway that has no caller id)."""

    calls: ClassVar[dict[str, int]] = {}
    lock = threading.Lock()

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
        super().send_keyed(phone, text, key)


def run(ctx: Context) -> None:
    n = 300 if ctx.quick else 3_000
    # One sender and two splitting one backlog (disjoint claims), on each database.
    targets = [("SQLite", ctx.sqlite_url("notify"), 1), ("SQLite", ctx.sqlite_url("notify"), 2)]
    targets.append(("PostgreSQL", ctx.pg_url, 1))
    targets.append(("PostgreSQL", ctx.pg_url, 2))
    for label, url, senders in targets:
        result = ctx.in_django(url, "bench.bench_notify:measure", n, senders)
        ctx.row(
            AREA,
            f"send {n:,} notifications, {senders} sender{'s' if senders > 1 else ''} ({label})",
            result["per_s"],
            "notifications/s",
            ">= 100",
            f"{result['deliveries']:,} deliveries (inbox + SMS file); duplicates {result['duplicates']}, "
            f"left {result['left']}; rows finished per sender {result['shares']}",
        )


def measure(n: int, senders: int) -> dict[str, Any]:
    """In a Django subprocess: migrate, queue ``n`` messages to ``n`` people, send them, count."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from jiceng.cases.models import Notification, NotificationState
    from jiceng.cases.outbox import notify
    from jiceng.notify.models import Delivery
    from jiceng.notify.sender import Sender
    from jiceng.org.models import User

    call_command("migrate", verbosity=0)
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    User.objects.filter(username__startswith="bench-notify-").delete()
    settings.JICENG_SMS_BACKEND = "bench.bench_notify.CountingFileBackend"
    settings.JICENG_SMS_FILE_DIR = tempfile.mkdtemp(prefix="jiceng-bench-sms-")
    settings.JICENG_NOTIFY_QUIET_HOURS = ""
    settings.JICENG_NOTIFY_CHANNELS = ["inbox", "sms"]
    CountingFileBackend.calls.clear()
    users = User.objects.bulk_create(
        User(username=f"bench-notify-{i}", phone=f"139{i:08d}", password="!") for i in range(n)
    )
    for user in users:
        notify("bench", "您反映的问题已受理，请留意办理进度。", users=[user], link=f"/cases/{user.pk}/")

    pool = [Sender(batch=100, beat_every=3600) for _ in range(senders)]

    def work(sender: Sender) -> None:
        try:
            sender.run(once=True)
        finally:
            connection.close()

    started = time.perf_counter()
    if senders == 1:
        pool[0].run(once=True)
    else:
        threads = [threading.Thread(target=work, args=(sender,)) for sender in pool]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    elapsed = time.perf_counter() - started
    return {
        "per_s": n / elapsed,
        "deliveries": Delivery.objects.filter(state="sent").count(),
        "duplicates": sum(c - 1 for c in CountingFileBackend.calls.values() if c > 1),
        "left": Notification.objects.exclude(state=NotificationState.SENT).count(),
        "shares": [sender.total.sent for sender in pool],
    }
