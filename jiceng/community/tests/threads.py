"""Parallel calls for the PostgreSQL race tests: each thread its own connection, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from jiceng.core.exceptions import JicengError


def crowd(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[JicengError], list[BaseException]]:
    """Run the calls at once; sort the outcomes into results, refusals (domain errors, i.e. 4xx) and
    failures (anything else: what a user would see as a 500)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    refused: list[JicengError] = []
    failed: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            value = call()
            with lock:
                results.append(value)
        except JicengError as exc:
            with lock:
                refused.append(exc)
        except BaseException as exc:  # noqa: BLE001 — reported to the test, not lost in the thread
            with lock:
                failed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, refused, failed
