"""E-mail through Django's mail (``EMAIL_BACKEND``, ``DEFAULT_FROM_EMAIL``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from jiceng.notify.integrations import Channel, DeliveryError, Outgoing, Person, register


@register
class EmailChannel(Channel):
    name = "email"
    label = "电子邮件"

    def addresses(self, person: Person) -> list[str]:
        address = person.email or (getattr(person.user, "email", "") if person.user is not None else "")
        return [address] if address and person.allows("email") else []

    def send(self, address: str, message: Outgoing, person: Person) -> None:
        site = getattr(settings, "JICENG_SITE_NAME", "")
        subject = f"【{site}】{message.text[:40]}" if site else message.text[:40]
        body = message.text + (f"\n\n{message.link}\n" if message.link else "\n")
        try:
            send_mail(subject, body, None, [address], fail_silently=False)
        except OSError as exc:  # SMTP errors are OSErrors (smtplib.SMTPException included)
            raise DeliveryError(f"邮件发送失败：{exc}") from exc
