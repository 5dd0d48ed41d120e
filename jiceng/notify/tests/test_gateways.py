"""The HTTP adapters (generic SMS provider, Aliyun, Tencent Cloud, WeChat) against a local fake gateway
that checks what a real one checks: the signature, the parameters, the token."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from jiceng.notify.integrations import DeliveryError, Outgoing, Person
from jiceng.notify.integrations.sms.providers import (
    AliyunSmsBackend,
    HttpSmsBackend,
    TencentSmsBackend,
    aliyun_signature,
)
from jiceng.notify.integrations.wechat import WechatChannel

Handler = Callable[[str, str, dict[str, str], bytes], tuple[int, Any]]


class Fake:
    """A gateway on 127.0.0.1 that records each request and answers with ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        fake = self

        class _H(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append((self.command, self.path, headers, body))
                status, data = fake.handler(self.command, self.path, headers, body)
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway() -> Iterator[Callable[[Handler], Fake]]:
    started: list[Fake] = []

    def start(handler: Handler) -> Fake:
        started.append(Fake(handler))
        return started[-1]

    yield start
    for fake in started:
        fake.close()


# -- Aliyun -------------------------------------------------------------------------------------------


def test_the_aliyun_signature_matches_the_documented_example() -> None:
    # The worked example of Aliyun's SMS API documentation (signature v1).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def _aliyun_fake(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
    given = query.pop("Signature")
    canonical = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items()))
    to_sign = "GET&%2F&" + quote(canonical, safe="~")
    expected = base64.b64encode(hmac.new(b"sk&", to_sign.encode(), hashlib.sha1).digest()).decode()
    if given != expected:
        return 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
    if query["PhoneNumbers"] == "10000000000":
        return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
    if query["PhoneNumbers"] == "13700000099":
        return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}


@pytest.fixture
def aliyun(settings: Any, gateway: Callable[[Handler], Fake]) -> Fake:
    fake = gateway(_aliyun_fake)
    settings.JICENG_SMS_ALIYUN_ENDPOINT = fake.url
    settings.JICENG_SMS_ALIYUN_KEY_ID = "ak"
    settings.JICENG_SMS_ALIYUN_KEY_SECRET = "sk"
    settings.JICENG_SMS_ALIYUN_TEMPLATE = "SMS_1"
    settings.JICENG_SMS_SIGN_NAME = "基层智治"
    return fake


def test_aliyun_sends_a_signed_request_with_the_text_as_the_template_parameter(aliyun: Fake) -> None:
    AliyunSmsBackend().send_keyed("13800138000", "您的诉求已受理 https://x.cn/1", "n1-sms-ab")
    (method, path, _headers, _body) = aliyun.requests[0]
    query = dict(parse_qsl(urlsplit(path).query))
    assert method == "GET" and query["Action"] == "SendSms" and query["PhoneNumbers"] == "13800138000"
    assert json.loads(query["TemplateParam"]) == {"content": "您的诉求已受理 https://x.cn/1"}
    assert query["OutId"] == "n1-sms-ab" and query["SignName"] == "基层智治"


def test_aliyun_rejecting_a_number_is_permanent_and_flow_control_is_not(aliyun: Fake) -> None:
    with pytest.raises(DeliveryError) as bad:
        AliyunSmsBackend().send_keyed("10000000000", "x", "")
    assert bad.value.permanent and "MOBILE_NUMBER_ILLEGAL" in str(bad.value)
    with pytest.raises(DeliveryError) as busy:
        AliyunSmsBackend().send_keyed("13700000099", "x", "")
    assert not busy.value.permanent


def test_aliyun_with_a_wrong_secret_is_refused_by_the_gateway(aliyun: Fake, settings: Any) -> None:
    settings.JICENG_SMS_ALIYUN_KEY_SECRET = "wrong"
    with pytest.raises(DeliveryError, match="SignatureDoesNotMatch"):
        AliyunSmsBackend().send_keyed("13800138000", "x", "")


# -- Tencent Cloud ------------------------------------------------------------------------------------


def _tc3(secret_key: str, headers: dict[str, str], body: bytes) -> str:
    """TC3-HMAC-SHA256 as Tencent Cloud's API 3.0 documentation writes it, step by step."""
    timestamp = int(headers["x-tc-timestamp"])
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()
    canonical_headers = f"content-type:{headers['content-type']}\nhost:{headers['host']}\n"
    canonical_request = (
        f"POST\n/\n\n{canonical_headers}\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    scope = f"{day}/sms/tc3_request"
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    )
    k_date = hmac.new(("TC3" + secret_key).encode(), day.encode(), hashlib.sha256).digest()
    k_service = hmac.new(k_date, b"sms", hashlib.sha256).digest()
    k_signing = hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(k_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _tencent_fake(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
    signature = headers["authorization"].rsplit("Signature=", 1)[1]
    if headers.get("x-tc-action") != "SendSms" or signature != _tc3("tsk", headers, body):
        return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"}}}
    data = json.loads(body)
    phone = data["PhoneNumberSet"][0]
    code = "FailedOperation.PhoneNumberInBlacklist" if phone == "+8610000000000" else "Ok"
    return 200, {"Response": {"SendStatusSet": [{"PhoneNumber": phone, "Code": code}], "RequestId": "r1"}}


@pytest.fixture
def tencent(settings: Any, gateway: Callable[[Handler], Fake]) -> Fake:
    fake = gateway(_tencent_fake)
    settings.JICENG_SMS_TENCENT_ENDPOINT = fake.url
    settings.JICENG_SMS_TENCENT_SECRET_ID = "tid"
    settings.JICENG_SMS_TENCENT_SECRET_KEY = "tsk"
    settings.JICENG_SMS_TENCENT_APP_ID = "1400000000"
    settings.JICENG_SMS_TENCENT_TEMPLATE = "100"
    settings.JICENG_SMS_SIGN_NAME = "基层智治"
    return fake


def test_tencent_sends_a_tc3_signed_request_the_gateway_accepts(tencent: Fake) -> None:
    TencentSmsBackend().send_keyed("13800138000", "您的诉求已办结", "n2-sms-cd")
    (_m, _p, headers, body) = tencent.requests[0]
    data = json.loads(body)
    assert data["PhoneNumberSet"] == ["+8613800138000"] and data["TemplateParamSet"] == ["您的诉求已办结"]
    assert data["SessionContext"] == "n2-sms-cd" and headers["x-tc-version"] == "2021-01-11"
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=tid/")


def test_tencent_refusals_are_permanent_and_a_bad_secret_is_refused(tencent: Fake, settings: Any) -> None:
    with pytest.raises(DeliveryError) as blocked:
        TencentSmsBackend().send_keyed("10000000000", "x", "")
    assert blocked.value.permanent
    settings.JICENG_SMS_TENCENT_SECRET_KEY = "wrong"
    with pytest.raises(DeliveryError, match="SignatureFailure"):
        TencentSmsBackend().send_keyed("13800138000", "x", "")


# -- the generic HTTP provider ------------------------------------------------------------------------


def test_the_http_provider_posts_json_with_the_bearer_token(
    settings: Any, gateway: Callable[[Handler], Fake]
) -> None:
    answers = iter([(503, {}), (200, {"ok": True}), (400, {"error": "bad number"})])
    fake = gateway(lambda *_: next(answers))
    settings.JICENG_SMS_HTTP_URL = f"{fake.url}/sms"
    settings.JICENG_SMS_HTTP_TOKEN = "secret-token"
    with pytest.raises(DeliveryError) as down:
        HttpSmsBackend().send_keyed("13800138000", "x", "k1")
    assert not down.value.permanent
    HttpSmsBackend().send_keyed("13800138000", "您好", "k1")
    with pytest.raises(DeliveryError) as bad:
        HttpSmsBackend().send_keyed("1", "x", "k2")
    assert bad.value.permanent
    (_m, path, headers, body) = fake.requests[1]
    assert path == "/sms" and headers["authorization"] == "Bearer secret-token"
    assert json.loads(body) == {"to": "13800138000", "text": "您好", "key": "k1"}


def test_an_unreachable_gateway_is_a_transient_failure(settings: Any) -> None:
    settings.JICENG_SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # discard port: nobody listens
    with pytest.raises(DeliveryError) as down:
        HttpSmsBackend().send_keyed("13800138000", "x", "")
    assert not down.value.permanent


# -- WeChat -------------------------------------------------------------------------------------------


def test_wechat_fetches_a_token_sends_the_template_and_refreshes_an_expired_token(
    settings: Any, gateway: Callable[[Handler], Fake]
) -> None:
    tokens = iter(["t1", "t2"])
    state = {"valid": ""}

    def wechat(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        url = urlsplit(path)
        query = dict(parse_qsl(url.query))
        if url.path == "/cgi-bin/token":
            assert query == {"grant_type": "client_credential", "appid": "wx1", "secret": "s1"}
            state["valid"] = next(tokens)
            return 200, {"access_token": state["valid"], "expires_in": 7200}
        if (
            query["access_token"] != state["valid"]
            or state["valid"] == "t1"
            and len(body) > 0
            and b"second" in body
        ):
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if json.loads(body)["touser"] == "gone":
            return 200, {"errcode": 43004, "errmsg": "require subscribe"}
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": 1}

    fake = gateway(wechat)
    settings.JICENG_WECHAT_API = fake.url
    settings.JICENG_WECHAT_APP_ID, settings.JICENG_WECHAT_APP_SECRET = "wx1", "s1"
    settings.JICENG_WECHAT_TEMPLATE_ID = "tpl"
    WechatChannel._token = ("", 0.0)
    channel = WechatChannel()
    assert channel.enabled()
    message = Outgoing(kind="done", text="first 您的诉求已办结", link="https://x.cn/c/1", key="n1")
    channel.send("openid-1", message, Person())
    sent = json.loads(fake.requests[1][3])
    assert sent["touser"] == "openid-1" and sent["template_id"] == "tpl" and sent["url"] == "https://x.cn/c/1"
    # the token expires: fetched again and the message still goes
    channel.send("openid-1", Outgoing(kind="done", text="second", key="n2"), Person())
    assert [urlsplit(r[1]).path for r in fake.requests].count("/cgi-bin/token") == 2
    with pytest.raises(DeliveryError) as gone:
        channel.send("gone", message, Person())
    assert gone.value.permanent


def test_wechat_is_off_until_configured(settings: Any) -> None:
    settings.JICENG_WECHAT_APP_ID = ""
    assert not WechatChannel().enabled()
