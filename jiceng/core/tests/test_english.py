"""English as the second UI language: the switcher, pages, API errors and the catalogue itself.

The source strings are Simplified Chinese; English comes from jiceng/locale/en/LC_MESSAGES/django.po
(compiled to django.mo next to it); scripts read djangojs.po through /jsi18n/. Other tests keep
asserting Chinese under the default language.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from jiceng.testing import PASSWORD, World

CATALOGUE = Path(settings.BASE_DIR) / "jiceng" / "locale" / "en" / "LC_MESSAGES"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def login(client: Client, world: World, who: str) -> None:
    assert client.login(username=world.people[who].username, password=PASSWORD)


def page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def assert_english(html: str, english: list[str], chinese: list[str]) -> None:
    for text in english:
        assert text in html, f"missing English text {text!r}"
    for text in chinese:
        assert text not in html, f"Chinese source {text!r} still shown"


# --- switching -------------------------------------------------------------------------------------


def test_set_language_switches_the_home_page_to_english_and_back(client: Client, world: World) -> None:
    login(client, world, "admin")
    html = page(client, "/")
    assert 'lang="zh-hans"' in html
    assert "工作台" in html and "退出" in html
    # The switcher in the top bar offers the other language, posting to Django's set_language view.
    assert 'action="/i18n/setlang/"' in html
    assert 'name="language" value="en"' in html and ">English</button>" in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = page(client, "/")
    assert 'lang="en"' in html
    assert_english(
        html,
        ["Workbench", "Hello, 郑管理.", "Log out", "Admin", "Master data maintenance", ">简体中文</button>"],
        ["工作台", "您好", "退出", "管理后台", "基础数据维护"],
    )
    # The menu titles and descriptions come from each app's nav.py.
    assert_english(html, ["Case search", "People directory"], ["工单查询", "人员名录"])

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    html = page(client, "/")
    assert 'lang="zh-hans"' in html
    assert "工作台" in html and "Workbench" not in html


def test_set_language_returns_to_the_page_it_was_posted_from(client: Client, world: World) -> None:
    login(client, world, "dispatcher")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/cases/desk/"})
    assert response.status_code == 302 and response["Location"] == "/cases/desk/"
    html = page(client, "/cases/desk/")
    assert_english(html, ["Dispatch desk", "Hotline intake", "Refresh"], ["分拨台", "热线登记", "刷新"])


# --- pages -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english(client: Client) -> None:
    html = page(client, "/accounts/login/", **EN)
    assert_english(html, ["Log in", "Username", "Password"], ["登录", "用户名", "密码"])
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}, **EN)
    assert "Incorrect username or password; please try again." in response.content.decode()


def test_login_page_stays_chinese_for_zh_hans(client: Client) -> None:
    html = page(client, "/accounts/login/", **ZH)
    assert 'lang="zh-hans"' in html
    assert "登录" in html and "用户名" in html and "密码" in html
    assert "Username" not in html and "Log in" not in html
    # Without any preference the default language (zh-Hans) is used.
    assert "用户名" in page(Client(), "/accounts/login/")


def test_staff_pages_in_english(client: Client, world: World) -> None:
    login(client, world, "dispatcher")
    html = page(client, "/cases/desk/", **EN)
    assert_english(
        html,
        ["Dispatch desk", "Hotline intake", "No cases awaiting dispatch."],
        ["分拨台", "热线登记", "暂无待分拨工单。"],
    )

    login(client, world, "admin")
    html = page(client, "/org/people/", **EN)
    assert_english(
        html,
        ["People directory", "All roles", "Grid worker", "Filter"],
        ["人员名录", "全部角色", "网格员", "筛选"],
    )

    html = page(client, "/cases/", **EN)
    assert_english(html, ["All statuses", "Awaiting dispatch"], ["全部状态", "待分拨"])


def test_staff_page_stays_chinese_for_zh_hans(client: Client, world: World) -> None:
    login(client, world, "admin")
    html = page(client, "/org/people/", **ZH)
    assert "人员名录" in html and "全部角色" in html and "网格员" in html
    assert "People directory" not in html


def test_resident_pages_in_english(client: Client, world: World) -> None:
    login(client, world, "resident")
    html = page(client, "/community/ask/", **EN)
    assert_english(html, ["Report an issue", "My home", "Submit"], ["我要反映", "我家", "提交"])


# --- API errors ----------------------------------------------------------------------------------------


def error_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_api_error_message_in_english(client: Client, world: World) -> None:
    response = client.post("/api/v1/auth/token/", {}, content_type="application/json", **EN)
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid", "message": "Please enter your username and password."}

    response = client.post(
        "/api/v1/auth/token/",
        {"username": "nobody", "password": "wrong"},
        content_type="application/json",
        **EN,
    )
    assert error_of(response) == {"code": "invalid_credentials", "message": "Incorrect username or password."}

    login(client, world, "admin")
    response = client.get("/api/v1/cases/999999/", **EN)
    assert response.status_code == 404
    assert error_of(response) == {"code": "case_not_found", "message": "Case “999999” not found."}


def test_api_error_message_in_chinese_by_default(client: Client) -> None:
    response = client.post("/api/v1/auth/token/", {}, content_type="application/json", **ZH)
    assert error_of(response)["message"] == "请填写用户名和密码。"
    response = client.post("/api/v1/auth/token/", {}, content_type="application/json")
    assert error_of(response)["message"] == "请填写用户名和密码。"


# --- the catalogue -------------------------------------------------------------------------------------


def parse_po(path: Path) -> list[dict[str, Any]]:
    """A small reader for gettext .po files: enough to check translations, no third-party parser."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {}
    field: str | None = None

    def finish() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            if "msgid" in entry:
                finish()
            continue
        if line.startswith('"'):
            assert field is not None, f"continuation without a keyword in {path}: {raw!r}"
            entry[field] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        if keyword == "msgid" and "msgid" in entry:
            finish()
        field = keyword
        entry[field] = ast.literal_eval(value)
    finish()
    return entries


# The server's catalogue (django.po) and the one scripts read through /jsi18n/ (djangojs.po).
DOMAINS = {"django": 1000, "djangojs": 25}


@pytest.fixture(scope="module", params=sorted(DOMAINS))
def domain(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def entries(domain: str) -> list[dict[str, Any]]:
    return parse_po(CATALOGUE / f"{domain}.po")


def test_catalogue_has_no_untranslated_or_fuzzy_entries(entries: list[dict[str, Any]], domain: str) -> None:
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == ""
    assert "fuzzy" not in header.get("flags", set())
    assert "Language: en" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(messages) > DOMAINS[domain]
    untranslated, fuzzy = [], []
    for entry in messages:
        if entry.get("obsolete"):
            continue
        if "fuzzy" in entry.get("flags", set()):
            fuzzy.append(entry["msgid"])
        if "msgid_plural" in entry:
            forms = [entry.get("msgstr[0]", ""), entry.get("msgstr[1]", "")]
        else:
            forms = [entry.get("msgstr", "")]
        if not all(forms):
            untranslated.append(entry["msgid"])
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdif]|%[sd%]|\{\w*\}")


def test_catalogue_keeps_every_placeholder(entries: list[dict[str, Any]]) -> None:
    wrong = []
    for entry in entries[1:]:
        if entry.get("obsolete"):
            continue
        if "msgid_plural" in entry:
            pairs = [(entry["msgid"], entry["msgstr[0]"]), (entry["msgid_plural"], entry["msgstr[1]"])]
        else:
            pairs = [(entry["msgid"], entry["msgstr"])]
        for source, english in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(english)):
                wrong.append((source, english))
            if re.search(r"[\u4e00-\u9fff]", source) and english == source:
                wrong.append((source, english))
    assert not wrong, wrong[:20]


def test_compiled_catalogue_matches_the_po(entries: list[dict[str, Any]], domain: str) -> None:
    with open(CATALOGUE / f"{domain}.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in entries[1:]:
        if entry.get("obsolete"):
            continue
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr[0]"]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 2) == entry["msgstr[1]"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], (
                f"{domain}.mo is stale: {entry['msgid']!r}"
            )


@pytest.mark.django_db
def test_the_javascript_catalogue_gives_the_command_screen_its_english_labels(client: Client) -> None:
    script = client.get("/jsi18n/", **EN).content.decode()
    for english in ("Overall score", "No open cases", "Grid workers"):
        assert english in script, english
    # zh-Hans is the source language: its catalogue carries no translations, so labels stay Chinese.
    assert "Overall score" not in client.get("/jsi18n/", **ZH).content.decode()


def test_the_command_screen_loads_the_catalogue_before_its_script(client: Client, world: World) -> None:
    login(client, world, "admin")
    html = page(client, "/command/screen/", **EN)
    assert html.index('src="/jsi18n/"') < html.index("command/screen.js")
