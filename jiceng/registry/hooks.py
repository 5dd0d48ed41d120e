"""Hooks higher layers register so registry can show and start their work without importing them.

Registry sits below ``cases``: the one-key lookup lists a place's open cases, and a grid worker's patrol
report becomes a case, but registry must not import ``cases``. ``cases`` registers a provider in its
``AppConfig.ready()``::

    from jiceng.registry import hooks
    hooks.register_case_provider(MyProvider())

A provider has ``open_cases(codes: list[str]) -> list[dict]`` (cases located at any of these room,
building or grid codes, each a dict with at least ``number``, ``title``, ``status``, ``url``) and
``report(user, code: str, text: str) -> dict`` (submit a patrol report at a place through the case
actions; returns the new case as the same kind of dict).
"""

from __future__ import annotations

from typing import Any, Protocol

from django.utils.translation import gettext as _

from jiceng.core.exceptions import JicengError


class CaseProvider(Protocol):
    def open_cases(self, codes: list[str]) -> list[dict[str, Any]]: ...

    def report(self, user: Any, code: str, text: str) -> dict[str, Any]: ...


_case_providers: list[CaseProvider] = []


class NoCaseProvider(JicengError):
    code = "no_case_provider"
    status = 503


def register_case_provider(provider: CaseProvider) -> None:
    if provider not in _case_providers:
        _case_providers.append(provider)


def unregister_case_provider(provider: CaseProvider) -> None:
    if provider in _case_providers:
        _case_providers.remove(provider)


def open_cases(codes: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for provider in _case_providers:
        found.extend(provider.open_cases(codes))
    return found


def report_case(user: Any, code: str, text: str) -> dict[str, Any]:
    if not _case_providers:
        raise NoCaseProvider(_("事件模块未启用，暂时无法上报事件。"))
    return _case_providers[0].report(user, code, text)
