"""The shipped deployment files run as written.

No container engine or systemd runs inside the test machine, so these tests take what the systemd
units (deploy/systemd/*.service) and compose.yaml would run — each command line, with the unit's
environment file (deploy/jiceng.env.example) or the compose service's environment — and run it here:
the web server answers /healthz, each worker passes the very health check compose uses
(``jiceng workers --check NAME``), and each stops with exit status 0 within its unit's stop timeout
after the unit's stop signal, leaving a "stopped" heartbeat. Only paths, ports and the database are
replaced (a temporary SQLite file instead of the PostgreSQL service).
"""

from __future__ import annotations

import configparser
import os
import secrets
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from jiceng.lib.pgcluster import free_port
from jiceng.lib.procs import wait_for

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
JICENG = VENV_BIN / "jiceng"

pytestmark = pytest.mark.skipif(not JICENG.exists(), reason="the jiceng console script is not installed")


def broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def unit(path: Path) -> dict[str, str]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return dict(parser["Service"])


@dataclass
class Host:
    """What stays the same for every unit: a migrated database and its own directories."""

    env: dict[str, str]
    db: Path


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    work = tmp_path_factory.mktemp("deploy")
    db = work / "jiceng.sqlite3"
    env = {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "JICENG_ENV_FILE": str(work / "absent.env"),
        "JICENG_FAST_HASHER": "1",
    }
    secrets_env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JICENG_TRAIL_KEY": secrets.token_urlsafe(32),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "DATABASE_URL": f"sqlite:///{db}",
        "JICENG_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "var" / "media"),
        "JICENG_SENSING_CLIENT_ID": f"deploy-test-{uuid.uuid4().hex[:8]}",
    }
    env.update(secrets_env)
    migrate = subprocess.run(
        [str(JICENG), "migrate", "--noinput", "-v0"], env=env, cwd=work, capture_output=True, timeout=600
    )
    assert migrate.returncode == 0, migrate.stderr.decode()[-2000:]
    yield Host(env, db)


def beat_state(db: Path, name: str) -> str | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT state FROM core_workerbeat WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def healthz(port: int, host_header: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 — our own server
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host_header, "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def run_service(
    argv: list[str],
    env: dict[str, str],
    *,
    worker: str | None,
    port: int | None,
    host_header: str,
    stop_signal: int,
    stop_seconds: float,
    cwd: Path,
    db: Path,
) -> None:
    """Start the command, wait for its health check, stop it as the service manager would."""
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if worker is None:
            assert port is not None
            wait_for(lambda: proc.poll() is None and healthz(port, host_header), 90, "/healthz")
        else:
            check = [str(JICENG), "workers", "--check", worker]

            def healthy() -> bool:
                assert proc.poll() is None, proc.stdout.read().decode()[-2000:]  # type: ignore[union-attr]
                return (
                    subprocess.run(check, env=env, cwd=cwd, capture_output=True, timeout=60).returncode == 0
                )

            wait_for(healthy, 90, f"the health check of {worker}")
        proc.send_signal(stop_signal)
        try:
            code = proc.wait(stop_seconds)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{argv} did not stop within {stop_seconds} s") from None
        output = proc.stdout.read().decode(errors="replace")  # type: ignore[union-attr]
        assert code == 0, output[-2000:]
        if worker is not None:
            assert beat_state(db, worker) == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


# -- systemd ---------------------------------------------------------------------------------------

SYSTEMD_WORKERS = {
    "jiceng-sla.service": "sla",
    "jiceng-rollup.service": "stats-rollup",
    "jiceng-notify.service": "notify",
    "jiceng-ingest.service": "sensing-ingest",
    "jiceng-gridwork.service": "gridwork-sweep",
    "jiceng-retrain.service": "triage-retrain",
    "jiceng-web.service": None,
}


def test_every_systemd_unit_is_covered_here() -> None:
    services = {p.name for p in (DEPLOY / "systemd").glob("*.service")} - {"jiceng-backup.service"}
    assert services == set(SYSTEMD_WORKERS)


@pytest.mark.parametrize("name", sorted(SYSTEMD_WORKERS))
def test_the_systemd_unit_runs_answers_its_health_check_and_stops_on_its_signal(
    host: Host, name: str
) -> None:
    worker = SYSTEMD_WORKERS[name]
    if worker == "sensing-ingest" and not broker_up():
        pytest.skip("no MQTT broker on 127.0.0.1:1883")
    service = unit(DEPLOY / "systemd" / name)
    assert service["EnvironmentFile"] == "/etc/jiceng/jiceng.env"
    env = {**host.env, **env_file(DEPLOY / "jiceng.env.example")}
    env.update(
        {
            k: host.env[k]
            for k in ("SECRET_KEY", "JICENG_TRAIL_KEY", "DATABASE_URL", "JICENG_VAR_DIR", "MEDIA_ROOT")
        }
    )
    work = Path(host.env["HOME"])
    port = free_port()

    def local(command: str) -> list[str]:
        argv = shlex.split(command)
        assert argv[0] == "/opt/jiceng/venv/bin/jiceng", argv
        argv[0] = str(JICENG)
        if "--port" in argv:
            argv[argv.index("--port") + 1] = str(port)
        if worker == "sensing-ingest":
            argv += ["--topic-prefix", f"deploytest{uuid.uuid4().hex[:8]}"]
        return argv

    if "ExecStartPre" in service:
        pre = subprocess.run(
            local(service["ExecStartPre"]), env=env, cwd=work, capture_output=True, timeout=600
        )
        assert pre.returncode == 0, pre.stderr.decode()[-2000:]
    stop_signal = getattr(signal, service.get("KillSignal", "SIGTERM"))
    stop_seconds = float(service.get("TimeoutStopSec", "90"))
    run_service(
        local(service["ExecStart"]),
        env,
        worker=worker,
        port=port,
        host_header=env["ALLOWED_HOSTS"].split(",")[0],
        stop_signal=stop_signal,
        stop_seconds=stop_seconds,
        cwd=work,
        db=host.db,
    )


def test_the_backup_unit_writes_a_backup(host: Host) -> None:
    service = unit(DEPLOY / "systemd" / "jiceng-backup.service")
    target = Path(host.env["HOME"]) / "backups"
    target.mkdir()
    command = service["ExecStart"].replace("%%", "%").replace("/opt/jiceng/venv/bin/jiceng", str(JICENG))
    command = command.replace("/var/backups/jiceng", str(target))
    argv = shlex.split(command)
    env = {**host.env}
    done = subprocess.run(argv, env=env, cwd=target, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    [written] = target.glob("jiceng-*.tar")
    assert written.stat().st_size > 0


# -- compose ---------------------------------------------------------------------------------------


def compose_services() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]


APP_SERVICES = ["web", "sla", "rollup", "notify", "ingest", "gridwork", "retrain"]


def test_compose_runs_every_worker_the_systemd_units_run() -> None:
    services = compose_services()
    assert {"db", "mqtt", "migrate", *APP_SERVICES} <= set(services)
    workers = {services[s]["environment"]["JICENG_WORKER"] for s in APP_SERVICES if s != "web"}
    assert workers == {w for w in SYSTEMD_WORKERS.values() if w}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_the_compose_service_runs_answers_its_health_check_and_stops_in_its_grace_period(
    host: Host, name: str
) -> None:
    service = compose_services()[name]
    environment: dict[str, str] = {k: str(v) for k, v in service["environment"].items()}
    worker = environment.get("JICENG_WORKER")
    if name == "ingest" and not broker_up():
        pytest.skip("no MQTT broker on 127.0.0.1:1883")
    # What compose would put in: ${VAR:-default} and ${VAR:?message} from a .env holding the secrets.
    env = {**host.env}
    for key, value in environment.items():
        if "${" in value or key in ("DATABASE_URL", "SECRET_KEY"):
            continue
        env[key] = value
    env["ALLOWED_HOSTS"] = "localhost"
    env["MQTT_URL"] = "mqtt://127.0.0.1:1883"
    argv = [str(a) for a in service["command"]]
    assert argv[0] == "jiceng"
    argv[0] = str(JICENG)
    port = free_port()
    if "--port" in argv:
        argv[argv.index("--port") + 1] = str(port)
        argv[argv.index("--host") + 1] = "127.0.0.1"
    if "--mqtt" in argv:
        argv[argv.index("--mqtt") + 1] = "mqtt://127.0.0.1:1883"
        argv += ["--topic-prefix", f"deploytest{uuid.uuid4().hex[:8]}"]
    grace = str(service.get("stop_grace_period", "10s"))
    assert grace.endswith("s")
    run_service(
        argv,
        env,
        worker=worker,
        port=port,
        host_header="localhost",
        stop_signal=signal.SIGTERM,
        stop_seconds=float(grace[:-1]),
        cwd=Path(host.env["HOME"]),
        db=host.db,
    )
