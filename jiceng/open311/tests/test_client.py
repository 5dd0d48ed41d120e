"""The PyPI ``georeport`` client against a live server: what an outside Open311 app would do."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from georeport import GeoReport

from jiceng.cases.tests.test_browser import restore_reference_data
from jiceng.open311 import actions
from jiceng.testing import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_georeport_client_lists_services_posts_and_reads_back_a_request(live_server: Any) -> None:
    # given a district and a client's key
    restore_reference_data(calendar=False)
    world = build_world()
    _key, raw = actions.do_create_key("georeport-client")
    root = f"{live_server.url}/open311/v2"
    grid = world.grids["haiyu1"]
    # when the client posts a request (the library only reads, so the POST is plain HTTP)
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": raw,
            "service_code": "SR01",
            "lat": grid.center_lat,
            "long": grid.center_lng,
            "description": "路口垃圾堆放",
            "idempotency_key": "client-1",
        },
        timeout=10,
    )
    assert posted.status_code == 201
    number = posted.json()[0]["service_request_id"]
    # then the library reads services, definitions and requests back, in both formats
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        codes = {s["service_code"] for s in client.get_service_list()}
        assert "SR01" in codes
        assert client.get_service_definition("SR01")["service_code"] == "SR01"
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["agency_responsible"] == "新安街道综合执法队"
        found = client.get_service_requests(service_request_id=number, status="open")
        found = found if isinstance(found, list) else [found]
        assert [r["service_request_id"] for r in found] == [number]
