"""Command-centre fixtures: the cases fixtures (``cw``: the world plus handling units) re-used."""

from __future__ import annotations

from jiceng.cases.tests.conftest import cw  # noqa: F401 — re-exported fixture
