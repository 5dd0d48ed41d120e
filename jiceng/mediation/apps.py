from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "jiceng.mediation"
    label = "mediation"
    verbose_name = "矛盾调处"
