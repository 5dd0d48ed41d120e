"""``jiceng backup FILE`` / ``jiceng restore FILE``: the database and the uploaded files in one archive.

The archive is a plain tar (its parts are compressed already):

- ``jiceng-backup.json`` — what is inside: format, time, database vendor, the newest migration of
  each app, the number of media files;
- ``database.pgdump`` — PostgreSQL: ``pg_dump --format=custom`` (consistent snapshot, taken while the
  site runs), restored with ``pg_restore --single-transaction`` into a schema emptied first;
- ``database.sqlite3`` — SQLite: a consistent copy through SQLite's online backup API;
- ``media/…`` — everything under ``MEDIA_ROOT`` (photos, evidence, import files).

A restore replaces the database's contents and the media folder with the archive's. Stop the web
server and the workers first (``pg_restore`` waits for their locks otherwise).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

FORMAT = 1
MANIFEST = "jiceng-backup.json"
PG_DUMP = "database.pgdump"
SQLITE_DUMP = "database.sqlite3"


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def pg_tool(name: str) -> str:
    """The newest installed ``pg_dump``/``pg_restore`` (a newer client reads older servers)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return str(found[-1])
    on_path = shutil.which(name)
    if on_path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return on_path


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    newest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations():
        if name > newest.get(app, ""):
            newest[app] = name
    return dict(sorted(newest.items()))


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def backup(target: str | Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the archive to ``target`` (atomically: a half-written archive never has its name)."""
    conn = connections[alias]
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    media = _media_root()
    media_files = [p for p in media.rglob("*") if p.is_file()] if media.is_dir() else []
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": conn.vendor,
        "migrations": _migrations(),
        "media_files": len(media_files),
    }
    with tempfile.TemporaryDirectory(prefix="jiceng-backup-") as tmp:
        work = Path(tmp)
        if conn.vendor == "postgresql":
            dump = work / PG_DUMP
            args, env = _pg_args(conn.settings_dict)
            _run(
                [
                    pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(dump),
                    *args,
                ],
                env,
            )
        elif conn.vendor == "sqlite":
            dump = work / SQLITE_DUMP
            conn.ensure_connection()
            with sqlite3.connect(dump) as copy:
                conn.connection.backup(copy)
            copy.close()
        else:
            raise BackupError(f"unsupported database: {conn.vendor}")
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for path in media_files:
                tar.add(path, arcname=f"media/{path.relative_to(media).as_posix()}")
        partial.replace(target)
    manifest["size"] = target.stat().st_size
    return manifest


def read_manifest(source: str | Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r") as tar:
            handle = tar.extractfile(MANIFEST)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(handle.read().decode("utf-8"))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{source} is not a Jiceng backup: {exc}")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _empty_pg(conn: Any) -> None:
    """Drop every table, view and sequence of the schema before the restore. (``pg_restore --clean``
    cannot: it drops a partition's inherited key before its parent — monthly telemetry partitions.)"""
    conn.ensure_connection()
    with conn.cursor() as cursor:
        for kind, query in (
            ("VIEW", "SELECT viewname FROM pg_views WHERE schemaname = current_schema()"),
            ("TABLE", "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"),
            ("SEQUENCE", "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"),
        ):
            cursor.execute(query)
            names = [conn.ops.quote_name(row[0]) for row in cursor.fetchall()]
            if names:
                cursor.execute(f"DROP {kind} IF EXISTS {', '.join(names)} CASCADE")
    if not conn.get_autocommit():
        conn.commit()


def restore(source: str | Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Replace the database's contents and the media folder with the archive's."""
    manifest = read_manifest(source)
    conn = connections[alias]
    if manifest["vendor"] != conn.vendor:
        raise BackupError(f"the backup is of {manifest['vendor']}, the database is {conn.vendor}")
    with tempfile.TemporaryDirectory(prefix="jiceng-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(source, "r") as tar:
            tar.extractall(work, filter="data")
        if conn.vendor == "postgresql":
            # pg_restore is a separate session: ours must not hold a lock it waits for.
            _empty_pg(conn)
            conn.close()
            args, env = _pg_args(conn.settings_dict)
            _run(
                [
                    pg_tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    str(work / PG_DUMP),
                ],
                env,
            )
        else:
            conn.close()
            conn.ensure_connection()
            with sqlite3.connect(work / SQLITE_DUMP) as copy:
                copy.backup(conn.connection)
            copy.close()
            conn.close()
        media = _media_root()
        if media.exists():
            shutil.rmtree(media)
        if (work / "media").is_dir():
            shutil.copytree(work / "media", media)
        else:
            media.mkdir(parents=True, exist_ok=True)
    # Processes that compiled the calendar or rules from the old rows must see the restored ones.
    for other in connections.all(initialized_only=True):
        other.close()
    return manifest
