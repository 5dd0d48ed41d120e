"""Open311 actions: API keys, and a posted service request → ``cases.actions.check_submit_case``.

The case engine decides everything about the case (location, triage, routing, idempotency); this
module only checks the GeoReport parameters, records the submission and its token, and answers.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.cases import actions as case_actions
from jiceng.cases.models import Channel, EventType
from jiceng.open311.exceptions import BadApiKey, KeyExists, Open311Error, ServiceNotFound
from jiceng.open311.models import ApiKey, Datatype, ServiceAttribute, Submission


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def public_types() -> Any:
    return EventType.objects.filter(is_active=True, is_public=True)


def find_service(code: str) -> EventType:
    event_type = public_types().select_related("category").filter(code=(code or "").strip()).first()
    if event_type is None:
        raise ServiceNotFound(_("未找到服务代码“%(code)s”。") % {"code": code})
    return event_type


# -- keys -------------------------------------------------------------------------------------------


def do_create_key(name: str, note: str = "") -> tuple[ApiKey, str]:
    """A new key and its service account; returns the key row and the raw key (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise Open311Error(_("请填写密钥名称。"))
    if ApiKey.objects.filter(name=name).exists():
        raise KeyExists(_("名称为“%(name)s”的密钥已存在。") % {"name": name})
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        user_model = get_user_model()
        username = f"open311-{name}"[:150]
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(username=username, display_name=f"Open311：{name}"[:64], is_active=True)
            user.set_unusable_password()
            user.save()
        key = ApiKey.objects.create(name=name, prefix=raw[:8], key_hash=hash_key(raw), user=user, note=note)
    return key, raw


def do_revoke_key(name: str) -> ApiKey:
    key = ApiKey.objects.filter(name=name).first()
    if key is None:
        raise Open311Error(
            _("未找到名称为“%(name)s”的密钥。") % {"name": name}, code="key_not_found", status=404
        )
    key.is_active = False
    key.save(update_fields=["is_active"])
    return key


def authenticate(raw: str | None) -> ApiKey:
    if not raw:
        raise BadApiKey(_("缺少 api_key，无法提交服务请求。"))
    key = ApiKey.objects.select_related("user").filter(key_hash=hash_key(raw.strip()), is_active=True).first()
    if key is None or not key.user.is_active:
        raise BadApiKey(_("api_key 无效或已停用。"))
    return key


# -- posting a service request ----------------------------------------------------------------------


@dataclass
class Posted:
    service_code: str = ""
    lat: float | None = None
    lng: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    client_key: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def _number(value: str, what: str) -> float | None:
    if value in ("", None):
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(_("%(what)s 不是有效的数字：%(value)s") % {"what": what, "value": value})


def read_post(data: Any, headers: Any = None) -> Posted:
    """The GeoReport form fields (``attribute[code]`` and ``attribute[code][]`` included)."""

    def text(name: str, limit: int = 200) -> str:
        return str(data.get(name, "") or "").strip()[:limit]

    attributes: dict[str, Any] = {}
    for name in data:
        if name.startswith("attribute[") and name.endswith("[]"):
            attributes[name[len("attribute[") : -3]] = [v for v in data.getlist(name) if v != ""]
        elif name.startswith("attribute[") and name.endswith("]"):
            attributes[name[len("attribute[") : -1]] = str(data.get(name, "")).strip()
    client_key = (
        text("idempotency_key", 100) or str((headers or {}).get("Idempotency-Key", "") or "").strip()[:100]
    )
    return Posted(
        service_code=text("service_code", 16),
        lat=_number(text("lat"), "lat"),
        lng=_number(text("long"), "long"),
        address_string=text("address_string"),
        address_id=text("address_id", 25),
        description=str(data.get("description", "") or "").strip(),
        first_name=text("first_name", 30),
        last_name=text("last_name", 30),
        phone=text("phone", 20),
        email=text("email", 254),
        device_id=text("device_id", 100),
        account_id=text("account_id", 100),
        media_url=text("media_url", 500),
        client_key=client_key,
        attributes=attributes,
    )


def check_attributes(event_type: EventType, given: dict[str, Any]) -> list[tuple[ServiceAttribute, Any]]:
    """The answers to the service's attributes, checked against their definitions."""
    answered = []
    for attribute in ServiceAttribute.objects.filter(event_type=event_type, variable=True).order_by(
        "order", "code"
    ):
        value = given.get(attribute.code)
        empty = value in (None, "", [])
        if empty:
            if attribute.required:
                raise Open311Error(
                    _("缺少必填属性 attribute[%(code)s]（%(what)s）。")
                    % {"code": attribute.code, "what": attribute.description}
                )
            continue
        values = value if isinstance(value, list) else [value]
        if attribute.datatype == Datatype.NUMBER:
            for v in values:
                _number(str(v), f"attribute[{attribute.code}]")
        if attribute.datatype in (Datatype.SINGLE, Datatype.MULTI):
            if attribute.datatype == Datatype.SINGLE and len(values) > 1:
                raise Open311Error(_("属性 %(code)s 只能选择一项。") % {"code": attribute.code})
            unknown = [str(v) for v in values if str(v) not in attribute.allowed_keys()]
            if unknown:
                raise Open311Error(
                    _("属性 %(code)s 的取值无效：%(values)s")
                    % {"code": attribute.code, "values": "、".join(unknown)}
                )
        answered.append((attribute, value))
    return answered


def _names(attribute: ServiceAttribute, value: Any) -> str:
    labels = {str(v.get("key")): str(v.get("name")) for v in attribute.values or [] if isinstance(v, dict)}
    values = value if isinstance(value, list) else [value]
    return "、".join(labels.get(str(v), str(v)) for v in values)


def check_post_request(key: ApiKey, posted: Posted) -> Submission:
    """Register the posted request as a case (channel open311); a retry with the same client key
    answers with the first submission."""
    if not posted.service_code:
        raise Open311Error(_("缺少 service_code。"))
    event_type = public_types().filter(code=posted.service_code).first()
    if event_type is None:
        raise Open311Error(_("未知的服务代码“%(code)s”。") % {"code": posted.service_code})
    if posted.client_key:
        existing = (
            Submission.objects.filter(api_key=key, client_key=posted.client_key)
            .select_related("case")
            .first()
        )
        if existing is not None:
            return existing
    if (posted.lat is None) != (posted.lng is None):
        raise Open311Error(_("lat 与 long 须同时提供。"))
    if posted.lat is None and not posted.address_string and not posted.address_id:
        raise Open311Error(_("请提供位置：lat/long、address_string 或 address_id（楼栋/房屋编码）。"))
    answers = check_attributes(event_type, posted.attributes)
    description = posted.description or event_type.name
    if answers:
        extra = "；".join(f"{a.description}：{_names(a, v)}" for a, v in answers)
        description = f"{description}\n【补充信息】{extra}"
    if posted.media_url:
        description = f"{description}\n【图片链接】{posted.media_url}"
    name = f"{posted.last_name}{posted.first_name}".strip()
    with transaction.atomic():
        case = case_actions.check_submit_case(
            key.user,
            channel=Channel.OPEN311,
            description=description,
            type_code=event_type.code,
            location_code=posted.address_id,
            address=posted.address_string,
            lat=posted.lat,
            lng=posted.lng,
            reporter_name=name,
            reporter_phone=posted.phone,
            idempotency_key=posted.client_key,
        )
        submission = Submission(
            token=secrets.token_hex(16),
            api_key=key,
            client_key=posted.client_key,
            case=case,
            service_code=event_type.code,
            attributes={a.code: v for a, v in answers},
            media_url=posted.media_url,
            email=posted.email,
            device_id=posted.device_id,
            account_id=posted.account_id,
        )
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError:
            # The same client key raced us here: the engine returned the same case; answer as the first.
            existing = Submission.objects.filter(api_key=key, client_key=posted.client_key).first()
            if existing is None:
                raise
            return existing
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return submission
