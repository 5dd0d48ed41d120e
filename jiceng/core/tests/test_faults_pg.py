"""PostgreSQL stopped and started again under the running web server and workers.

A throwaway cluster (initdb into a temp dir, a free port) — never the shared server. While it is
down the API answers 503 in its JSON error format, pages get the 503 page, /healthz stays 200 and
/readyz answers 503 at once; the workers keep running and resume by themselves once it is back.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jiceng.lib.pgcluster import ThrowawayPostgres, free_port, pg_bin
from jiceng.lib.procs import server_env, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Site:
    pg: ThrowawayPostgres
    env: dict[str, str]
    base: str
    server: subprocess.Popen[bytes]
    workers: dict[str, subprocess.Popen[bytes]]


def get(
    url: str, data: dict[str, Any] | None = None, timeout: float = 10
) -> tuple[int, bytes, dict[str, str]]:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — our own server
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def beat_of(site: Site, name: str) -> tuple[str, float] | None:
    row = site.pg.psql(
        f"SELECT state, extract(epoch FROM beat_at) FROM core_workerbeat WHERE name = '{name}'", "jiceng"
    )
    if not row:
        return None
    state, at = row.split("|")
    return state, float(at)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("faults")
    # Not under pytest's temp root: the server runs as the postgres user, who cannot enter it.
    pg_dir = Path(tempfile.mkdtemp(prefix="jiceng-faults-"))
    pg = ThrowawayPostgres(pg_dir / "data")
    try:
        env = server_env(work, pg.create_database("jiceng"), JICENG_WORKER_STALE_SECONDS="600")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
        port = free_port()
        server = subprocess.Popen(
            [*manage, "serve", "--port", str(port), "--workers", "1", "--threads", "4", "--no-collectstatic"],
            cwd=ROOT,
            env=env,
        )
        workers = {
            "sla": subprocess.Popen([*manage, "sla", "run", "--interval", "0.5"], cwd=ROOT, env=env),
            "stats-rollup": subprocess.Popen(
                [*manage, "stats", "rollup", "--follow", "--interval", "0.5"], cwd=ROOT, env=env
            ),
        }
        s = Site(pg, env, f"http://127.0.0.1:{port}", server, workers)
        wait_for(
            lambda: get(s.base + "/healthz", timeout=2)[0] == 200 if _up(s.base) else False, 60, "the server"
        )
        yield s
    finally:
        for proc in [*(locals().get("workers") or {}).values(), locals().get("server")]:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
        pg.stop("immediate")
        shutil.rmtree(pg_dir, ignore_errors=True)


def _up(base: str) -> bool:
    try:
        return get(base + "/healthz", timeout=5)[0] == 200
    except OSError:
        return False


def token_request(site: Site) -> tuple[int, Any]:
    """A public API read that needs the database (the Open311 service list): 200 while it is up.
    (Not a failed sign-in: those are counted, and the lockout would answer 429 after a few.)"""
    status, body, _headers = get(site.base + "/open311/v2/services.json")
    return status, json.loads(body)


def test_the_site_answers_503_while_postgresql_is_down_and_recovers_by_itself(site: Site) -> None:
    # given a running site
    assert token_request(site)[0] == 200  # a database read
    for name in site.workers:
        wait_for(lambda name=name: beat_of(site, name), 30, f"the first heartbeat of {name}")

    # when PostgreSQL stops
    site.pg.stop("fast")
    try:
        # then the API answers 503 in its error format, quickly, and liveness stays up
        started = time.monotonic()
        status, body = token_request(site)
        assert status == 503, body
        assert body["error"]["code"] == "unavailable" and body["error"]["message"]
        assert time.monotonic() - started < 8
        assert get(site.base + "/healthz")[0] == 200
        started = time.monotonic()
        status, raw, headers = get(site.base + "/readyz")
        assert status == 503 and json.loads(raw)["checks"]["database"]["ok"] is False
        assert time.monotonic() - started < 8
        assert headers.get("Retry-After") is None or headers["Retry-After"].isdigit()
        # a page gets the styled 503 page (the login form reads the database)
        status, raw, headers = get(
            site.base + "/api/v1/auth/token/", {"username": "a", "password": "bcdefghi"}
        )
        assert status == 503 and headers["Retry-After"] == "5"
        time.sleep(3)  # the workers meet the outage
        assert all(proc.poll() is None for proc in site.workers.values()), "a worker exited"
    finally:
        site.pg.start()
    back_at = time.time()

    # and once it is back, the site answers without a restart, and the workers beat again
    wait_for(lambda: token_request(site)[0] == 200, 30, "the API to answer again")
    assert all(token_request(site)[0] == 200 for _ in range(10))
    for name in site.workers:
        wait_for(
            lambda name=name: (b := beat_of(site, name)) is not None and b[1] > back_at,
            60,
            f"{name} to beat again",
        )
    status, raw, _headers = get(site.base + "/readyz")
    assert status == 200, raw


def test_a_page_gets_the_styled_503_page_while_postgresql_is_down(site: Site) -> None:
    site.pg.stop("fast")
    try:
        # an anonymous visitor is sent to log in without the database; a session cookie makes it read
        cookie = {"Cookie": "sessionid=" + "a" * 32}
        request = urllib.request.Request(site.base + "/cases/", headers=cookie)  # noqa: S310
        try:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310
            status, page, headers = 200, "", {}
        except urllib.error.HTTPError as exc:
            status, page, headers = exc.code, exc.read().decode(), dict(exc.headers)
        assert status == 503
        assert "服务暂时不可用" in page and "<html" in page
        assert headers["Content-Type"].startswith("text/html")
    finally:
        site.pg.start()
    wait_for(lambda: token_request(site)[0] == 200, 30, "the API to answer again")


def test_workers_stop_cleanly_on_sigterm(site: Site) -> None:
    for name, proc in site.workers.items():
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, name
        assert beat_of(site, name)[0] == "stopped"  # type: ignore[index]
    site.server.send_signal(signal.SIGTERM)
    assert site.server.wait(40) == 0
