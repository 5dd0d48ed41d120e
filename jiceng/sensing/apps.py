from django.apps import AppConfig


class SensingConfig(AppConfig):
    name = "jiceng.sensing"
    label = "sensing"
    verbose_name = "物联感知"
