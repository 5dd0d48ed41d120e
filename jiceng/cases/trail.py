"""The tamper-evident trail: each case's events form a keyed hash chain, with signed checkpoints of
the chain heads kept outside the database.

``hash = HMAC-SHA256(key, prev_hash + canonical(row))`` with ``key`` = ``JICENG_TRAIL_KEY`` (or, when
that is unset, a key derived from ``SECRET_KEY``; ``check`` warns in production). Neither is in the
database, so a writer with database access alone can no longer recompute a chain after editing it:
``jiceng cases verify`` reports the recomputed rows as altered. The case row keeps the head of its
chain and its length, so editing a row, deleting one from the middle or cutting off the end all show
up too. Chains are per case, not global, so actions on different cases never wait on one another.

**Upgrade from the unkeyed trail.** Events written before the keyed trail carry ``keyed = False`` and
a plain ``sha256(prev_hash + canonical(row))``. The migration that introduced the key sealed the
highest event id of that time (``TrailSeal`` ``legacy_max_event_id``, its value signed with the key):
an unkeyed event above the sealed id, or after a keyed event of the same case, is reported as a
rewrite, so marking rows "old style" to recompute them unkeyed does not pass either. The unkeyed
prefix of a case that has gone on since is covered by the first keyed event (its ``prev_hash`` is
inside the MAC); an old case with no keyed event is covered by the external checkpoints.

**Checkpoints.** ``write_checkpoint`` (``jiceng cases checkpoint``, and the SLA runner every
``JICENG_TRAIL_CHECKPOINT_SECONDS``) appends the current (length, head) of every case whose trail moved
since the previous checkpoint to ``JICENG_TRAIL_CHECKPOINT_DIR/checkpoints.jsonl``: one JSON line per
up to ``CHECKPOINT_LINE_CASES`` cases, each line signed with the key and carrying the previous line's
MAC, so a changed, removed or inserted line is reported. ``verify`` then requires that every
checkpointed case still has an event at the checkpointed position with the checkpointed hash: a chain
rewritten in the database — even one recomputed with the key — no longer matches what was written
out. Keep the directory on append-only storage (``chattr +a``, a WORM bucket, a log shipper).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from django.conf import settings
from django.db import connection, connections
from django.db.models import Max, Min
from django.utils import timezone

from jiceng.cases.models import Case, CaseEvent, TrailSeal

logger = logging.getLogger(__name__)

LEGACY_SEAL = "legacy_max_event_id"
CHECKPOINT_FILE = "checkpoints.jsonl"
CHECKPOINT_LINE_CASES = 20_000
# Events are numbered when inserted but committed later: a checkpoint looks this many ids back from
# the previous one, so an event committed late is still seen.
CHECKPOINT_MARGIN = 1_000


def trail_key() -> bytes:
    """The trail's secret: ``JICENG_TRAIL_KEY``, else derived from ``SECRET_KEY`` (never stored in
    the database either way)."""
    configured = getattr(settings, "JICENG_TRAIL_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"jiceng-trail-key", hashlib.sha256).digest()


_keyed_base: dict[tuple[str, str], Any] = {}


def _keyed() -> Any:
    # The keyed state is set up once per key and copied per event: HMAC then costs about what the
    # plain SHA-256 did (two more compressions of a short message), with no key derivation per event.
    # The OpenSSL object underneath ``hmac.HMAC`` is copied directly when there is one (half the cost
    # of ``HMAC.copy``, which builds a Python wrapper each time).
    settings_key = (getattr(settings, "JICENG_TRAIL_KEY", ""), settings.SECRET_KEY)
    base = _keyed_base.get(settings_key)
    if base is None:
        _keyed_base.clear()
        mac = hmac.new(trail_key(), digestmod=hashlib.sha256)
        base = _keyed_base[settings_key] = getattr(mac, "_hmac", None) or mac
    return base.copy()


def hasher() -> Callable[[bytes], str]:
    """``message -> hex HMAC`` with the key of the moment, for hashing many events in a row (no
    settings lookup per event)."""
    base = _keyed()

    def mac(message: bytes) -> str:
        state = base.copy()
        state.update(message)
        return str(state.hexdigest())

    return mac


def mac_hex(message: bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` with the trail key."""
    mac = _keyed()
    mac.update(message)
    return str(mac.hexdigest())


def sign(text: str) -> str:
    """HMAC of ``text`` with the trail key (seals and checkpoint lines)."""
    return mac_hex(text.encode())


def _iso(at: datetime) -> str:
    utc = at.astimezone(UTC)
    if utc.year < 1000:  # strftime does not pad the year; isoformat does
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), at a fifth of the cost.
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# The canonical JSON of the hashed body: ``json.dumps(ensure_ascii=False, sort_keys=True,
# separators=(",", ":"), default=str)``. ``dumps`` with options builds a new encoder per call; the C
# encoder it would build is made once here (the same text: it is what ``JSONEncoder.encode`` runs).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
if c_make_encoder is not None:
    _c_encode = c_make_encoder(None, str, encode_basestring, None, ":", ",", True, False, True)

    def canonical_data(value: Any) -> str:
        return "".join(_c_encode(value, 0))

else:  # pragma: no cover - CPython always has the C encoder

    def canonical_data(value: Any) -> str:
        return _CANONICAL.encode(value)


def event_body(
    case_id: int,
    seq: int,
    at: datetime,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    unit_id: int | None,
    reason: str,
    data_json: str,
) -> str:
    """The hashed text of an event, ``data`` given as its ``canonical_data`` text (the bulk writer
    encodes it once for both the hash and the row). The canonical list with ``data`` last, so the
    list without it, its closing bracket replaced by ``data``, is the same text."""
    head = canonical_data([case_id, seq, _iso(at), action, from_status, to_status, actor_id, unit_id, reason])
    return f"{head[:-1]},{data_json}]"


def utc_text(at: datetime) -> str:
    """The UTC time text of the hashed body (``...T01:02:03.000004Z``)."""
    return _iso(at)


def event_body_at(
    case_id: int,
    seq: int,
    at_text: str,
    action: str,
    from_status: str,
    to_status: str,
    actor_id: int | None,
    unit_id: int | None,
    reason: str,
    data_json: str,
) -> str:
    """``event_body`` with the time already as ``utc_text`` and the ids plain ints (or None): the
    same text, written out without the list encoder (the bulk writer's path; tested against
    ``event_body``)."""
    actor = "null" if actor_id is None else actor_id
    unit = "null" if unit_id is None else unit_id
    return (
        f'[{case_id},{seq},"{at_text}",{encode_basestring(action)},'
        f"{encode_basestring(from_status)},{encode_basestring(to_status)},{actor},{unit},"
        f"{encode_basestring(reason)},{data_json}]"
    )


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
    keyed: bool = True,
) -> str:
    body = event_body(
        case_id, seq, at, action, from_status, to_status, actor_id, unit_id, reason, canonical_data(data)
    )
    return chained(prev_hash, body, keyed)


def chained(prev_hash: str, body: str, keyed: bool, mac: Callable[[bytes], str] = mac_hex) -> str:
    """The hash of an event's ``body`` chained to the one before: keyed (``mac``, the HMAC of
    ``hasher``), or the plain SHA-256 of the first, unkeyed version (events before the upgrade)."""
    message = (prev_hash + body).encode()
    return mac(message) if keyed else hashlib.sha256(message).hexdigest()


def hash_of(event: CaseEvent | Any) -> str:
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
        keyed=event.keyed,
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
        keyed=True,
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
        if not self.case_id:
            return self.problem
        where = f"工单 {self.case_id}" + (f" 第 {self.seq} 条" if self.seq is not None else "")
        return f"{where}：{self.problem}"


# -- the upgrade seal ----------------------------------------------------------------------------------


def seal_text(name: str, value: str) -> str:
    return f"seal:{name}={value}"


def write_seal(name: str, value: str) -> None:
    TrailSeal.objects.update_or_create(
        name=name, defaults={"value": value, "mac": sign(seal_text(name, value))}
    )


def legacy_boundary() -> tuple[int, Break | None]:
    """The highest event id that may be unkeyed, and a break when the seal was tampered with. No
    seal means no unkeyed event is valid (a fresh install; or a deleted seal, which then shows)."""
    seal = TrailSeal.objects.filter(name=LEGACY_SEAL).first()
    if seal is None:
        return 0, None
    if (
        not hmac.compare_digest(seal.mac, sign(seal_text(LEGACY_SEAL, seal.value)))
        or not seal.value.isdigit()
    ):
        return 0, Break(0, None, "记录链升级封印被改动（其签名与密钥不符）")
    return int(seal.value), None


# -- verification --------------------------------------------------------------------------------------


def verify_case(
    case_id: int,
    head: str,
    length: int,
    events: Iterable[CaseEvent] | Iterable[Any],
    *,
    legacy_max: int = 0,
    checkpoint: tuple[int, str] | None = None,
    digest: Callable[[Any], str] = hash_of,
) -> Iterator[Break]:
    """The breaks of one case's chain (``events`` in ``seq`` order); ``digest`` recomputes an event's
    hash (``hash_of`` for model instances, ``verify``'s own for the rows it reads)."""
    previous = ""
    expected_seq = 1
    seen_keyed = False
    at_checkpoint: str | None = None
    for event in events:
        if event.seq != expected_seq:
            yield Break(case_id, event.seq, f"序号不连续（应为 {expected_seq}），有记录被删除或插入")
            expected_seq = event.seq
        if event.prev_hash != previous:
            yield Break(case_id, event.seq, "前序哈希与上一条记录不符")
        if not event.keyed and (seen_keyed or (event.pk or 0) > legacy_max):
            yield Break(case_id, event.seq, "升级后出现未加密钥的记录，链被重算")
        elif digest(event) != event.hash:
            yield Break(case_id, event.seq, "记录内容与其哈希不符，已被改动")
        seen_keyed = seen_keyed or event.keyed
        if checkpoint is not None and event.seq == checkpoint[0]:
            at_checkpoint = event.hash
        previous = event.hash
        expected_seq += 1
    if expected_seq - 1 != length or previous != head:
        yield Break(case_id, None, f"链尾与工单记录不符（记录 {expected_seq - 1} 条，工单登记 {length} 条）")
    if checkpoint is not None and at_checkpoint != checkpoint[1]:
        yield Break(
            case_id,
            checkpoint[0],
            "与外部检查点不符：检查点之前的记录被重写、删除或截断",
        )


class _Row(NamedTuple):
    """An event as ``verify`` reads it: the attributes ``verify_case`` uses, the time already as the
    hashed UTC text and ``data`` as the database's JSON text."""

    pk: int
    case_id: int
    seq: int
    at_text: str
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    unit_id: int | None
    reason: str
    data: Any
    prev_hash: str
    hash: str
    keyed: bool


def _event_sql(vendor: str, case_list: int) -> str:
    """The events of a run of cases (``case_id`` between two ids, and in a list of ``case_list`` ids
    when only some cases are verified), in chain order, only the hashed columns. On PostgreSQL the
    time comes as the hashed UTC text (formatted by the server, not parsed and formatted again here);
    SQLite stores it as naive UTC text already."""
    at = (
        """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
        if vendor == "postgresql"
        else "at"
    )
    table = CaseEvent._meta.db_table
    listed = f" AND case_id IN ({', '.join(['%s'] * case_list)})" if case_list else ""
    return (
        f"SELECT id, case_id, seq, {at}, action, from_status, to_status, actor_id, unit_id, reason, data, "
        f"prev_hash, hash, keyed FROM {table} WHERE case_id >= %s AND case_id <= %s{listed} "
        "ORDER BY case_id, seq"
    )


def _at_text(value: Any) -> str:
    """The hashed UTC time text of a stored ``at``: PostgreSQL's ``to_char`` text as it is (years
    from 1000 on; the hashed text of earlier years is ``strftime``'s, unpadded); SQLite's naive UTC
    ``YYYY-MM-DD HH:MM:SS[.ffffff]`` completed to microseconds."""
    if isinstance(value, datetime):
        return _iso(value if value.tzinfo else value.replace(tzinfo=UTC))
    if value[:1] != "0":
        if value[-1:] == "Z":
            return str(value)
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        if len(value) == 19 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}.000000Z"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return _iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


DATA_CACHE = 4096


def _row_digest() -> Callable[[_Row], str]:
    """``row -> hash`` for the rows ``verify`` reads: the same text as ``hash_of`` (``event_body_at``,
    the key bound once, ``data`` decoded and encoded canonically once)."""
    mac = hasher()
    loads = json.loads
    # The canonical text of each stored JSON text seen lately: most events carry one of a few
    # ``data`` values (``{}``, ``{"passed": true}``, ``{"on_time": true}``…), decoding and encoding
    # them again was a fifth of the time.
    canonical: dict[Any, str] = {}

    def digest(row: _Row) -> str:
        data = row.data
        text = canonical.get(data) if isinstance(data, str) else None
        if text is None:
            text = canonical_data(loads(data) if isinstance(data, str | bytes) else data)
            if isinstance(data, str):
                if len(canonical) >= DATA_CACHE:
                    canonical.clear()
                canonical[data] = text
        body = event_body_at(
            row.case_id, row.seq, row.at_text, row.action, row.from_status, row.to_status,
            row.actor_id, row.unit_id, row.reason, text,
        )  # fmt: skip
        return chained(row.prev_hash, body, row.keyed, mac)

    return digest


@dataclass(frozen=True)
class _Plan:
    """What every range of a ``verify`` run shares (inherited by forked workers, not pickled)."""

    cases: Any  # a queryset of the cases to verify, or None for all
    chunk: int
    legacy_max: int
    checkpoints: Heads
    checkpointed: np.ndarray  # the checkpointed case ids to account for, sorted (for the missing ones)


@dataclass
class RangeResult:
    """One range's breaks in case order, the checkpointed cases of the range no longer in the
    database, and the cases and events read."""

    breaks: list[Break]
    missing: list[int]
    cases: int = 0
    events: int = 0


def _missing_between(plan: _Plan, low: int, high: int, present: set[int]) -> list[int]:
    """Checkpointed case ids from ``low`` to ``high`` (inclusive) that are not in ``present``."""
    keys = plan.checkpointed
    first, last = np.searchsorted(keys, low, "left"), np.searchsorted(keys, high, "right")
    return [pk for pk in keys[first:last].tolist() if pk not in present]


def _verify_range(plan: _Plan, low: int, high: int) -> Iterator[Break | RangeResult]:
    """The cases with ids from ``low`` to ``high`` (inclusive), ``plan.chunk`` cases at a time by
    keyset (case id), each chunk's events in one ordered read of the ``(case, seq)`` index; yields
    each break as found, then the range's ``RangeResult`` (without the breaks)."""
    base = plan.cases if plan.cases is not None else Case.objects.all()
    queryset = base.filter(pk__gte=low, pk__lte=high).order_by("pk")
    digest = _row_digest()
    make = _Row._make
    result = RangeResult([], [])
    last = low - 1
    while True:
        batch = list(
            queryset.filter(pk__gt=last).values_list("pk", "trail_head", "trail_length")[: plan.chunk]
        )
        if not batch:
            break
        ids = [row[0] for row in batch]
        by_case: dict[int, list[_Row]] = {pk: [] for pk in ids}
        listed = ids if plan.cases is not None else []
        # Plain rows from the cursor, not model instances (building a model per event cost as much as
        # the hash). The id range as well as any list: PostgreSQL walks the (case, seq) index over
        # this chunk's range, already in order, instead of scanning the whole trail and sorting.
        with connection.cursor() as cursor:
            cursor.execute(_event_sql(connection.vendor, len(listed)), [ids[0], ids[-1], *listed])
            while rows := cursor.fetchmany(5000):
                for row in rows:
                    events = by_case.get(row[1])
                    if events is not None:
                        events.append(make((*row[:3], _at_text(row[3]), *row[4:])))
                result.events += len(rows)
        for pk, head, length in batch:
            yield from verify_case(
                pk,
                head,
                length,
                by_case[pk],
                legacy_max=plan.legacy_max,
                checkpoint=plan.checkpoints.get(pk),
                digest=digest,
            )
        if len(plan.checkpointed):
            result.missing += _missing_between(plan, last + 1, ids[-1], set(ids))
        result.cases += len(ids)
        last = ids[-1]
    if len(plan.checkpointed) and last < high:
        result.missing += _missing_between(plan, last + 1, high, set())
    yield result


def _range_result(plan: _Plan, low: int, high: int) -> RangeResult:
    result: RangeResult | None = None
    breaks: list[Break] = []
    for item in _verify_range(plan, low, high):
        if isinstance(item, Break):
            breaks.append(item)
        else:
            result = item
    assert result is not None  # noqa: S101 - _verify_range always ends with it
    result.breaks = breaks
    return result


def split_ranges(low: int, high: int, parts: int) -> list[tuple[int, int]]:
    """``low``..``high`` (inclusive) in ``parts`` consecutive ranges of case ids, as equal as the ids
    allow: each case, and so its whole chain (chains are per case), is in exactly one range."""
    parts = max(1, min(parts, high - low + 1))
    size, extra = divmod(high - low + 1, parts)
    out, start = [], low
    for n in range(parts):
        end = start + size + (1 if n < extra else 0) - 1
        out.append((start, end))
        start = end + 1
    return out


# Ranges per job: the ranges are taken in turn, so a job that drew a dense range does not hold up the
# others for long.
RANGES_PER_JOB = 4

_forked_plan: _Plan | None = None


_inherited: list[Any] = []


def _forget_inherited_connections() -> None:
    """In a forked worker, first: set aside any database connection the parent still had open, without
    closing it (closing would say goodbye on the parent's socket) and keeping a reference (so it is
    never finalised here). Two workers writing on one inherited socket interleave the wire protocol
    ("lost synchronization with server"); each worker opens its own connection instead."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited.append(conn.connection)
            conn.connection = None


def _forked_range(bounds: tuple[int, int]) -> RangeResult:
    """One range in a forked worker, on a connection of its own (closed after: the next range, if
    any, opens another)."""
    assert _forked_plan is not None  # noqa: S101 - set before the fork
    try:
        return _range_result(_forked_plan, *bounds)
    finally:
        connections.close_all()


def can_fork() -> bool:
    """Whether ``verify`` can read ranges in forked processes: not inside a transaction (other
    sessions would not see its rows, and the connection cannot be closed before forking), not on an
    in-memory SQLite database (another process cannot open it), and where ``fork`` exists."""
    if connection.in_atomic_block or "fork" not in multiprocessing.get_all_start_methods():
        return False
    # the SQLite backend's own method (not on the base class the stubs type ``connection`` as)
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


def verify(
    cases: Any = None,
    chunk: int = 500,
    checkpoints: Mapping[int, tuple[int, str]] | None = None,
    *,
    jobs: int = 1,
    ranges: int | None = None,
) -> Iterator[Break]:
    """Walk every case's chain (or those of ``cases``, a queryset) and yield each break found;
    with ``checkpoints`` (``read_checkpoints``), also each case that no longer matches them.

    ``jobs`` > 1: the case ids are split into ``ranges`` consecutive ranges (default
    ``RANGES_PER_JOB`` per job) read by ``jobs`` forked processes, each with its own connection; the
    breaks come out in the same order as with one (range by range, in case order). Where forking
    cannot work (``can_fork``) the ranges are read one after another in this process."""
    global _forked_plan
    legacy_max, seal_break = legacy_boundary()
    if seal_break is not None:
        yield seal_break
    heads = checkpoints if isinstance(checkpoints, Heads) else Heads.of(checkpoints or {})
    base = cases if cases is not None else Case.objects.all()
    plan = _Plan(cases, chunk, legacy_max, heads, heads.ids if cases is None else heads.ids[:0])
    span = base.aggregate(low=Min("pk"), high=Max("pk"))
    missing: list[int] = []
    if span["low"] is None:
        missing = plan.checkpointed.tolist()
    else:
        low, high = span["low"], span["high"]
        jobs = max(1, jobs)
        bounds = split_ranges(low, high, ranges or (1 if jobs == 1 else jobs * RANGES_PER_JOB))
        keys = plan.checkpointed
        outside = np.concatenate(
            [keys[: np.searchsorted(keys, low)], keys[np.searchsorted(keys, high, "right") :]]
        )
        missing = outside.tolist()
        if jobs > 1 and len(bounds) > 1 and can_fork():
            connections.close_all()  # the workers open their own; none inherits this one
            _forked_plan = plan
            try:
                pool_of = multiprocessing.get_context("fork").Pool
                with pool_of(min(jobs, len(bounds)), initializer=_forget_inherited_connections) as pool:
                    for result in pool.imap(_forked_range, bounds):
                        yield from result.breaks
                        missing += result.missing
            finally:
                _forked_plan = None
        else:
            for start, end in bounds:
                for item in _verify_range(plan, start, end):
                    if isinstance(item, Break):
                        yield item
                    else:
                        missing += item.missing
    for pk in sorted(missing):
        yield Break(pk, None, "外部检查点记录的工单已不在数据库中（被删除）")


# -- external checkpoints -----------------------------------------------------------------------------


def checkpoint_path(directory: str | Path | None = None) -> Path:
    return Path(directory or settings.JICENG_TRAIL_CHECKPOINT_DIR) / CHECKPOINT_FILE


def _canonical(line: dict[str, Any]) -> str:
    body = {k: v for k, v in line.items() if k != "mac"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _last_line(path: Path) -> dict[str, Any] | None:
    """The file's last line, read from the end (the file only grows)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        block, data = 65536, b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
    text = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return json.loads(text)


@dataclass(frozen=True)
class CheckpointReport:
    path: Path
    cases: int
    lines: int
    max_event_id: int

    def __str__(self) -> str:
        return f"已写入检查点：{self.cases} 件工单的链头，{self.lines} 行 → {self.path}"


def write_checkpoint(directory: str | Path | None = None) -> CheckpointReport:
    """Append the heads of every case whose trail moved since the last checkpoint (all cases the
    first time). Two writers (the SLA runner and the command) take turns on a file lock."""
    path = checkpoint_path(directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last = _last_line(path)
        max_id = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        cases = Case.objects.order_by("pk")
        if last is not None:
            since = max(0, int(last["max_event_id"]) - CHECKPOINT_MARGIN)
            moved = CaseEvent.objects.filter(id__gt=since, id__lte=max_id).values("case_id").distinct()
            cases = cases.filter(pk__in=moved)
        n = int(last["n"]) if last is not None else 0
        prev = str(last["mac"]) if last is not None else ""
        at = timezone.now().isoformat()
        written = lines = 0
        pending: list[list[Any]] = []

        def flush() -> None:
            nonlocal n, prev, lines
            n += 1
            line: dict[str, Any] = {"n": n, "at": at, "max_event_id": max_id, "heads": pending, "prev": prev}
            line["mac"] = sign(_canonical(line))
            os.write(fd, (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
            prev = line["mac"]
            lines += 1

        for pk, length, head in cases.values_list("pk", "trail_length", "trail_head").iterator(
            chunk_size=5000
        ):
            if not length:
                continue
            pending.append([pk, length, head])
            written += 1
            if len(pending) >= CHECKPOINT_LINE_CASES:
                flush()
                pending = []
        if pending or last is None:
            flush()
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    return CheckpointReport(path, written, lines, max_id)


class Heads(Mapping[int, tuple[int, str]]):
    """The checkpointed (length, head) of each case, in three arrays sorted by case id. At Bao'an's
    33 M cases a dict of tuples of Python objects takes about 8 GB (243 MB a million), and forked
    ``verify`` workers copied what their reference counts touched; these arrays take 2.6 GB (80 MB a
    million), shared untouched."""

    def __init__(self, ids: np.ndarray, lengths: np.ndarray, heads: np.ndarray) -> None:
        self.ids, self.lengths, self.heads = ids, lengths, heads

    @classmethod
    def of(cls, items: Mapping[int, tuple[int, str]]) -> Heads:
        ids = np.fromiter(items.keys(), dtype=np.int64, count=len(items))
        order = np.argsort(ids, kind="stable")
        lengths = np.fromiter((v[0] for v in items.values()), dtype=np.int64, count=len(items))
        heads = np.array([v[1].encode() for v in items.values()], dtype=bytes)
        return cls(ids[order], lengths[order], heads[order])

    def _at(self, pk: int) -> int | None:
        i = int(np.searchsorted(self.ids, pk))
        return i if i < len(self.ids) and self.ids[i] == pk else None

    def __getitem__(self, pk: int) -> tuple[int, str]:
        i = self._at(pk)
        if i is None:
            raise KeyError(pk)
        return int(self.lengths[i]), self.heads[i].decode()

    def __contains__(self, pk: object) -> bool:
        return isinstance(pk, int | np.integer) and self._at(int(pk)) is not None

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __len__(self) -> int:
        return len(self.ids)


def _latest(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Heads:
    """One ``Heads`` from the file's lines in order: a case in several lines keeps its last one."""
    if not parts:
        return Heads.of({})
    ids = np.concatenate([p[0] for p in parts])
    order = np.argsort(ids, kind="stable")  # a case's lines stay in file order
    ordered = ids[order]
    last = np.ones(len(ordered), dtype=bool)
    last[:-1] = ordered[1:] != ordered[:-1]
    keep = order[last]
    lengths = np.concatenate([p[1] for p in parts])[keep]
    heads = np.concatenate([p[2] for p in parts])[keep]
    return Heads(ordered[last], lengths, heads)


def read_checkpoints(directory: str | Path | None = None) -> tuple[Heads, list[Break]]:
    """The latest checkpointed (length, head) per case, and the breaks of the file itself: a line
    whose signature does not match, or that does not follow the one before it."""
    path = checkpoint_path(directory)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    breaks: list[Break] = []
    if not path.exists():
        return _latest(parts), breaks
    prev, expected_n = "", 1
    with path.open("r", encoding="utf-8") as fh:
        for number, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                valid = hmac.compare_digest(str(line.get("mac", "")), sign(_canonical(line)))
            except (ValueError, TypeError, AttributeError):
                line, valid = {}, False
            if not valid:
                breaks.append(Break(0, None, f"检查点文件第 {number} 行被改动（签名与密钥不符）"))
                continue
            if line.get("n") != expected_n or line.get("prev") != prev:
                breaks.append(Break(0, None, f"检查点文件第 {number} 行之前有行被删除或插入"))
            rows = line.get("heads", [])
            if rows:
                parts.append(
                    (
                        np.array([int(r[0]) for r in rows], dtype=np.int64),
                        np.array([int(r[1]) for r in rows], dtype=np.int64),
                        np.array([str(r[2]).encode() for r in rows], dtype=bytes),
                    )
                )
            prev, expected_n = line["mac"], int(line["n"]) + 1
    return _latest(parts), breaks
