"""Shared plumbing for benchmarks: the result table, a throwaway PostgreSQL, Django in a subprocess."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jiceng.lib.pgcluster import ThrowawayPostgres

ROOT = Path(__file__).resolve().parent.parent
# Benchmarks measure the application, not the disk: no fsync, generous memory.
BENCH_PG_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB "
    "-c max_wal_size=8GB -c work_mem=64MB -c maintenance_work_mem=1GB"
)
DATASETS = Path(os.environ.get("JICENG_DATASETS", ROOT.parent / "shared" / "datasets"))


@dataclass
class Row:
    area: str
    name: str
    value: Any
    unit: str
    goal: str = ""
    note: str = ""


@dataclass
class Context:
    quick: bool = False
    rows: list[Row] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="jiceng-bench-")))
    _pg: Any = None

    def row(self, area: str, name: str, value: Any, unit: str, goal: str = "", note: str = "") -> None:
        if isinstance(value, float):
            value = f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
        self.rows.append(Row(area, name, value, unit, goal, note))
        print(f"  {area} | {name} | {value} {unit} {goal} {note}", file=sys.stderr, flush=True)

    def dataset(self, *parts: str) -> Path | None:
        path = DATASETS.joinpath(*parts)
        return path if path.exists() else None

    module: str = ""
    _databases: dict[str, str] = field(default_factory=dict)

    @property
    def pg_url(self) -> str:
        """A fresh PostgreSQL database for the running benchmark module (``bench_<module>``), so
        modules never see each other's rows: on ``BENCH_PG_URL``'s server, or a throwaway cluster.
        ``BENCH_DB_PREFIX`` goes before the name (``BENCH_DB_PREFIX=ver_`` → ``ver_bench_history``),
        so runs by several people on one server do not drop each other's databases."""
        name = f"{os.environ.get('BENCH_DB_PREFIX', '')}bench_{self.module or 'main'}"
        if name not in self._databases:
            self._databases[name] = self._fresh_database(name)
        return self._databases[name]

    def _fresh_database(self, name: str) -> str:
        base = os.environ.get("BENCH_PG_URL")
        if not base:
            if self._pg is None:
                self._pg = ThrowawayPostgres(self.workdir / "pg", options=BENCH_PG_OPTIONS)
            return str(self._pg.create_database(name))
        import psycopg

        parts = urlsplit(base)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}"))

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.workdir / (name + '.sqlite3')}"

    def in_django(
        self,
        database_url: str,
        target: str,
        *args: Any,
        timeout: int = 3600,
        env: dict[str, str] | None = None,
    ) -> Any:
        """Run ``module:function(*args)`` in a fresh process with Django on ``database_url`` (and ``env``
        added to its environment); return its JSON."""
        env = {
            **os.environ,
            **(env or {}),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "jiceng.settings",
            "JICENG_FAST_HASHER": "1",
            "JICENG_VAR_DIR": str(self.workdir / "var"),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "bench.common", target, json.dumps(args)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{target} failed:\n{proc.stderr[-4000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def close(self) -> None:
        if self._pg is not None:
            self._pg.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def table(self) -> str:
        headers = ["area", "benchmark", "value", "unit", "goal", "note"]
        data = [[r.area, r.name, str(r.value), r.unit, r.goal, r.note] for r in self.rows]
        widths = [
            max(_width(h), *(_width(d[i]) for d in data)) if data else _width(h)
            for i, h in enumerate(headers)
        ]
        lines = [
            "| " + " | ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)) + " |",
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        ]
        lines += ["| " + " | ".join(_pad(c, w) for c, w in zip(d, widths, strict=True)) + " |" for d in data]
        return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


if __name__ == "__main__":
    import django

    django.setup()
    module_name, func_name = sys.argv[1].split(":")
    result = getattr(importlib.import_module(module_name), func_name)(*json.loads(sys.argv[2]))
    print(json.dumps(result))
