"""The home page's menu: each app contributes entries through ``<app>/nav.py`` → ``entries(user)``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class NavEntry:
    title: str
    url: str
    description: str = ""
    order: int = 100


def menu_for(user: Any) -> list[NavEntry]:
    entries: list[NavEntry] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("jiceng."):
            continue
        try:
            module = import_module(f"{config.name}.nav")
        except ModuleNotFoundError as exc:
            if exc.name == f"{config.name}.nav":
                continue
            raise
        entries.extend(module.entries(user))
    return sorted(entries, key=lambda e: (e.order, e.title))
