from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "jiceng.triage"
    label = "triage"
    verbose_name = "智能分拨"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jiceng.triage.models import SensitiveRule
        from jiceng.triage.sensitive import forget_lexicon

        # A rule saved or deleted in this process is used from the next request on.
        post_save.connect(forget_lexicon, sender=SensitiveRule, dispatch_uid="triage-rules-saved")
        post_delete.connect(forget_lexicon, sender=SensitiveRule, dispatch_uid="triage-rules-deleted")
