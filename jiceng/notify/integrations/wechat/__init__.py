"""WeChat official-account template messages (模板消息) to people who linked their OpenID.

Configured by ``JICENG_WECHAT_APP_ID``, ``JICENG_WECHAT_APP_SECRET`` and ``JICENG_WECHAT_TEMPLATE_ID``
(the channel is off while any is empty); ``JICENG_WECHAT_API`` points at the API (a fake in tests).
The access token (two hours) is cached per process and fetched again when WeChat says it expired.
"""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.conf import settings

from jiceng.notify.integrations import Channel, DeliveryError, Outgoing, Person, register
from jiceng.notify.integrations.http import call

EXPIRED_TOKEN = {40001, 40014, 42001}


def _api() -> str:
    return str(getattr(settings, "JICENG_WECHAT_API", "") or "https://api.weixin.qq.com").rstrip("/")


@register
class WechatChannel(Channel):
    name = "wechat"
    label = "微信"
    _token: ClassVar[tuple[str, float]] = ("", 0.0)

    def enabled(self) -> bool:
        return all(
            getattr(settings, name, "")
            for name in ("JICENG_WECHAT_APP_ID", "JICENG_WECHAT_APP_SECRET", "JICENG_WECHAT_TEMPLATE_ID")
        )

    def addresses(self, person: Person) -> list[str]:
        openid = getattr(person.prefs, "wechat_openid", "") if person.prefs is not None else ""
        return [openid] if openid and person.allows("wechat") else []

    def token(self, *, fresh: bool = False) -> str:
        token, expires = WechatChannel._token
        if token and not fresh and time.monotonic() < expires:
            return token
        query = urlencode(
            {
                "grant_type": "client_credential",
                "appid": settings.JICENG_WECHAT_APP_ID,
                "secret": settings.JICENG_WECHAT_APP_SECRET,
            }
        )
        _status, data = call("GET", f"{_api()}/cgi-bin/token?{query}")
        if not isinstance(data, dict) or not data.get("access_token"):
            raise DeliveryError(f"微信 access_token 获取失败：{data}")
        token = str(data["access_token"])
        WechatChannel._token = (token, time.monotonic() + int(data.get("expires_in", 7200)) - 300)
        return token

    def send(self, address: str, message: Outgoing, person: Person) -> None:
        body: dict[str, Any] = {
            "touser": address,
            "template_id": settings.JICENG_WECHAT_TEMPLATE_ID,
            "data": {"thing1": {"value": message.text[:20]}, "remark": {"value": message.text}},
            "client_msg_id": message.key[:64],
        }
        if message.link:
            body["url"] = message.link
        payload = json.dumps(body, ensure_ascii=False).encode()
        for fresh in (False, True):
            url = f"{_api()}/cgi-bin/message/template/send?access_token={self.token(fresh=fresh)}"
            _status, data = call("POST", url, body=payload, headers={"Content-Type": "application/json"})
            code = int((data or {}).get("errcode", -1)) if isinstance(data, dict) else -1
            if code == 0:
                return
            if code not in EXPIRED_TOKEN:
                break
        # 43004: the person unfollowed; 40003: not an OpenID of this account — retrying cannot help.
        raise DeliveryError(f"微信模板消息失败：{data}", permanent=code in {40003, 43004, 40037})
