from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "jiceng.org"
    label = "org"
    verbose_name = "组织与权限"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from jiceng.org.auth import record_failure

        user_login_failed.connect(record_failure, dispatch_uid="jiceng-login-failure")
