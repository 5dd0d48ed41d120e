"""Retry an action when PostgreSQL picked it as the victim of a deadlock or a serialization failure.

Both are "try again" answers, not errors of the request: the transaction was rolled back whole, so
running it again from the start is safe. Only the outermost transaction can be retried: inside an
outer ``atomic`` block the caller's transaction is already lost, so the error goes up unchanged.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# SQLSTATE codes: 40P01 deadlock_detected, 40001 serialization_failure.
RETRYABLE = {"40P01", "40001"}
ATTEMPTS = 4


def is_conflict(exc: BaseException) -> bool:
    """Is this the database asking us to run the transaction again?"""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if code in RETRYABLE:
            return True
        seen = seen.__cause__
    return False


def retry_conflicts(fn: Callable[P, R] | None = None, *, attempts: int = ATTEMPTS) -> Any:
    """Decorator: run ``fn`` again (at most ``attempts`` times in all) after a deadlock or
    serialization failure, with a short random pause so the contenders do not meet again."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except DatabaseError as exc:
                    if attempt == attempts or connection.in_atomic_block or not is_conflict(exc):
                        raise
                    logger.info("%s: %s, attempt %d of %d", func.__qualname__, exc, attempt, attempts)
                    time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
            raise AssertionError("unreachable")

        return inner

    return wrap(fn) if fn is not None else wrap
