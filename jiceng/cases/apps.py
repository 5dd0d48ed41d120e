from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def trail_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production should keep the trail key apart from SECRET_KEY (which many people and config
    files see): a key derived from SECRET_KEY works, but anyone with both the database and the
    settings could recompute the trail."""
    development = bool(settings.DEBUG) or settings.SECRET_KEY.startswith("dev-only-insecure-key")
    if development or settings.JICENG_TRAIL_KEY:
        return []
    return [
        checks.Warning(
            "JICENG_TRAIL_KEY 未设置：工单记录链的密钥正由 SECRET_KEY 派生。",
            hint="生产环境请设置单独保管的 JICENG_TRAIL_KEY（迁移前设置，之后不可更改）。",
            id="jiceng.W001",
        )
    ]


class CasesConfig(AppConfig):
    name = "jiceng.cases"
    label = "cases"
    verbose_name = "事件工单"

    def ready(self) -> None:
        # Registry sits below cases and never imports it: it reaches open cases and patrol
        # reports through this provider.
        from jiceng.cases.registry_provider import provider
        from jiceng.registry import hooks

        hooks.register_case_provider(provider)
        # Triage never imports the case models either: it reads the catalogue, duplicate
        # candidates and recent requests through these providers.
        from jiceng.cases import providers

        providers.register()
