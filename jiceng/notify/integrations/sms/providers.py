"""SMS gateways over HTTP: a generic JSON provider, and adapters shaped for the signed APIs of
Aliyun SMS (``dysmsapi``, RPC signature v1, HMAC-SHA1) and Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256).

Chinese gateways only send approved templates: the message text goes in as the template's one
parameter (``JICENG_SMS_*_TEMPLATE``; Aliyun's template variable is ``${content}``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from jiceng.notify.integrations import DeliveryError
from jiceng.notify.integrations.http import call
from jiceng.notify.integrations.sms.backends import KeyedSmsBackend


def _setting(name: str) -> str:
    value = str(getattr(settings, name, "") or "")
    if not value:
        raise DeliveryError(f"{name} 未配置", permanent=True)
    return value


class HttpSmsBackend(KeyedSmsBackend):
    """POST ``{"to", "text", "key"}`` as JSON to ``JICENG_SMS_HTTP_URL`` (with ``Authorization: Bearer
    JICENG_SMS_HTTP_TOKEN`` when set). 2xx is sent; another 4xx is refused for good."""

    def send_keyed(self, phone: str, text: str, key: str) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        token = str(getattr(settings, "JICENG_SMS_HTTP_TOKEN", "") or "")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"to": phone, "text": text, "key": key}, ensure_ascii=False).encode()
        status, data = call("POST", _setting("JICENG_SMS_HTTP_URL"), body=body, headers=headers)
        if not 200 <= status < 300:
            raise DeliveryError(f"短信网关拒绝（HTTP {status}）：{data}", permanent=True)


def aliyun_percent(text: str) -> str:
    """Aliyun's percent-encoding: RFC 3986 unreserved characters kept, space as %20."""
    return quote(text, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend(KeyedSmsBackend):
    """``SendSms`` of Aliyun's dysmsapi (2017-05-25). ``OutId`` carries the message key."""

    def send_keyed(self, phone: str, text: str, key: str, *, now: dt.datetime | None = None) -> None:
        now = now or dt.datetime.now(dt.UTC)
        params = {
            "AccessKeyId": _setting("JICENG_SMS_ALIYUN_KEY_ID"),
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": _setting("JICENG_SMS_SIGN_NAME"),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": _setting("JICENG_SMS_ALIYUN_TEMPLATE"),
            "TemplateParam": json.dumps({"content": text}, ensure_ascii=False),
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        if key:
            params["OutId"] = key[:64]
        signature = aliyun_signature(params, _setting("JICENG_SMS_ALIYUN_KEY_SECRET"))
        query = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
        endpoint = str(getattr(settings, "JICENG_SMS_ALIYUN_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com")
        url = f"{endpoint.rstrip('/')}/?Signature={aliyun_percent(signature)}&{query}"
        status, data = call("GET", url)
        code = str((data or {}).get("Code", "")) if isinstance(data, dict) else ""
        if status == 200 and code == "OK":
            return
        message = (data or {}).get("Message", "") if isinstance(data, dict) else ""
        # Flow control (…LIMIT_CONTROL) passes; a bad number, sign or template never will.
        permanent = code.startswith("isv.") and "LIMIT" not in code
        raise DeliveryError(f"阿里云短信拒绝：{code or status} {message}".strip(), permanent=permanent)


def tc3_authorization(
    *, secret_id: str, secret_key: str, host: str, payload: str, timestamp: int, service: str = "sms"
) -> str:
    """The ``Authorization`` header of Tencent Cloud API 3.0 (TC3-HMAC-SHA256) for a JSON POST."""
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


class TencentSmsBackend(KeyedSmsBackend):
    """``SendSms`` of Tencent Cloud SMS (2021-01-11). ``SessionContext`` carries the message key."""

    def send_keyed(self, phone: str, text: str, key: str, *, now: dt.datetime | None = None) -> None:
        endpoint = str(
            getattr(settings, "JICENG_SMS_TENCENT_ENDPOINT", "") or "https://sms.tencentcloudapi.com"
        )
        host = urlsplit(endpoint).netloc
        number = phone if phone.startswith("+") else f"+86{phone}"
        body: dict[str, Any] = {
            "PhoneNumberSet": [number],
            "SmsSdkAppId": _setting("JICENG_SMS_TENCENT_APP_ID"),
            "SignName": _setting("JICENG_SMS_SIGN_NAME"),
            "TemplateId": _setting("JICENG_SMS_TENCENT_TEMPLATE"),
            "TemplateParamSet": [text],
            "SessionContext": key,
        }
        payload = json.dumps(body, ensure_ascii=False)
        timestamp = int((now or dt.datetime.now(dt.UTC)).timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": str(getattr(settings, "JICENG_SMS_TENCENT_REGION", "") or "ap-guangzhou"),
            "Authorization": tc3_authorization(
                secret_id=_setting("JICENG_SMS_TENCENT_SECRET_ID"),
                secret_key=_setting("JICENG_SMS_TENCENT_SECRET_KEY"),
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
        }
        status, data = call("POST", endpoint, body=payload.encode(), headers=headers)
        response = (data or {}).get("Response", {}) if isinstance(data, dict) else {}
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            permanent = not code.startswith(("InternalError", "RequestLimitExceeded", "LimitExceeded"))
            raise DeliveryError(
                f"腾讯云短信拒绝：{code} {error.get('Message', '')}".strip(), permanent=permanent
            )
        statuses = response.get("SendStatusSet") or []
        code = str(statuses[0].get("Code", "")) if statuses else f"HTTP {status}"
        if code != "Ok":
            permanent = "LimitExceeded" not in code and not code.startswith("HTTP")
            raise DeliveryError(f"腾讯云短信拒绝：{code}", permanent=permanent)
