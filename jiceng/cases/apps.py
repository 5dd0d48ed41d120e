from django.apps import AppConfig


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
