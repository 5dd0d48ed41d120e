"""Fixtures of triage's tests: a small made-up catalogue of ten event types and its model."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiceng.triage import service
from jiceng.triage.catalogue import Entry, build_model
from jiceng.triage.classifier import TextModel

DATA = Path(__file__).parent / "data"


def catalogue() -> list[Entry]:
    with (DATA / "mini_catalogue.csv").open(encoding="utf-8") as fh:
        return [
            Entry(
                r["code"],
                r["name"],
                r["category"],
                r["description"],
                tuple(r["keywords"].split("、")),
                r["unit"],
            )
            for r in csv.DictReader(fh)
        ]


@pytest.fixture(scope="session")
def catalogue_model() -> TextModel:
    return build_model(catalogue())


@pytest.fixture
def model_file(tmp_path: Path, settings: Any, catalogue_model: TextModel) -> Iterator[Path]:
    """The catalogue model saved where the service looks for it; providers reset afterwards."""
    path = catalogue_model.save(tmp_path / "model.npz")
    settings.JICENG_TRIAGE_MODEL = str(path)
    saved = dict(service._providers)
    for name in service._providers:
        service._providers[name] = None
    service._forget()
    yield path
    service._forget()
    service._providers.update(saved)


@pytest.fixture
def no_model(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No model file anywhere: not configured, not in VAR_DIR, none shipped; no providers."""
    path = tmp_path / "absent" / "model.npz"
    settings.JICENG_TRIAGE_MODEL = str(path)
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(service, "SHIPPED_MODEL", tmp_path / "shipped" / "default_model.npz")
    saved = dict(service._providers)
    for name in service._providers:
        service._providers[name] = None
    service._forget()
    yield path
    service._forget()
    service._providers.update(saved)
    service.register_duplicate_provider(None)
    service.register_message_provider(None)


@pytest.fixture
def shipped_model(tmp_path: Path, settings: Any) -> Iterator[None]:
    """No configured or VAR_DIR model: the service falls back to the shipped one (with the case
    engine's providers, so cases are typed as in production)."""
    settings.JICENG_TRIAGE_MODEL = ""
    settings.VAR_DIR = tmp_path / "var"
    service._forget()
    yield
    service._forget()
