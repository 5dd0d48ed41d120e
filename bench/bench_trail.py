"""The keyed trail's cost: HMAC-SHA256 per event against the plain SHA-256 it replaced (intake and the
SLA sweep chain one or two events per case), and chain verification per event."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench.common import Context

AREA = "trail"


def run(ctx: Context) -> None:
    n = 20_000 if ctx.quick else 200_000
    result = ctx.in_django(ctx.sqlite_url("trail"), "bench.bench_trail:measure", n)
    ctx.row(AREA, "event hash, unkeyed SHA-256 (before)", result["sha256_per_s"], "events/s")
    ctx.row(AREA, "event hash, keyed HMAC-SHA256", result["hmac_per_s"], "events/s", "≥ 90% of SHA-256")
    ctx.row(AREA, "keyed vs unkeyed", f"{result['hmac_per_s'] / result['sha256_per_s']:.0%}", "")
    ctx.row(AREA, "verify a chain (in memory)", result["verify_per_s"], "events/s", note=f"{n:,} events")


def measure(n: int) -> dict[str, float]:
    from jiceng.cases import trail
    from jiceng.cases.models import CaseEvent

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    data: dict[str, Any] = {"channel": "portal", "grid": "44030600100101"}

    def rate(keyed: bool) -> float:
        head = ""
        started = time.perf_counter()
        for seq in range(1, n + 1):
            head = trail.event_hash(
                case_id=seq // 8, seq=seq, at=at, action="progress", from_status="in_progress",
                to_status="in_progress", actor_id=7, unit_id=3, reason="", data=data, prev_hash=head,
                keyed=keyed,
            )  # fmt: skip
        return n / (time.perf_counter() - started)

    sha256, keyed = rate(False), rate(True)
    events, head = [], ""
    for seq in range(1, n + 1):
        event = CaseEvent(
            pk=seq, case_id=1, seq=seq, at=at, action="progress", from_status="in_progress",
            to_status="in_progress", actor_id=7, unit_id=3, reason="", data=data, prev_hash=head, keyed=True,
        )  # fmt: skip
        event.hash = head = trail.hash_of(event)
        events.append(event)
    started = time.perf_counter()
    breaks = list(trail.verify_case(1, head, n, events))
    assert not breaks
    return {
        "sha256_per_s": round(sha256),
        "hmac_per_s": round(keyed),
        "verify_per_s": round(n / (time.perf_counter() - started)),
    }
