from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "jiceng.community"
    label = "community"
    verbose_name = "i社区码上办"
