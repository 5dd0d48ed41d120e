"""A throwaway PostgreSQL cluster: initdb into a directory, start on a free loopback port, stop,
start again. For the fault tests (PostgreSQL stopped under the server and the workers) and the
benchmarks; never touches a cluster it did not create."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def pg_bin() -> Path | None:
    """The newest installed server binaries (Debian layout), or None."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """``initdb`` + ``pg_ctl start`` in ``datadir``; ``url(name)`` for a database in it."""

    def __init__(
        self, datadir: Path, options: str = FAST, standby_of: ThrowawayPostgres | None = None
    ) -> None:
        found = pg_bin()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = found
        self.datadir = datadir
        self.port = free_port()
        self.given_options = options
        self.options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k /tmp {options}"
        # initdb refuses to run as root: run the server as the postgres system user then.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        datadir.mkdir(parents=True, exist_ok=True)
        datadir.chmod(0o700)  # the server refuses a data directory others may read
        if os.geteuid() == 0:
            shutil.chown(datadir.parent, "postgres", "postgres")
            shutil.chown(datadir, "postgres", "postgres")
        if standby_of is None:
            self._pg(
                "initdb",
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            )
        else:
            # A hot standby: a base backup of the primary that streams its WAL from then on (-R writes
            # standby.signal and primary_conninfo). The primary's defaults (wal_level=replica,
            # max_wal_senders=10, trust for replication from 127.0.0.1 after initdb) allow it.
            self._pg(
                "pg_basebackup", "-h", "127.0.0.1", "-p", str(standby_of.port), "-U", "postgres",
                "-D", str(datadir), "-R", "-X", "stream", "-c", "fast",
            )  # fmt: skip
            self.options += " -c hot_standby=on"
        self.start()

    def _pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*self.run_as, str(self.bin / tool), *args], check=check, capture_output=True, timeout=120
        )

    def start(self) -> None:
        log = str(self.datadir / "log")
        self._pg("pg_ctl", "-D", str(self.datadir), "-l", log, "-o", self.options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
            ]
            + ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout.strip()

    def standby(self, datadir: Path) -> ThrowawayPostgres:
        """A hot standby of this cluster in ``datadir``, streaming from it, on its own free port."""
        return ThrowawayPostgres(datadir, options=self.given_options, standby_of=self)

    def in_recovery(self) -> bool:
        return self.psql("SELECT pg_is_in_recovery()") == "t"

    def wait_replayed(self, primary: ThrowawayPostgres, seconds: float = 30) -> None:
        """Wait until this standby has replayed everything the primary had written when called."""
        import time

        # The throwaway servers commit asynchronously (FAST): a commit may still sit in the primary's
        # WAL buffers, ahead of its write position. A checkpoint writes everything out first.
        primary.psql("CHECKPOINT")
        target = primary.psql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
                return
            time.sleep(0.1)
        raise TimeoutError(f"the standby did not replay up to {target} within {seconds} s")

    def create_database(self, name: str) -> str:
        self.psql(f'DROP DATABASE IF EXISTS "{name}"')
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"
