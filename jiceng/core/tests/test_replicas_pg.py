"""Read routing against a real hot standby (``DATABASE_REPLICA_URLS``).

A throwaway primary and a standby made from it with ``pg_basebackup -R`` stream WAL to each other;
the web server (``manage.py serve``) gets the primary as ``DATABASE_URL`` and the standby as its
replica. With the standby's replay paused, a command-centre read by someone who did not just write
shows the standby's older state, while the leader who just changed it reads it back from the primary.
"""

from __future__ import annotations

import http.cookiejar
import json
import shutil
import subprocess
import sys
import tempfile
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
PASSWORD = "Replica-Test-2026"


@dataclass
class Pair:
    primary: ThrowawayPostgres
    standby: ThrowawayPostgres
    base: str


class Client:
    """One browser or API client: its own token, and cookies only if it keeps them."""

    def __init__(self, base: str, *, keeps_cookies: bool) -> None:
        self.base = base
        handlers: list[Any] = []
        if keeps_cookies:
            handlers.append(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener = urllib.request.build_opener(*handlers)
        self.token = ""

    def call(self, method: str, path: str, data: dict[str, Any] | None = None) -> tuple[int, Any]:
        body = json.dumps(data).encode() if data is not None else None
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def sign_in(self) -> None:
        status, body = self.call("POST", "/api/v1/auth/token/", {"username": "leader", "password": PASSWORD})
        assert status == 200, body
        self.token = body["token"]


def _client_backends(pg: ThrowawayPostgres) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'jiceng' AND backend_type = 'client backend'"
    return int(pg.psql(sql))


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    # Not under pytest's temp root: the servers run as the postgres user, who cannot enter it.
    pg_dir = Path(tempfile.mkdtemp(prefix="jiceng-replicas-"))
    work = Path(tempfile.mkdtemp(prefix="jiceng-replicas-var-"))
    primary = ThrowawayPostgres(pg_dir / "primary")
    standby: ThrowawayPostgres | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        url = primary.create_database("jiceng")
        env = server_env(work, url, JICENG_REPLICA_STICKY_SECONDS="30")
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=1800)
        subprocess.run(
            [*manage, "createsuperuser", "--noinput", "--username", "leader", "--email", "leader@example.cn"],
            cwd=ROOT,
            env={**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
            check=True,
            timeout=120,
        )
        district = (
            "from django.conf import settings; from jiceng.places.models import Division, Level; "
            "Division.objects.create(code=settings.JICENG_DISTRICT_CODE, name='宝安区', level=Level.DISTRICT)"
        )
        subprocess.run([*manage, "shell", "-c", district], cwd=ROOT, env=env, check=True, timeout=120)
        standby = primary.standby(pg_dir / "standby")
        assert standby.in_recovery() and not primary.in_recovery()
        standby.wait_replayed(primary)
        env["DATABASE_REPLICA_URLS"] = standby.url("jiceng")
        port = free_port()
        server = subprocess.Popen(
            [*manage, "serve", "--port", str(port), "--workers", "1", "--threads", "4", "--no-collectstatic"],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(base), 60, "the server")
        yield Pair(primary, standby, base)
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait(10)
        for pg in (standby, primary):
            if pg is not None:
                pg.stop("immediate")
        shutil.rmtree(pg_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def test_a_command_centre_read_is_served_by_the_standby_and_the_writer_reads_its_own_write(
    pair: Pair,
) -> None:
    leader = Client(pair.base, keeps_cookies=True)  # a browser: keeps the read-your-writes cookie
    viewer = Client(pair.base, keeps_cookies=False)  # another screen somewhere else
    leader.sign_in()
    viewer.sign_in()
    pair.standby.wait_replayed(pair.primary)  # both tokens are on the standby too
    status, body = viewer.call("GET", "/api/v1/stats/weights/")
    assert status == 200, body
    before = body["weights"]["satisfaction"]
    assert _client_backends(pair.standby) >= 1  # the server holds a connection to the standby

    # the standby stops replaying: from now on it shows the past
    pair.standby.psql("SELECT pg_wal_replay_pause()")
    try:
        # when the leader changes a weight (a write: the primary)
        status, body = leader.call("PUT", "/api/v1/stats/weights/", {"satisfaction": before + 7})
        assert status == 200, body
        # then the leader, who just wrote, reads it back at once (from the primary)
        status, body = leader.call("GET", "/api/v1/stats/weights/")
        assert status == 200 and body["weights"]["satisfaction"] == before + 7, body
        # and the other screen's read is served by the paused standby: still the old weight
        status, body = viewer.call("GET", "/api/v1/stats/weights/")
        assert status == 200 and body["weights"]["satisfaction"] == before, body
        assert pair.standby.in_recovery()
    finally:
        pair.standby.psql("SELECT pg_wal_replay_resume()")

    # once the standby catches up, everyone sees the new weight
    pair.standby.wait_replayed(pair.primary)
    status, body = viewer.call("GET", "/api/v1/stats/weights/")
    assert status == 200 and body["weights"]["satisfaction"] == before + 7, body


def test_a_token_issued_a_moment_ago_works_on_a_replica_read_while_the_standby_is_behind(pair: Pair) -> None:
    pair.standby.wait_replayed(pair.primary)
    pair.standby.psql("SELECT pg_wal_replay_pause()")
    try:
        # a token made while the standby is paused exists only on the primary
        pair.primary.psql("DELETE FROM authtoken_token", "jiceng")
        fresh = Client(pair.base, keeps_cookies=False)
        fresh.sign_in()
        on_standby = f"SELECT count(*) FROM authtoken_token WHERE key = '{fresh.token}'"
        assert pair.standby.psql(on_standby, "jiceng") == "0"
        assert pair.primary.psql(on_standby, "jiceng") == "1"
        # who is asking is always looked up on the primary, so the replica-routed read answers
        status, body = fresh.call("GET", "/api/v1/stats/weights/")
        assert status == 200, body
    finally:
        pair.standby.psql("SELECT pg_wal_replay_resume()")
