"""Deadline arithmetic speed: the SLA sweep recomputes deadlines and elapsed time for every open case.

Pure-library figures (``add``/``elapsed``/``extend`` per second on random starts across 2005–2025,
limits up to 60 working days) and the per-call cost of ``current_calendar()`` on a database (one
version read when nothing changed) and of recompiling it after a change.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from bench.common import Context
from jiceng.lib.workdays import SHANGHAI, Calendar

AREA = "calendar"


def _starts(n: int, seed: int = 7) -> list[tuple[dt.datetime, float]]:
    rng = random.Random(seed)
    first = dt.date(2005, 1, 1).toordinal()
    last = dt.date(2025, 10, 1).toordinal()
    out = []
    for _ in range(n):
        day = dt.date.fromordinal(rng.randint(first, last))
        moment = dt.datetime(
            day.year, day.month, day.day, rng.randint(0, 23), rng.randint(0, 59), tzinfo=SHANGHAI
        )
        out.append((moment, float(rng.choice((1, 2, 3, 5, 7, 10, 15, 20, 30, 60)))))
    return out


def _rate(n: int, fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return n / (time.perf_counter() - started)


def run(ctx: Context) -> None:
    n = 20_000 if ctx.quick else 200_000
    started = time.perf_counter()
    cal = Calendar.from_chinese_calendar(2004, 2026)
    ctx.row(AREA, "compile 2004–2026 calendar", (time.perf_counter() - started) * 1000, "ms")
    cases = _starts(n)
    ends = [start + dt.timedelta(days=amount * 1.3) for start, amount in cases]
    pauses = [[(start + dt.timedelta(hours=30), start + dt.timedelta(hours=80))] for start, _a in cases]

    for unit in ("workday", "workhour", "minute"):
        rate = _rate(n, lambda unit=unit: [cal.add(s, a, unit) for s, a in cases])
        ctx.row(AREA, f"add ({unit})", rate, "ops/s", ">= 100,000", f"{n:,} random starts")
    for unit in ("workday", "workhour"):
        rate = _rate(
            n, lambda unit=unit: [cal.elapsed(s, e, unit) for (s, _a), e in zip(cases, ends, strict=True)]
        )
        ctx.row(AREA, f"elapsed ({unit})", rate, "ops/s", ">= 100,000", f"{n:,} random spans")
    rate = _rate(n, lambda: [cal.extend(e, p, "workday") for e, p in zip(ends, pauses, strict=True)])
    ctx.row(AREA, "extend (workday, one pause)", rate, "ops/s", ">= 50,000")
    sweep = 1_000_000 / _rate(
        n, lambda: [cal.elapsed(s, e, "workday") for (s, _a), e in zip(cases, ends, strict=True)]
    )
    ctx.row(AREA, "elapsed for 1 M open cases", sweep, "s", "< 10", "one SLA sweep, one core")

    for label, url in [("SQLite", ctx.sqlite_url("calendar"))] + (
        [] if ctx.quick else [("PostgreSQL", ctx.pg_url)]
    ):
        result = ctx.in_django(url, "bench.bench_calendar:measure_db", 2_000 if ctx.quick else 20_000)
        ctx.row(AREA, f"current_calendar() unchanged ({label})", result["check_us"], "µs/call", "< 500")
        ctx.row(AREA, f"current_calendar() after a change ({label})", result["rebuild_ms"], "ms", "< 100")


def measure_db(calls: int) -> dict[str, float]:
    """In a Django subprocess: migrate, then time the cached and the recompiled calendar."""
    from django.core.management import call_command

    from jiceng.core import calendar

    call_command("migrate", verbosity=0)
    calendar.current_calendar()
    started = time.perf_counter()
    for _ in range(calls):
        calendar.current_calendar()
    check_us = (time.perf_counter() - started) / calls * 1e6
    rebuilds = 20
    started = time.perf_counter()
    for _ in range(rebuilds):
        calendar.bump_version()
        calendar.current_calendar()
    rebuild_ms = (time.perf_counter() - started) / rebuilds * 1000
    return {"check_us": check_us, "rebuild_ms": rebuild_ms}
