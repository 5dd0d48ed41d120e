"""The shared ``posted`` decorator: refusals never become 500s; missing stays 404 unless asked."""

from __future__ import annotations

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from jiceng.core.exceptions import JicengError, NotFound
from jiceng.core.posting import posted
from jiceng.org.models import User

pytestmark = pytest.mark.django_db


def _request(method: str = "post", **data):
    request = getattr(RequestFactory(), method)("/x/", data)
    request.user = User.objects.get_or_create(username="u")[0]
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_an_action_refusal_goes_back_with_the_message_and_missing_is_a_404():
    @posted(fallback="home")
    def refuse(request, error):
        raise error

    response = refuse(_request(next="/community/"), JicengError("不行"))
    assert response.status_code == 302 and response["Location"] == "/community/"
    with pytest.raises(Http404):
        refuse(_request(), NotFound("未找到"))
    assert refuse(_request("get"), JicengError("不行")).status_code == 405


def test_missing_can_be_a_message_and_a_form_view_is_called_again_with_the_refusal():
    @posted(fallback="home", missing_is_404=False)
    def missing(request):
        raise NotFound("未找到")

    assert missing(_request()).status_code == 302

    @posted(form=True)
    def form(request, refused=None):
        if refused is None and request.method == "POST":
            raise JicengError("手机号错误")
        return HttpResponse(
            f"{refused.message if refused else ''}|{request.POST.get('phone', '')}", status=400
        )

    assert form(_request(phone="123")).content.decode() == "手机号错误|123"
