"""Notify fixtures: the shared world, and SMS written by the file backend into a fresh directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiceng.cases.tests.conftest import cw  # noqa: F401 — the cases fixture, shared here
from jiceng.community.tests.conftest import resident_of, staff  # noqa: F401 — the portal's residents
from jiceng.notify.integrations.sms.backends import FileSmsBackend


@pytest.fixture
def sms_dir(settings: Any, tmp_path: Path) -> Path:
    settings.JICENG_SMS_BACKEND = "file"
    settings.JICENG_SMS_FILE_DIR = str(tmp_path / "sms")
    settings.JICENG_BASE_URL = "https://jiceng.example.cn"
    settings.JICENG_NOTIFY_QUIET_HOURS = ""  # tests of quiet hours set their own
    settings.JICENG_NOTIFY_CHANNELS = ["inbox", "sms", "email"]
    return tmp_path / "sms"


def texts(directory: Path) -> list[dict[str, str]]:
    return FileSmsBackend(directory).messages()


def texts_to(directory: Path, phone: str) -> list[str]:
    return [m["text"] for m in texts(directory) if m["to"] == phone]
