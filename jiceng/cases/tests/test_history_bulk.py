"""The bulk writer behind ``jiceng generate --history``: its hashes are the trail's own, its COPY text
survives awkward reasons, and how days are grouped into transactions changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from datetime import UTC

import pytest

from jiceng.cases import history, trail
from jiceng.cases.models import Case, CaseEvent, CaseUnit
from jiceng.cases.tests.conftest import at, submit
from jiceng.testing import World

NOW = at(2026, 6, 30, 18)


def reference_hash(prev_hash: str, row: list[object]) -> str:
    """The documented chain: HMAC-SHA256(key, prev_hash + canonical JSON of the row), written out
    the slow, obvious way."""
    body = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(trail.trail_key(), (prev_hash + body).encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("moment", "reason", "data"),
    [
        (at(2026, 3, 1, 9, 5), "", {}),
        (dt.datetime(2026, 3, 1, 1, 2, 3, 4, tzinfo=UTC), "回访\t未接通\n第二行\\", {"b": 1, "a": [1, "é"]}),
        (at(2025, 12, 31, 23, 59), "“引号”", {"due": at(2026, 1, 2), "z": {"y": None, "x": 2.5}}),
    ],
)
def test_the_fast_hash_is_the_documented_one(
    db: None, moment: dt.datetime, reason: str, data: dict[str, object]
) -> None:
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    row = [7, 2, iso, "progress", "in_progress", "in_progress", None, 12, reason, data]
    got = trail.event_hash(
        case_id=7, seq=2, at=moment, action="progress", from_status="in_progress",
        to_status="in_progress", actor_id=None, unit_id=12, reason=reason, data=data, prev_hash="ab" * 32,
    )  # fmt: skip
    assert got == reference_hash("ab" * 32, row)
    body = trail.event_body(
        7, 2, moment, "progress", "in_progress", "in_progress", None, 12, reason, trail.canonical_data(data)
    )
    assert trail.hasher()(("ab" * 32 + body).encode()) == got
    # The bulk writer's body: the UTC text made once, the list written out without the encoder.
    fast = trail.event_body_at(
        7, 2, trail.utc_text(moment), "progress", "in_progress", "in_progress", None, 12, reason,
        trail.canonical_data(data),
    )  # fmt: skip
    assert fast == body
    naive_utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert trail.utc_text(moment) == naive_utc.isoformat(timespec="microseconds") + "Z"
    odd = trail.event_body_at(1, 1, trail.utc_text(moment), 'a"b', "x\\y", "\u2028", 3, None, "\x01", "{}")
    assert odd == trail.event_body(1, 1, moment, 'a"b', "x\\y", "\u2028", 3, None, "\x01", "{}")


def test_an_event_written_in_bulk_reads_back_exactly_and_verifies(cw: World) -> None:
    case = submit(cw)
    reason = "现场\t核实\n已处理 \\ 完毕"
    data = {"note": 'a "quoted" \\ path', "n": 1}
    seq = case.trail_length + 1
    moment = case.registered_at + dt.timedelta(hours=1)
    data_json = trail.canonical_data(data)
    body = trail.event_body(
        case.pk, seq, moment, "progress", case.status, case.status, None, None, reason, data_json
    )
    digest = trail.hasher()((case.trail_head + body).encode())
    event = history._Event(
        moment, case.pk, seq, "progress", case.status, case.status, None, None, reason, data_json,
        case.trail_head, digest,
    )  # fmt: skip
    history._write_events([event])
    Case.objects.filter(pk=case.pk).update(trail_head=digest, trail_length=seq)
    stored = CaseEvent.objects.get(case=case, seq=seq)
    assert (stored.reason, stored.data, stored.at, stored.keyed) == (reason, data, moment, True)
    assert list(trail.verify()) == []


def _history_shape() -> list[tuple[object, ...]]:
    return list(
        Case.objects.order_by("registered_at", "pk").values_list("registered_at", "status", "trail_length")
    )


def test_grouping_days_into_transactions_changes_nothing_in_the_history(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = history.generate(years=0.05, cases=400, now=NOW)
    whole = _history_shape()
    assert report.days > 10 and len(whole) == report.cases
    CaseEvent.objects.all().delete()
    CaseUnit.objects.all().delete()
    Case.objects.update(merged_into=None)
    Case.objects.all().delete()
    monkeypatch.setattr(history, "BATCH_EVENTS", 300)  # a day or two per transaction
    small = history.generate(years=0.05, cases=400, now=NOW)
    assert (small.cases, small.events, small.days) == (report.cases, report.events, report.days)
    assert _history_shape() == whole
    assert list(trail.verify()) == []


def test_resume_after_batched_days_adds_only_the_days_that_are_missing(
    cw: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "BATCH_EVENTS", 500)
    history.generate(years=0.05, cases=300, now=NOW - dt.timedelta(days=5))
    before = Case.objects.count()
    days_before = Case.objects.dates("registered_at", "day").count()
    history.generate(years=0.05, cases=300, now=NOW, resume=True)
    assert Case.objects.count() > before
    assert Case.objects.dates("registered_at", "day").count() > days_before
    assert list(trail.verify()) == []
