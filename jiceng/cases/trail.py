"""The tamper-evident trail: each case's events form a hash chain.

``hash = sha256(prev_hash + canonical(row))``. The case row keeps the head of its chain and its length,
so editing a row, deleting one from the middle or cutting off the end all show up in ``verify``.
Chains are per case, not global, so actions on different cases never wait on one another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jiceng.cases.models import Case, CaseEvent


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    case_id: int,
    seq: int,
    at: datetime,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    unit_id: int | None,
    reason: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        [case_id, seq, _iso(at), action, from_status, to_status, actor_id, unit_id, reason, data],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def hash_of(event: CaseEvent) -> str:
    return event_hash(
        case_id=event.case_id,
        seq=event.seq,
        at=event.at,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor_id=event.actor_id,
        unit_id=event.unit_id,
        reason=event.reason,
        data=event.data,
        prev_hash=event.prev_hash,
    )


def new_event(
    case: Case,
    *,
    action: str,
    at: datetime,
    from_status: str,
    to_status: str,
    actor_id: int | None = None,
    unit_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    """Build (not save) the next event of ``case`` and advance the case's chain head in memory.

    The caller holds the case row locked (select_for_update or a compare-and-set update), so no
    other writer can take the same ``seq``; the unique (case, seq) constraint backs that up.
    """
    data = data or {}
    seq = case.trail_length + 1
    event = CaseEvent(
        case_id=case.pk,
        seq=seq,
        at=at,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        unit_id=unit_id,
        reason=reason,
        data=data,
        prev_hash=case.trail_head,
    )
    event.hash = hash_of(event)
    case.trail_head = event.hash
    case.trail_length = seq
    return event


@dataclass(frozen=True)
class Break:
    case_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"工单 {self.case_id}" + (f" 第 {self.seq} 条" if self.seq is not None else "")
        return f"{where}：{self.problem}"


def verify_case(case_id: int, head: str, length: int, events: Iterable[CaseEvent]) -> Iterator[Break]:
    previous = ""
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            yield Break(case_id, event.seq, f"序号不连续（应为 {expected_seq}），有记录被删除或插入")
            expected_seq = event.seq
        if event.prev_hash != previous:
            yield Break(case_id, event.seq, "前序哈希与上一条记录不符")
        if hash_of(event) != event.hash:
            yield Break(case_id, event.seq, "记录内容与其哈希不符，已被改动")
        previous = event.hash
        expected_seq += 1
    if expected_seq - 1 != length or previous != head:
        yield Break(case_id, None, f"链尾与工单记录不符（记录 {expected_seq - 1} 条，工单登记 {length} 条）")


def verify(cases: Any = None, chunk: int = 500) -> Iterator[Break]:
    """Walk every case's chain (or those of ``cases``, a queryset) and yield each break found."""
    queryset = (cases if cases is not None else Case.objects.all()).order_by("pk")
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).values_list("pk", "trail_head", "trail_length")[:chunk])
        if not batch:
            return
        ids = [row[0] for row in batch]
        by_case: dict[int, list[CaseEvent]] = {pk: [] for pk in ids}
        for event in CaseEvent.objects.filter(case_id__in=ids).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        for pk, head, length in batch:
            yield from verify_case(pk, head, length, by_case[pk])
        last = ids[-1]
