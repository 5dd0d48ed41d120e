from __future__ import annotations

import pytest

from jiceng.community.tests.factories import slot

pytestmark = pytest.mark.django_db


def test_a_resident_books_through_the_api_and_an_outsider_gets_not_found(world, staff, resident_of, client):
    from rest_framework.test import APIClient

    s = slot(staff["haiyu"], world.communities["haiyu"])
    api = APIClient()
    api.force_authenticate(resident_of())
    assert api.post(f"/api/v1/community/slots/{s.pk}/book/").status_code == 201
    assert len(api.get("/api/v1/community/bookings/").json()["results"]) == 1
    outsider = APIClient()
    outsider.force_authenticate(resident_of("gushu"))
    response = outsider.post(f"/api/v1/community/slots/{s.pk}/book/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
