import pytest

from jiceng.conftest import login
from jiceng.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_logs_in_and_opens_the_home_page_and_the_admin(world, live_server, page):
    # given the admin of the demo district
    # when they log in through the real login form
    login(page, live_server, "admin", PASSWORD)
    # then the home page greets them in Chinese
    assert page.locator("h1").inner_text() == "工作台"
    assert "郑管理" in page.content()
    # and the admin opens in Chinese with the base data listed
    page.goto(f"{live_server.url}/admin/")
    assert "基础数据管理" in page.content()
    assert page.locator("#content-main a", has_text="网格").first.is_visible()
    assert page.console_errors == []


def test_a_wrong_password_is_refused_in_chinese(world, live_server, page):
    login(page, live_server, "admin", "wrong-password")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误，请重试。"
