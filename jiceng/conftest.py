"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from jiceng.testing import World, build_world, restore_reference_data

CHROMIUM = os.environ.get("JICENG_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop; Django's async-safety check would refuse ORM calls
# made by live-server fixtures in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters (the token endpoint's 10 a minute) and cached figures live in the process's
    cache: each test starts with an empty one, whatever ran before it in the same worker."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_sensitive_rules() -> None:
    """A test's rolled-back rule edits send no signal: every test reads the rules table afresh."""
    from jiceng.triage.sensitive import forget_lexicon

    forget_lexicon()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Tests on the database find the rows the data migrations load (unit kinds, calendar, catalogue)
    even when a transactional test that ran before them in the same worker flushed every table."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if marker is not None:
        transactional = transactional or bool(
            marker.kwargs.get("transaction") or (marker.args and marker.args[0])
        )
    if transactional or ("db" not in request.fixturenames and marker is None):
        return
    request.getfixturevalue("db")
    restore_reference_data()


@pytest.fixture(autouse=True)
def _trail_checkpoints_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The SLA runner writes trail checkpoints: into a directory of the test's own, never var/."""
    settings.JICENG_TRAIL_CHECKPOINT_DIR = tmp_path_factory.mktemp("trail")


@pytest.fixture
def world(db: Any) -> World:
    restore_reference_data()
    return build_world()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A real headless Chromium (Debian's), driven by Playwright. Installed by `make system-deps`."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make system-deps` (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def login(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("section.login button[type=submit]")
    page.wait_for_load_state("networkidle")
