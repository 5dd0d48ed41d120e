"""Sending SMS from the portal (verification codes, 找书记 notices to the on-duty secretary).

The backend interface is the notification system's one (:mod:`jiceng.notify.integrations.sms.backends`):
``JICENG_SMS_BACKEND`` is ``console``, ``file``, ``http``, ``aliyun``, ``tencent`` or a dotted path.
This module keeps the old import path (``jiceng.community.sms.ConsoleSmsBackend``) working.
"""

from __future__ import annotations

from jiceng.notify.integrations.sms.backends import (
    ConsoleSmsBackend,
    FileSmsBackend,
    SmsBackend,
    SmsMessage,
    get_backend,
)

__all__ = ["ConsoleSmsBackend", "FileSmsBackend", "SmsBackend", "SmsMessage", "get_backend"]
