"""The notification sender (``jiceng notify run``): the outbox out through the channels.

One pass claims due outbox rows by compare-and-set (``pending`` → ``sending``; two senders never take
one row), resolves each row's recipients, and sends to every address of every enabled channel the
person allows. Each (row, channel, address) leaves one :class:`~jiceng.notify.models.Delivery`
row, written the moment that address is reached: a retried row, or one claimed again after its sender
died, skips the addresses already reached, so nobody gets a message twice and nobody is lost.

A transient failure (gateway down) puts the row back with exponential backoff; after
``JICENG_NOTIFY_MAX_ATTEMPTS`` failed passes, or at once on a permanent failure (a number the gateway
rejects), that address is given up as ``dead`` with the reason. Quiet hours hold back SMS, e-mail and
WeChat (not the inbox) until they end, unless the message is urgent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import os
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jiceng.cases.models import Notification, NotificationState
from jiceng.core.loop import Loop
from jiceng.notify.integrations import Channel, DeliveryError, Outgoing, Person, channels
from jiceng.notify.links import absolute_url
from jiceng.notify.models import Delivery, DeliveryState, Preference, quiet_default
from jiceng.org.models import STAFF_ROLES, Membership

logger = logging.getLogger(__name__)


def max_attempts() -> int:
    return max(1, int(getattr(settings, "JICENG_NOTIFY_MAX_ATTEMPTS", 6)))


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min… (``JICENG_NOTIFY_RETRY_SECONDS`` doubling), at most an hour."""
    base = float(getattr(settings, "JICENG_NOTIFY_RETRY_SECONDS", 30.0))
    return dt.timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts - 1)))


LEASE = dt.timedelta(minutes=5)  # a row ``sending`` longer than this lost its sender


# -- recipients ---------------------------------------------------------------------------------------


@dataclass
class Directory:
    """Accounts and preferences read once for a whole claimed batch, instead of per row."""

    users: dict[int, Any] = field(default_factory=dict)
    prefs: dict[int, Preference] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[Notification]) -> Directory:
        ids: set[int] = set()
        for row in rows:
            data = row.data or {}
            ids.update(int(pk) for pk in data.get("users", []) or [])
            if data.get("reporter"):
                ids.add(int(data["reporter"]))
            if data.get("resident") and row.case is not None and row.case.reporter_id:
                ids.add(row.case.reporter_id)
        found = cls()
        if ids:
            found.users = get_user_model().objects.filter(pk__in=ids, is_active=True).in_bulk()
            found.prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=ids)}
        return found


def recipients(notification: Notification, directory: Directory | None = None) -> list[Person]:
    """Everyone the row is for: the unit's active members (in ``role``, or its staff when no role is
    named), named users, the case's reporter for resident messages, and bare phones and e-mails."""
    data = notification.data or {}
    user_ids: list[int] = []
    if notification.unit_id:
        members = Membership.objects.filter(
            unit_id=notification.unit_id, is_active=True, user__is_active=True
        )
        members = (
            members.filter(role=notification.role)
            if notification.role
            else members.filter(role__in=list(STAFF_ROLES))
        )
        user_ids.extend(members.order_by("user_id").values_list("user_id", flat=True))
    user_ids.extend(int(pk) for pk in data.get("users", []) or [])
    if data.get("reporter"):  # older rows name the reporter's account directly
        user_ids.append(int(data["reporter"]))
    bare_phones = [str(p) for p in data.get("phones", []) or []]
    if data.get("resident") and notification.case_id:
        case = notification.case
        if case is not None and case.reporter_id:
            user_ids.append(case.reporter_id)
        elif case is not None and case.reporter_phone:
            bare_phones.append(case.reporter_phone)
    people: list[Person] = []
    if user_ids:
        ordered = list(dict.fromkeys(user_ids))
        directory = directory or Directory()
        missing = [pk for pk in ordered if pk not in directory.users]
        users, prefs = directory.users, directory.prefs
        if missing:  # unit members (or a row the batch did not foresee): read them now
            users = {**users, **get_user_model().objects.filter(pk__in=missing, is_active=True).in_bulk()}
            prefs = {**prefs, **{p.user_id: p for p in Preference.objects.filter(user_id__in=missing)}}
        people.extend(Person(user=users[pk], prefs=prefs.get(pk)) for pk in ordered if pk in users)
    people.extend(Person(phone=phone) for phone in dict.fromkeys(bare_phones))
    people.extend(Person(email=str(email)) for email in dict.fromkeys(data.get("emails", []) or []))
    return people


# -- quiet hours --------------------------------------------------------------------------------------


def quiet_until(person: Person, now: dt.datetime) -> dt.datetime | None:
    """When the person's quiet hours end, if ``now`` is inside them; else None."""
    if person.prefs is not None:
        start, end = person.prefs.quiet_start, person.prefs.quiet_end
    else:
        start, end = quiet_default()
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += dt.timedelta(days=1)
    return until


# -- the sender ---------------------------------------------------------------------------------------


@dataclass
class PassReport:
    claimed: int = 0
    sent: int = 0  # rows finished
    deliveries: int = 0
    retried: int = 0
    deferred: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"认领 {self.claimed} 条，完成 {self.sent} 条（送达 {self.deliveries} 次），"
            f"重试 {self.retried} 条，顺延 {self.deferred} 条，放弃 {self.dead} 条"
        )


def _key(notification_id: int, channel: str, address: str) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()[:12]
    return f"n{notification_id}-{channel}-{digest}"


_senders = itertools.count(1)


class Sender(Loop):
    name = "notify"

    def __init__(
        self, *, batch: int = 100, channel_list: Iterable[Channel] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.batch = batch
        # Unique per sender, even within one process: a claim token names the sender, and a sender that
        # took another's token (``id(self)`` of a freed sender comes back) would pick up its rows.
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{next(_senders)}"
        self._channels = list(channel_list) if channel_list is not None else None
        self.total = PassReport()
        self._passes = 0
        self.token = self.worker
        self._done: list[int] = []  # rows finished as sent, written together at the end of the pass

    @property
    def channels(self) -> list[Channel]:
        if self._channels is None:
            self._channels = channels()
        return self._channels

    def step(self) -> bool:
        now = timezone.now()
        report = PassReport()
        rows = self.claim(now)
        report.claimed = len(rows)
        known: dict[int, dict[tuple[str, str], Delivery]] = defaultdict(dict)
        for record in Delivery.objects.filter(notification_id__in=[r.pk for r in rows]):
            known[record.notification_id][(record.channel, record.address)] = record
        directory = Directory.of(rows)
        claimed_at = now
        for index, notification in enumerate(rows):
            if timezone.now() - claimed_at > LEASE / 5:
                # A slow gateway: renew the claim on what is left (and on the rows finished but not yet
                # written as sent), so no other sender takes it over.
                claimed_at = timezone.now()
                Notification.objects.filter(
                    pk__in=[*self._done, *(r.pk for r in rows[index:])], claimed_by=self.token
                ).update(claimed_at=claimed_at)
            if self.stopping.is_set():  # SIGTERM: hand the rest back at once instead of after the lease
                rest = [r.pk for r in rows[index:]]
                Notification.objects.filter(pk__in=rest, claimed_by=self.token).update(
                    state=NotificationState.PENDING, claimed_by=""
                )
                break
            self.deliver(notification, report, known[notification.pk], directory)
        self._flush()
        if report.claimed:
            self.say(str(report))
        for name in ("claimed", "sent", "deliveries", "retried", "deferred", "dead"):
            setattr(self.total, name, getattr(self.total, name) + getattr(report, name))
        return len(rows) >= self.batch

    @staticmethod
    def _due_q(now: dt.datetime) -> Q:
        return Q(state=NotificationState.PENDING, next_attempt_at__lte=now) | Q(
            state=NotificationState.SENDING, claimed_at__lt=now - LEASE
        )

    def claim(self, now: dt.datetime) -> list[Notification]:
        """Take the next batch of due rows in one statement, so several senders split one backlog
        into disjoint batches: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` passes over the rows another
        sender is taking at that moment; SQLite runs one writer at a time anyway. The statement moves
        only rows still due to ``sending`` under this pass's token (a compare-and-set)."""
        from django.db import connection

        self._flush()  # rows the last pass finished, under the last pass's token
        self._passes += 1
        self.token = f"{self.worker}#{self._passes}"[-64:]
        table = connection.ops.quote_name(Notification._meta.db_table)
        ops = connection.ops
        at = ops.adapt_datetimefield_value(now)
        lease = ops.adapt_datetimefield_value(now - LEASE)
        due = (
            f"SELECT id FROM {table} WHERE (state = %s AND next_attempt_at <= %s) OR (state = %s AND "
            "claimed_at < %s) ORDER BY next_attempt_at, id LIMIT %s"
        )
        if connection.vendor == "postgresql":
            # The batch is chosen once, in a CTE (always evaluated once with FOR UPDATE). As an
            # ``IN (subquery)`` the planner may rescan the subquery for each row it updates, and each
            # rescan skips the rows this statement has just updated and takes the next ones: a sender
            # then claimed the whole backlog instead of its batch.
            sql = (
                f"WITH batch AS ({due} FOR UPDATE SKIP LOCKED) UPDATE {table} SET state = %s, "
                f"claimed_at = %s, claimed_by = %s FROM batch WHERE {table}.id = batch.id"
            )
        else:
            sql = f"UPDATE {table} SET state = %s, claimed_at = %s, claimed_by = %s WHERE id IN ({due})"
        pending, sending = NotificationState.PENDING.value, NotificationState.SENDING.value
        selection: list[Any] = [pending, at, sending, lease, self.batch]
        marks: list[Any] = [sending, at, self.token]
        params = selection + marks if connection.vendor == "postgresql" else marks + selection
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return list(
            Notification.objects.filter(state=NotificationState.SENDING, claimed_by=self.token)
            .select_related("case")
            .order_by("next_attempt_at", "id")
        )

    def deliver(
        self,
        notification: Notification,
        report: PassReport,
        known: dict[tuple[str, str], Delivery],
        directory: Directory | None = None,
    ) -> None:
        now = timezone.now()
        pk = notification.pk
        data = notification.data or {}
        urgent = bool(data.get("urgent"))
        people = recipients(notification, directory)
        seen: set[tuple[str, str]] = set()
        failed: list[str] = []
        dead: list[str] = []
        wait_until: dt.datetime | None = None
        reached = 0
        for person in people:
            person.extra["notification_id"] = notification.pk
            quiet = None if urgent else quiet_until(person, now)
            for channel in self.channels:
                for address in channel.addresses(person):
                    slot = (channel.name, address)
                    if slot in seen:
                        continue
                    seen.add(slot)
                    record = known.get(slot)
                    if record is not None and record.state in (DeliveryState.SENT, DeliveryState.DEAD):
                        reached += record.state == DeliveryState.SENT
                        dead += [record.error] if record.state == DeliveryState.DEAD else []
                        continue
                    if channel.quiet and quiet is not None:
                        self._record(notification, slot, person, DeliveryState.DEFERRED, record, now=now)
                        wait_until = quiet if wait_until is None else min(wait_until, quiet)
                        continue
                    message = Outgoing(
                        kind=notification.kind,
                        text=notification.message,
                        link=absolute_url(str(data.get("link", ""))),
                        urgent=urgent,
                        key=_key(notification.pk, channel.name, address),
                    )
                    try:
                        # The send and its record commit together (for the inbox: one write).
                        with transaction.atomic():
                            channel.send(address, message, person)
                            self._record(
                                notification, slot, person, DeliveryState.SENT, record, now=timezone.now()
                            )
                    except DeliveryError as exc:
                        final = exc.permanent or notification.attempts + 1 >= max_attempts()
                        state = DeliveryState.DEAD if final else DeliveryState.FAILED
                        self._record(notification, slot, person, state, record, now=now, error=str(exc))
                        (dead if final else failed).append(
                            f"{channel.label or channel.name} {address}：{exc}"
                        )
                        logger.warning(
                            "notification %s via %s to %s failed: %s", pk, channel.name, address, exc
                        )
                    else:
                        report.deliveries += 1
                        reached += 1
        self._finish(notification, report, failed=failed, dead=dead, wait_until=wait_until, reached=reached)

    def _record(
        self,
        notification: Notification,
        slot: tuple[str, str],
        person: Person,
        state: str,
        record: Delivery | None,
        *,
        now: dt.datetime,
        error: str = "",
    ) -> None:
        channel, address = slot
        failed = state in (DeliveryState.FAILED, DeliveryState.DEAD)
        values = {
            "state": state,
            "user": person.user,
            "error": error[:300],
            "updated_at": now,
            "sent_at": now if state == DeliveryState.SENT else None,
        }
        if record is None:  # the row is claimed by this sender: nobody else writes its deliveries
            Delivery.objects.create(
                notification=notification,
                channel=channel,
                address=address,
                **values,
                attempts=1 if failed or state == DeliveryState.SENT else 0,
            )
        else:
            Delivery.objects.filter(pk=record.pk).update(
                **values, attempts=F("attempts") + (1 if failed or state == DeliveryState.SENT else 0)
            )

    def _finish(
        self,
        notification: Notification,
        report: PassReport,
        *,
        failed: list[str],
        dead: list[str],
        wait_until: dt.datetime | None,
        reached: int,
    ) -> None:
        now = timezone.now()
        mine = Notification.objects.filter(
            pk=notification.pk, state=NotificationState.SENDING, claimed_by=self.token
        )
        if failed:
            attempts = notification.attempts + 1
            retry_at = now + backoff(attempts)
            if wait_until is not None:
                retry_at = min(retry_at, wait_until)
            mine.update(
                state=NotificationState.PENDING,
                attempts=attempts,
                next_attempt_at=retry_at,
                last_error="；".join(failed)[:300],
            )
            report.retried += 1
        elif wait_until is not None:
            mine.update(state=NotificationState.PENDING, next_attempt_at=wait_until)
            report.deferred += 1
        elif reached == 0:
            reason = "；".join(dead) if dead else "没有可送达的收件人（无账号、手机号或邮箱）"
            mine.update(
                state=NotificationState.DEAD,
                last_error=reason[:300],
                attempts=F("attempts") + (1 if dead else 0),
            )
            report.dead += 1
        elif dead:
            mine.update(state=NotificationState.SENT, sent_at=now, last_error="；".join(dead)[:300])
            report.sent += 1
        else:
            # The common case is written for the whole batch at once (``_flush``): its deliveries are
            # committed, so a sender that dies first leaves a row that is claimed again after the lease
            # and finished without sending anything again.
            self._done.append(notification.pk)
            report.sent += 1

    def _flush(self) -> None:
        if self._done:
            Notification.objects.filter(
                pk__in=self._done, state=NotificationState.SENDING, claimed_by=self.token
            ).update(state=NotificationState.SENT, sent_at=timezone.now(), last_error="")
            self._done = []


def send_pending(*, batch: int = 100, channel_list: Iterable[Channel] | None = None) -> PassReport:
    """Send everything due now, pass after pass, and report (tests and ``--once``)."""
    sender = Sender(batch=batch, channel_list=channel_list, beat_every=3600)
    sender.run(once=True)
    return sender.total
