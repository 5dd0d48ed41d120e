"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over the case engine.

Every method answers in ``.json`` or ``.xml``; errors are the spec's list of ``{code, description}``
(``<errors><error>…`` in XML) with status 400, 403 or 404. Reads are public and show only public,
non-sensitive cases, without personal data (a room-level address is cut back to its building).
"""

from __future__ import annotations

import datetime as dt
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from jiceng.cases.models import Case, CasePhoto, CatalogueChange, Status
from jiceng.cases.public import public_states
from jiceng.core.exceptions import JicengError, NotFound
from jiceng.core.params import MAX_YEAR, MIN_YEAR
from jiceng.open311 import actions
from jiceng.open311.exceptions import Open311Error, RequestNotFound
from jiceng.open311.models import ServiceAttribute, Submission
from jiceng.places.models import Building

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
# XML element names of list items, by the name of the list.
ITEMS = {
    "endpoints": "endpoint",
    "formats": "format",
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}


# -- rendering --------------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_value(node, key, child)
    elif isinstance(value, list):
        for child in value:
            _xml_value(node, ITEMS.get(name, "item"), child)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def to_xml(root: str, data: Any) -> bytes:
    """``data`` (a list for ``root`` in ITEMS, else a dict) as the GeoReport XML document."""
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _xml_value(element, ITEMS[root], item)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, data), content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)


def georeport(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refusals (``JicengError``) as GeoReport errors; a foreign ``jurisdiction_id`` is a 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        jurisdiction = (
            request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
        ).strip()
        if jurisdiction and jurisdiction != settings.JICENG_DISTRICT_CODE:
            return error(fmt, 404, _("未找到辖区“%(id)s”。") % {"id": jurisdiction})
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except JicengError as exc:
            status = exc.status if exc.status in (400, 403, 404) else 400
            return error(fmt, status, exc.message)

    return wrapped


def w3c(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


# -- discovery and services -------------------------------------------------------------------------


@georeport
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changed = CatalogueChange.objects.aggregate(at=Max("at"))["at"]
    changeset = w3c(changed) or "2025-01-01T00:00:00+08:00"
    data = {
        "changeset": changeset,
        "contact": getattr(settings, "JICENG_OPEN311_CONTACT", "") or settings.JICENG_SITE_NAME,
        "key_service": _("请向平台管理员申领 api_key（管理后台或命令 jiceng open311 key 名称）。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


def _with_attributes(types: QuerySet[Any]) -> set[int]:
    return set(
        ServiceAttribute.objects.filter(event_type__in=types, variable=True).values_list(
            "event_type_id", flat=True
        )
    )


@georeport
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    types = actions.public_types().select_related("category").order_by("code")
    with_metadata = _with_attributes(types)
    data = [
        {
            "service_code": t.code,
            "service_name": t.name,
            "description": t.description,
            "metadata": t.pk in with_metadata,
            "type": "realtime",
            "keywords": ",".join(t.keyword_list),
            "group": t.category.name,
        }
        for t in types
    ]
    return respond(fmt, "services", data)


@georeport
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    event_type = actions.find_service(service_code)
    attributes = [
        {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
            "values": [
                {"key": v.get("key"), "name": v.get("name")} for v in a.values or [] if isinstance(v, dict)
            ],
        }
        for a in ServiceAttribute.objects.filter(event_type=event_type).order_by("order", "code")
    ]
    return respond(fmt, "service_definition", {"service_code": event_type.code, "attributes": attributes})


# -- requests ---------------------------------------------------------------------------------------


def public_cases() -> QuerySet[Case]:
    return Case.objects.filter(is_public=True, sensitive=False, event_type__isnull=False)


def serialize(cases: list[Case], request: HttpRequest) -> list[dict[str, Any]]:
    """Cases as GeoReport service requests, with a fixed number of queries for any number of cases."""
    ids = [c.pk for c in cases]
    states = public_states(cases)  # the one public mapping, shared with the portal
    photos: dict[int, str] = {}
    for photo in CasePhoto.objects.filter(case_id__in=ids, event_seq=1).order_by("pk"):
        photos.setdefault(photo.case_id, request.build_absolute_uri(photo.file.url))
    buildings = {
        b.code: b.address
        for b in Building.objects.filter(
            code__in={c.location_code[:19] for c in cases if len(c.location_code) == 25}
        )
    }
    out = []
    for case in cases:
        state = states[case.pk]
        status_notes = state.label
        if state.note and state.state != "refused":  # a refusal's reason is in its label already
            status_notes = f"{state.label}：{state.note}"
        address = case.address
        if len(case.location_code) == 25:
            address = buildings.get(case.location_code[:19], "")  # never a resident's room
        agency = case.lead_unit or case.desk_unit
        out.append(
            {
                "service_request_id": case.number,
                "status": "open" if state.is_open else "closed",
                "status_notes": status_notes,
                "service_name": case.event_type.name if case.event_type else "",
                "service_code": case.event_type.code if case.event_type else "",
                "description": case.description,
                "agency_responsible": agency.name if agency is not None else "",
                "service_notice": "",
                "requested_datetime": w3c(case.registered_at),
                "updated_datetime": w3c(case.updated_at),
                "expected_datetime": w3c(case.resident_due_at),
                "address": address,
                "address_id": case.location_code[:19] if case.location_code else "",
                "zipcode": "",
                "lat": case.lat,
                "long": case.lng,
                "media_url": photos.get(case.pk, ""),
            }
        )
    return out


def _moment(value: str, name: str) -> dt.datetime:
    invalid = Open311Error(_("%(name)s 不是有效的 W3C 日期时间：%(value)s") % {"name": name, "value": value})
    try:  # a well-formed but impossible moment (2026-02-30) raises instead of answering None
        moment = parse_datetime(value)
        day = parse_date(value) if moment is None else None
    except ValueError:
        raise invalid from None
    if moment is None:
        if day is None:
            raise invalid
        moment = dt.datetime.combine(day, dt.time.min)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise invalid
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _period(start_text: str, end_text: str) -> tuple[dt.datetime, dt.datetime]:
    """The spec's date range: the last 90 days by default, and never wider than 90 days."""
    span = dt.timedelta(days=DEFAULT_DAYS)
    start = _moment(start_text, "start_date") if start_text else None
    end = _moment(end_text, "end_date") if end_text else None
    if start is None:
        end = end or timezone.now()
        start = end - span
    elif end is None:
        end = start + span
    if end < start:
        raise Open311Error(_("end_date 不能早于 start_date。"))
    if end - start > span:
        raise Open311Error(_("查询时间范围不能超过 %(n)d 天。") % {"n": DEFAULT_DAYS})
    return start, end


def _ids(text: str) -> list[int]:
    found = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        pk = int(part) if part.isdigit() and len(part) < 15 else Case.id_from_number(part)
        if pk is not None:
            found.append(pk)
    return found


def _queryset() -> QuerySet[Case]:
    return public_cases().select_related("event_type", "lead_unit", "desk_unit", "merged_into")


def list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    queryset = _queryset()
    if params.get("service_request_id"):
        # The spec: a list of ids overrides every other filter.
        queryset = queryset.filter(pk__in=_ids(params["service_request_id"]))
    else:
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            queryset = queryset.filter(event_type__code__in=codes)
        start, end = _period(params.get("start_date", ""), params.get("end_date", ""))
        queryset = queryset.filter(registered_at__gte=start, registered_at__lte=end)
        statuses = [s.strip() for s in params.get("status", "").split(",") if s.strip()]
        bad = [s for s in statuses if s not in ("open", "closed")]
        if bad:
            raise Open311Error(_("status 只能是 open 或 closed：%(s)s") % {"s": "、".join(bad)})
        if statuses and len(set(statuses)) == 1:
            # Closed as the public sees it: a merged case is open while the case it joined is.
            final = (Status.CLOSED, Status.INVALID)
            closed = Q(status__in=final) | Q(status=Status.MERGED) & (
                Q(merged_into__isnull=True) | Q(merged_into__status__in=(*final, Status.MERGED))
            )
            queryset = queryset.filter(closed if statuses[0] == "closed" else ~closed)
    cases = list(queryset.order_by("-registered_at", "-pk")[:MAX_REQUESTS])
    return respond(fmt, "service_requests", serialize(cases, request))


@csrf_exempt
@georeport
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return post_request(request, fmt)
    if request.method != "GET":
        return error(fmt, 400, _("不支持的请求方法。"))
    return list_requests(request, fmt)


def post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = actions.authenticate(request.POST.get("api_key"))
    submission = actions.check_post_request(key, actions.read_post(request.POST, request.headers))
    case = submission.case
    notice = ""
    if case is not None and case.resident_due_at is not None:
        notice = _("已受理，承诺于 %(due)s 前办结。") % {
            "due": timezone.localtime(case.resident_due_at).strftime("%Y-%m-%d %H:%M")
        }
    data = [
        {
            "service_request_id": case.number if case is not None else None,
            "token": submission.token,
            "service_notice": notice,
            "account_id": submission.account_id or None,
        }
    ]
    return respond(fmt, "service_requests", data, status=201)


@georeport
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    ids = _ids(request_id)
    case = _queryset().filter(pk__in=ids[:1]).first() if ids else None
    if case is None:
        raise RequestNotFound(_("未找到服务请求“%(id)s”。") % {"id": request_id})
    return respond(fmt, "service_requests", serialize([case], request))


@georeport
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    submission = Submission.objects.select_related("case").filter(token=token).first()
    if submission is None:
        raise NotFound(_("未找到令牌“%(token)s”。") % {"token": token})
    number = submission.case.number if submission.case is not None else None
    return respond(fmt, "service_requests", [{"service_request_id": number, "token": submission.token}])
