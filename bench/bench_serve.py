"""The production server under load: ``jiceng serve`` on PostgreSQL, 4 / 16 / 64 / 256 concurrent
clients, each either keeping its connection alive or opening a new one per request (phones on
mobile networks). Each client sends an authenticated API read (``GET /api/v1/cases/`` with a token:
the token, the user's posts, a count bounded at 10,000 rows, and the page itself once there are
cases — three queries on the bench's empty database). Figures: throughput, p50 and p99
latency, and errors by kind (5xx, connection reset, refused, timeout).

Durations: ``BENCH_SERVE_SECONDS`` per level (default 60, 3 under ``--quick``). The load generator is
one asyncio process on the same machine as the server, so it takes a share of the same cores.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.common import ROOT, Context
from jiceng.lib.pgcluster import free_port

AREA = "serve"
LEVELS = (4, 16, 64, 256)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0


def prepare() -> dict[str, str]:
    """Inside Django: a district-wide dispatcher account with an API token."""
    from rest_framework.authtoken.models import Token

    from jiceng.org.models import User

    user = User.objects.create_superuser("bench-serve", "bench@example.gov.cn", "bench-serve-pass")
    token, _created = Token.objects.get_or_create(user=user)
    return {"token": token.key}


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


async def _client(port: int, request: bytes, keepalive: bool, deadline: float, tally: Tally) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            if writer is None or reader is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
            writer.write(request)
            await writer.drain()
            status, close = await asyncio.wait_for(_read_response(reader), 30)
            tally.latencies.append(time.perf_counter() - started)
            tally.statuses[status] += 1
            if status >= 500:
                tally.errors[f"http_{status}"] += 1
            if close or not keepalive:
                writer.close()
                writer = reader = None
        except TimeoutError:
            tally.errors["timeout"] += 1
            writer = reader = None
        except ConnectionResetError:
            tally.errors["reset"] += 1
            writer = reader = None
        except ConnectionRefusedError:
            tally.errors["refused"] += 1
            writer = reader = None
            await asyncio.sleep(0.05)
        except (asyncio.IncompleteReadError, OSError) as exc:
            tally.errors[type(exc).__name__] += 1
            writer = reader = None
    if writer is not None:
        writer.close()


async def _load(port: int, token: str, clients: int, keepalive: bool, seconds: float) -> Tally:
    request = (
        "GET /api/v1/cases/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Token {token}\r\nAccept: application/json\r\n"
        f"Connection: {'keep-alive' if keepalive else 'close'}\r\n\r\n"
    ).encode()
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(_client(port, request, keepalive, deadline, tally) for _ in range(clients)))
    # Requests sent before the deadline finish after it: throughput is over the whole wall time.
    tally.elapsed = time.monotonic() - started
    return tally


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(ctx: Context) -> None:
    seconds = float(os.environ.get("BENCH_SERVE_SECONDS", "3" if ctx.quick else "60"))
    url = ctx.pg_url
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jiceng.settings",
        "JICENG_ALLOW_DEV_KEY": "1",
        "JICENG_FAST_HASHER": "1",
        "JICENG_VAR_DIR": str(ctx.workdir / "var-serve"),
        "LOG_LEVEL": "ERROR",
    }
    subprocess.run([sys.executable, "-m", "jiceng.cli", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    token = ctx.in_django(url, "bench.bench_serve:prepare")["token"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jiceng.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        sizing = (server.stdout.readline() if server.stdout else "").strip()
        _wait_until_up(port)
        asyncio.run(_load(port, token, 4, True, 2.0))  # warm-up: every worker has imported its views
        for clients in LEVELS:
            for keepalive in (True, False):
                tally = asyncio.run(_load(port, token, clients, keepalive, seconds))
                done = len(tally.latencies)
                errors = sum(tally.errors.values())
                mode = "keep-alive" if keepalive else "new conn"
                kinds = ", ".join(f"{k} {v}" for k, v in sorted(tally.errors.items())) or "none"
                ctx.row(
                    AREA,
                    f"{clients} clients, {mode}",
                    done / tally.elapsed,
                    "req/s",
                    "0 errors; p99 < 1 s at 64",
                    f"p50 {_percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
                    f"p99 {_percentile(tally.latencies, 0.99) * 1000:.0f} ms, errors {errors} ({kinds}), "
                    f"2xx {sum(v for s, v in tally.statuses.items() if 200 <= s < 300)}",
                )
        ctx.row(AREA, "server sizing", sizing.split("· ")[-1], "", note=f"{seconds:.0f} s per level")
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_until_up(port: int, seconds: float = 120) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("jiceng serve did not start")
