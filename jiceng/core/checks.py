"""System checks for ``jiceng check --deploy``: the traps Django's own checks do not see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def dev_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "DEV_SECRET_KEY", None) == settings.SECRET_KEY:
        return [
            checks.Error(
                "SECRET_KEY is the built-in development key.",
                hint="Set SECRET_KEY (and leave JICENG_ALLOW_DEV_KEY unset) in production.",
                id="jiceng.E001",
            )
        ]
    return []
