"""For tests that run the real server and workers as subprocesses: their environment, and waiting."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def server_env(work: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server or worker subprocess on ``database_url``, its files under ``work``."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))},
        "DATABASE_URL": database_url,
        "JICENG_ALLOW_DEV_KEY": "1",
        "JICENG_FAST_HASHER": "1",
        "JICENG_VAR_DIR": str(work / "var"),
        "JICENG_ENV_FILE": str(work / "absent.env"),
        "DB_CONNECT_TIMEOUT": "2",
        **extra,
    }


def wait_for(check: Any, seconds: float, what: str) -> Any:
    """Call ``check`` until it returns something true (returned), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"waited {seconds} s for {what}")
