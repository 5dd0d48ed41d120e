"""The sender: recipients, channels, retries, dead letters, quiet hours, and restarts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from jiceng.cases.models import Notification, NotificationState
from jiceng.cases.outbox import notify
from jiceng.notify.integrations.sms.backends import FileSmsBackend, SmsBackend
from jiceng.notify.models import Delivery, DeliveryState, InboxMessage, Preference
from jiceng.notify.sender import LEASE, PassReport, Sender, send_pending
from jiceng.notify.tests.conftest import texts, texts_to
from jiceng.org.models import Membership, Role
from jiceng.testing import World, make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


class FlakyGateway(SmsBackend):
    """A gateway that is down for its first ``down`` messages, then writes them like the file one."""

    down: ClassVar[int] = 0
    calls: ClassVar[int] = 0

    def send(self, phone: str, text: str) -> None:
        self.send_keyed(phone, text, "")

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        FlakyGateway.calls += 1
        if FlakyGateway.calls <= FlakyGateway.down:
            raise ConnectionError("gateway timeout")
        FileSmsBackend().send_keyed(phone, text, key)


class Crash(BaseException):
    """The sender process dying (kill -9) between two messages."""


class DyingGateway(FileSmsBackend):
    crash_on: ClassVar[str] = ""

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        if phone == DyingGateway.crash_on:
            raise Crash
        super().send_keyed(phone, text, key)


@pytest.fixture
def flaky(settings: Any, sms_dir: Path) -> type[FlakyGateway]:
    settings.JICENG_SMS_BACKEND = f"{__name__}.FlakyGateway"
    FlakyGateway.calls = 0
    return FlakyGateway


def test_a_unit_role_message_reaches_that_units_active_members_in_that_role_only(
    world: World, sms_dir: Path
) -> None:
    # given a second, inactive supervisor of the district and a supervisor elsewhere
    district = world.units["district"]
    world.people["supervisor"].phone = "13900000001"
    world.people["supervisor"].save()
    gone = make_user("gone", "离任督办", Role.SUPERVISOR, unit=district, phone="13900000002")
    Membership.objects.filter(user=gone).update(is_active=False)
    make_user("elsewhere", "别处督办", Role.SUPERVISOR, unit=world.units["xinan"], phone="13900000003")
    # when
    notify("sensitive", "敏感诉求：有人威胁", unit=district, role=Role.SUPERVISOR, link="/cases/1/")
    report = send_pending()
    # then
    assert report.sent == 1
    assert [m["to"] for m in texts(sms_dir)] == ["13900000001"]
    assert texts_to(sms_dir, "13900000001") == ["敏感诉求：有人威胁 https://jiceng.example.cn/cases/1/"]
    assert InboxMessage.objects.get().user == world.people["supervisor"]
    assert not InboxMessage.objects.filter(user=world.people["admin"]).exists()  # admin, not supervisor


def test_the_file_backend_writes_one_json_per_message_with_to_text_and_sent_at(
    world: World, sms_dir: Path
) -> None:
    notify("test", "您好", phones=["13700000001", "13700000002"])
    send_pending()
    files = sorted(sms_dir.glob("*.json"))
    assert len(files) == 2
    body = json.loads(files[0].read_text(encoding="utf-8"))
    assert {"to", "text", "sent_at"} <= set(body) and body["text"] == "您好"
    assert dt.datetime.fromisoformat(body["sent_at"]).tzinfo is not None


def test_every_delivery_is_recorded_with_who_channel_when_and_result(world: World, sms_dir: Path) -> None:
    resident = world.people["resident"]
    resident.email = "li@example.cn"
    resident.save()
    row = notify("test", "您的诉求已受理", users=[resident])
    send_pending()
    found = {(d.channel, d.address, d.state, d.user_id) for d in Delivery.objects.filter(notification=row)}
    assert found == {
        ("inbox", f"user:{resident.pk}", "sent", resident.pk),
        ("sms", "13800138000", "sent", resident.pk),
        ("email", "li@example.cn", "sent", resident.pk),
    }
    assert all(d.sent_at for d in Delivery.objects.all())
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@example.cn"]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.sent_at is not None


def test_two_senders_never_claim_the_same_row(world: World, sms_dir: Path) -> None:
    rows = [notify("test", f"第 {n} 条", phones=[f"1370000000{n}"]).pk for n in range(3)]
    first, second = Sender(), Sender()
    now = dt.datetime.now(dt.UTC)
    # the first claims every due row; the second finds none left to take
    assert [r.pk for r in first.claim(now)] == rows
    assert second.claim(now) == []
    # not even after the first's claim looks old to a clock that has not moved past the lease
    assert second.claim(now + LEASE - dt.timedelta(seconds=1)) == []
    second.run(once=True)
    assert texts(sms_dir) == []


def test_a_stopping_sender_hands_its_unsent_rows_back(world: World, sms_dir: Path) -> None:
    rows = [notify("test", f"第 {n} 条", phones=[f"1370000000{n}"]).pk for n in range(3)]
    sender = Sender()
    sender.stopping.set()  # SIGTERM arrived before the first row
    sender.step()
    assert set(Notification.objects.filter(pk__in=rows).values_list("state", flat=True)) == {"pending"}
    send_pending()
    assert len(texts(sms_dir)) == 3


def test_a_failing_gateway_is_retried_with_backoff_and_nothing_is_sent_twice(
    world: World, flaky: type[FlakyGateway], sms_dir: Path
) -> None:
    # given a gateway down for the first two messages
    flaky.down = 2
    start = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        row = notify("test", "通知", phones=["13700000001"])
        # when the first pass fails
        send_pending()
        row.refresh_from_db()
        assert row.state == NotificationState.PENDING and row.attempts == 1
        assert "gateway timeout" in row.last_error
        assert row.next_attempt_at == start + dt.timedelta(seconds=30)
        send_pending()  # not due yet: nothing tried
        assert flaky.calls == 1
        clock.shift(dt.timedelta(seconds=31))
        send_pending()  # second failure: one minute more
        row.refresh_from_db()
        assert row.attempts == 2 and row.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=59)
        clock.shift(dt.timedelta(seconds=61))
        send_pending()
        send_pending()
    # then exactly one message left, and the row is done
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert texts_to(sms_dir, "13700000001") == ["通知"]
    delivery = Delivery.objects.get(notification=row)
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 3


def test_it_gives_up_into_the_dead_letter_state_with_the_reason(
    world: World, flaky: type[FlakyGateway], settings: Any
) -> None:
    settings.JICENG_NOTIFY_MAX_ATTEMPTS = 3
    flaky.down = 100
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False) as clock:
        row = notify("test", "通知", phones=["13700000001"])
        for _ in range(5):
            send_pending()
            clock.shift(dt.timedelta(hours=1))
    row.refresh_from_db()
    assert row.state == NotificationState.DEAD and row.attempts == 3
    assert "gateway timeout" in row.last_error and "13700000001" in row.last_error
    assert Delivery.objects.get(notification=row).state == DeliveryState.DEAD
    assert flaky.calls == 3


def test_one_bad_address_does_not_hold_back_or_repeat_the_others(
    world: World, flaky: type[FlakyGateway], sms_dir: Path
) -> None:
    flaky.down = 1  # the first phone fails once, the second goes through at once
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False) as clock:
        notify("test", "通知", phones=["13700000001", "13700000002"])
        send_pending()
        assert [m["to"] for m in texts(sms_dir)] == ["13700000002"]
        clock.shift(dt.timedelta(minutes=5))
        send_pending()
    assert sorted(m["to"] for m in texts(sms_dir)) == ["13700000001", "13700000002"]


def test_a_sender_that_dies_mid_row_is_taken_over_after_the_lease_and_nobody_gets_it_twice(
    world: World, settings: Any, sms_dir: Path
) -> None:
    # given a sender that dies after the first of three phones
    settings.JICENG_SMS_BACKEND = f"{__name__}.DyingGateway"
    DyingGateway.crash_on = "13700000002"
    start = dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as clock:
        row = notify("test", "通知", phones=["13700000001", "13700000002", "13700000003"])
        with pytest.raises(Crash):
            Sender().run(once=True)
        row.refresh_from_db()
        assert row.state == NotificationState.SENDING
        # when a new sender starts while the lease still runs, it leaves the row alone
        DyingGateway.crash_on = ""
        send_pending()
        assert [m["to"] for m in texts(sms_dir)] == ["13700000001"]
        # and after the lease it takes the row over
        clock.shift(LEASE + dt.timedelta(seconds=1))
        send_pending()
    # then every phone got it exactly once
    assert sorted(m["to"] for m in texts(sms_dir)) == ["13700000001", "13700000002", "13700000003"]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT


def test_a_message_sent_but_not_recorded_before_a_crash_is_not_written_again(
    world: World, sms_dir: Path
) -> None:
    # given the gateway wrote the message, then the sender died before recording it
    row = notify("test", "通知", phones=["13700000001"])
    send_pending()
    Delivery.objects.all().delete()
    Notification.objects.filter(pk=row.pk).update(state=NotificationState.PENDING)
    # when it is sent again
    send_pending()
    # then the file backend keeps the one message (same key)
    assert len(texts(sms_dir)) == 1


def test_quiet_hours_hold_back_sms_but_not_the_inbox_and_not_urgent_messages(
    world: World, sms_dir: Path, settings: Any
) -> None:
    settings.JICENG_NOTIFY_QUIET_HOURS = "22:00-07:00"
    resident = world.people["resident"]
    with time_machine.travel(dt.datetime(2026, 6, 1, 23, 30, tzinfo=SHANGHAI), tick=False) as clock:
        calm = notify("test", "普通消息", users=[resident])
        notify("alarm", "燃气泄漏，请立即撤离", users=[resident], urgent=True)
        send_pending()
        assert texts_to(sms_dir, resident.phone) == ["燃气泄漏，请立即撤离"]
        assert InboxMessage.objects.filter(user=resident).count() == 2
        calm.refresh_from_db()
        assert calm.state == NotificationState.PENDING
        assert calm.next_attempt_at == dt.datetime(2026, 6, 2, 7, 0, tzinfo=SHANGHAI)
        assert Delivery.objects.get(notification=calm, channel="sms").state == DeliveryState.DEFERRED
        clock.move_to(dt.datetime(2026, 6, 2, 7, 0, 1, tzinfo=SHANGHAI))
        send_pending()
    assert texts_to(sms_dir, resident.phone) == ["燃气泄漏，请立即撤离", "普通消息"]
    assert InboxMessage.objects.filter(user=resident).count() == 2  # not a second inbox copy


def test_a_person_who_switched_sms_off_gets_the_inbox_only(world: World, sms_dir: Path) -> None:
    resident = world.people["resident"]
    Preference.objects.create(user=resident, sms=False)
    notify("test", "通知", users=[resident])
    send_pending()
    assert texts(sms_dir) == []
    assert InboxMessage.objects.filter(user=resident).count() == 1


def test_a_message_nobody_can_receive_is_a_dead_letter_with_the_reason(world: World, sms_dir: Path) -> None:
    row = notify("test", "通知", unit=world.units["gushu"], role=Role.SUPERVISOR)
    send_pending()
    row.refresh_from_db()
    assert row.state == NotificationState.DEAD and "没有可送达的收件人" in row.last_error


def test_notify_run_once_sends_everything_due_and_reports(world: World, sms_dir: Path) -> None:
    from io import StringIO

    for n in range(3):
        notify("test", f"第 {n} 条", phones=[f"1370000000{n}"])
    out = StringIO()
    call_command("notify", "run", "--once", "--batch", "2", stdout=out)
    assert len(texts(sms_dir)) == 3
    assert "完成 3 条" in out.getvalue()
    assert not Notification.objects.exclude(state=NotificationState.SENT).exists()


class SlowGateway(FileSmsBackend):
    """Each message takes 60 % of the lease; meanwhile a rival sender tries to take the rows over."""

    clock: ClassVar[Any] = None
    rows: ClassVar[list[int]] = []
    rival_took: ClassVar[list[int]] = []

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        SlowGateway.clock.shift(LEASE * 0.6)
        now = dt.datetime.now(dt.UTC)
        SlowGateway.rival_took += [r.pk for r in Sender().claim(now)]
        super().send_keyed(phone, text, key)


def test_a_slow_sender_renews_its_claim_so_nobody_takes_its_rows_over(
    world: World, settings: Any, sms_dir: Path
) -> None:
    settings.JICENG_SMS_BACKEND = f"{__name__}.SlowGateway"
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False) as clock:
        SlowGateway.clock, SlowGateway.rival_took = clock, []
        SlowGateway.rows = [notify("test", f"第 {n} 条", phones=[f"1370000000{n}"]).pk for n in range(3)]
        send_pending()
    assert SlowGateway.rival_took == []
    assert sorted(m["to"] for m in texts(sms_dir)) == ["13700000000", "13700000001", "13700000002"]


def test_two_senders_split_one_backlog_into_disjoint_batches_and_send_each_row_once(
    world: World, sms_dir: Path
) -> None:
    rows = [notify("test", f"第 {n} 条", phones=[f"137000000{n:02d}"]).pk for n in range(5)]
    first, second = Sender(batch=2), Sender(batch=2)
    now = dt.datetime.now(dt.UTC)
    # each claim takes the next due rows: the two senders hold different ones
    mine, theirs = first.claim(now), second.claim(now)
    assert [r.pk for r in mine] == rows[:2] and [r.pk for r in theirs] == rows[2:4]
    # both deliver what they hold, then go on with the backlog
    report = PassReport()
    for sender, held in ((first, mine), (second, theirs)):
        for row in held:
            sender.deliver(row, report, {})
    first.run(once=True)
    second.run(once=True)
    assert report.sent == 4 and first.total.sent == 1 and second.total.sent == 0
    sent = sorted(m["to"] for m in texts(sms_dir))
    assert sent == sorted(f"137000000{n:02d}" for n in range(5))  # each once
    assert not Notification.objects.exclude(state=NotificationState.SENT).exists()


def test_senders_one_after_another_in_one_process_never_share_a_claim_token() -> None:
    # (a freed sender's memory address comes back; a token built from it let the next sender take
    # over a dead sender's rows before the lease ran out)
    workers = []
    for _ in range(50):
        sender = Sender()
        workers.append(sender.worker)
        del sender
    assert len(set(workers)) == 50
