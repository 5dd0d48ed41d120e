"""Typed helpers that read settings from the environment and fail loudly on a bad value."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(RuntimeError):
    """A setting in the environment has a value we cannot use."""


def read_env_file(path: str) -> list[str]:
    """Load ``KEY=VALUE`` lines of a ``.env`` file into ``os.environ``; return the names it set.

    The environment wins: a variable already set (by the shell, systemd, compose) is left alone, so
    the file only fills in what the environment does not say. Blank lines and ``#`` comments are
    skipped, ``export KEY=VALUE`` is accepted, and one pair of surrounding quotes is removed. A line
    that is not ``KEY=VALUE`` is an error, not a silent skip.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return []
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.replace("_", "").isalnum() or name[0].isdigit():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        pairs.append((name, value))
    # Nothing is applied from a file with a bad line.
    loaded: list[str] = []
    for name, value in pairs:
        if name not in os.environ:
            os.environ[name] = value
            loaded.append(name)
    return loaded


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}")


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str, base_dir: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pw@host:port/name`` into a DATABASES entry."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/to/checkout.sqlite3 or sqlite:////absolute/path.sqlite3
        rest = unquote(url[len("sqlite://") :])
        if rest.startswith("//"):
            name = rest[1:]
        elif rest.strip("/"):
            name = os.path.join(base_dir, rest.lstrip("/"))
        else:
            name = os.path.join(base_dir, "var", "jiceng.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        # A database that is down answers within seconds (a 503), never hangs a worker thread.
        options: dict[str, object] = {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5)}
        query = parse_qs(parsed.query)
        if "sslmode" in query:
            options["sslmode"] = query["sslmode"][0]
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "jiceng",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            # Each gunicorn thread keeps its connection for a minute (no connect per request), checked
            # before reuse so a restarted server costs one failed request at most, not a burst of 500s.
            # Connections are bounded by workers × threads (see ``jiceng serve``), never by clients.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(f"DATABASE_URL has an unsupported scheme {scheme!r}; use sqlite:/// or postgres://")


def replica_databases(urls: str, base_dir: str) -> dict[str, dict[str, object]]:
    """``replica1``, ``replica2``… from a comma-separated list of database URLs (read replicas),
    each a test mirror of ``default``: tests never create a database of their own for it."""
    found: dict[str, dict[str, object]] = {}
    for index, url in enumerate((u.strip() for u in urls.split(",") if u.strip()), start=1):
        entry = parse_database_url(url, base_dir)
        entry["TEST"] = {"MIRROR": "default"}
        found[f"replica{index}"] = entry
    return found
