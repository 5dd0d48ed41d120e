"""Schemathesis over the whole /api/schema/, in-process against the WSGI app, as a signed-in staff user:
no request it can generate gets a server error, and every response stays inside the schema."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jiceng.wsgi import application

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

# The same document /api/schema/ serves, built once at collection.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application


@pytest.fixture(autouse=True)
def _the_test_keeps_its_connection() -> Any:
    """As Django's test client does: the WSGI handler's request signals would close the test's
    connection (it is inside the test's transaction, so Django counts it as obsolete); on PostgreSQL
    every later query then failed with "the connection is closed"."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(world: Any) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=world.people["dispatcher"])
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("JICENG_SCHEMATHESIS_EXAMPLES", "25")),
    derandomize=True,  # a fixed seed: the same requests on every run
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_answers_every_generated_request_without_a_server_error(
    case: Any, staff_headers: dict[str, str]
) -> None:
    case.call_and_validate(
        headers=staff_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
