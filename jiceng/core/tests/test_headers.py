"""Every page carries a Content-Security-Policy without inline script; personal data is never cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from jiceng.testing import World, client_for

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2]


def test_pages_forbid_inline_script_except_with_the_requests_nonce(world: World) -> None:
    response = client_for(world.people["leader"]).get("/command/evaluation/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    html = response.content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce.group(1)}"' in attrs for attrs in scripts)


def test_no_template_has_an_inline_script_without_a_nonce_or_an_event_handler_attribute() -> None:
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                offenders.append(f"{path}: {tag}")
        if re.search(r"<[^>]+\son(click|change|submit|load|input|keydown|error)=", text):
            offenders.append(f"{path}: inline event handler")
    assert offenders == []


def test_api_responses_and_staff_pages_are_not_stored(world: World) -> None:
    staff = client_for(world.people["community_staff"])
    for path in ("/api/v1/me/", "/cases/", "/registry/"):
        response = staff.get(path)
        assert "no-store" in response.get("Cache-Control", ""), path
    assert "no-store" in Client().get("/api/v1/me/").get("Cache-Control", "")


def test_public_static_answers_stay_cacheable() -> None:
    # The JavaScript catalogue is public and the same for everyone (health probes are never cached).
    assert "no-store" not in Client().get("/jsi18n/").get("Cache-Control", "")


def test_the_api_docs_page_widens_the_policy_for_its_cdn_only(world: World) -> None:
    docs = client_for(world.people["admin"]).get("/api/docs/")
    assert "cdn.jsdelivr.net" in docs["Content-Security-Policy"]
    page = client_for(world.people["admin"]).get("/cases/")
    assert "cdn.jsdelivr.net" not in page["Content-Security-Policy"]
