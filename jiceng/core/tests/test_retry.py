"""Deadlocks and serialization failures are run again a bounded number of times; nothing else is."""

from __future__ import annotations

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError

from jiceng.core.retry import ATTEMPTS, is_conflict, retry_conflicts


def conflict(kind: type[Exception]) -> OperationalError:
    """What Django raises for a psycopg error: its own class, the driver's error as the cause."""
    try:
        try:
            raise kind("deadlock detected")
        except Exception as driver:
            raise OperationalError(str(driver)) from driver
    except OperationalError as exc:
        return exc


def test_deadlocks_and_serialization_failures_are_conflicts() -> None:
    assert is_conflict(conflict(psycopg.errors.DeadlockDetected))
    assert is_conflict(conflict(psycopg.errors.SerializationFailure))
    assert not is_conflict(conflict(psycopg.errors.AdminShutdown))


def test_a_conflict_is_run_again_until_it_succeeds() -> None:
    calls = []

    @retry_conflicts
    def action() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise conflict(psycopg.errors.DeadlockDetected)
        return "done"

    assert action() == "done" and len(calls) == 3


def test_retries_are_bounded() -> None:
    calls = []

    @retry_conflicts
    def action() -> None:
        calls.append(1)
        raise conflict(psycopg.errors.SerializationFailure)

    with pytest.raises(OperationalError):
        action()
    assert len(calls) == ATTEMPTS


def test_other_database_errors_are_not_retried() -> None:
    calls = []

    @retry_conflicts(attempts=5)
    def action() -> None:
        calls.append(1)
        raise IntegrityError("duplicate key")

    with pytest.raises(IntegrityError):
        action()
    assert calls == [1]
