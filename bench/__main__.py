"""Run every benchmark and print one table.

Each ``bench/bench_<area>.py`` defines ``run(ctx: Context) -> None`` and records figures with
``ctx.row(area, name, value, unit, goal="", note="")``. Benchmarks that need PostgreSQL use
``ctx.pg_url``: a fresh database per module (on ``BENCH_PG_URL``'s server or on a throwaway cluster
started for the run), so modules never trip over each other's rows; those that need shared
datasets skip with a clear note when ``../shared/datasets`` is absent.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
import traceback

from bench.common import Context


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("only", nargs="*", help="run only these benchmark modules (e.g. places cases)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    # Benchmarks run throwaway databases on this machine: the development key is fine here.
    os.environ.setdefault("JICENG_ALLOW_DEV_KEY", "1")
    ctx = Context(quick=args.quick)
    names = sorted(m.name for m in pkgutil.iter_modules(["bench"]) if m.name.startswith("bench_"))
    if args.only:
        names = [n for n in names if n.removeprefix("bench_") in args.only]
    failed = 0
    for name in names:
        started = time.monotonic()
        print(f"… {name}", file=sys.stderr, flush=True)
        ctx.module = name.removeprefix("bench_")
        try:
            importlib.import_module(f"bench.{name}").run(ctx)
        except Exception:  # noqa: BLE001 — one failing benchmark must not hide the others
            failed += 1
            traceback.print_exc()
            ctx.row(name.removeprefix("bench_"), "FAILED", "", "", note="see traceback above")
        print(f"  {name} took {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    ctx.close()
    print(ctx.table())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
