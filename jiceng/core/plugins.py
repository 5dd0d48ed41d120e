"""Each app contributes to the shared verbs through small modules of its own:

- ``<app>/importers.py`` → ``IMPORTERS = {kind: callable(path, **options) -> ImportReport}``
- ``<app>/exporters.py`` → ``EXPORTERS = {kind: callable(path, **options) -> int}``
- ``<app>/demo.py``      → ``load(scale: str, out: TextIO) -> list[DemoLogin]`` (run in app order)
- ``<app>/generate.py``  → ``write(scale: str, out_dir: Path, progress: bool) -> list[Path]``

so ``jiceng import rooms`` and ``jiceng import records`` share one command without the lower apps
knowing the higher ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

from django.apps import apps


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    where: str = ""


def app_modules(name: str) -> Iterator[ModuleType]:
    for config in apps.get_app_configs():
        if not config.name.startswith("jiceng."):
            continue
        try:
            yield import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{name}":
                raise


def registry(module_name: str, attribute: str) -> dict:
    found: dict = {}
    for module in app_modules(module_name):
        found.update(getattr(module, attribute, {}))
    return found
