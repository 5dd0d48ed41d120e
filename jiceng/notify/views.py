"""The inbox page (站内信) and the notification preferences page, for staff and residents alike."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.notify import actions
from jiceng.notify.exceptions import MessageNotFound, NotifyError


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(actions.messages_of(request.user, unread=unread_only), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_only": unread_only, "unread": actions.unread_count(request.user)},
    )


def badge(request: HttpRequest) -> HttpResponse:
    """The top bar's unread count, fetched after the page has loaded (htmx), so no page pays for it."""
    unread = actions.unread_count(request.user)
    if not unread:
        return HttpResponse("")
    label = _("%(n)d 条未读") % {"n": unread}
    return HttpResponse(
        format_html(
            ' <span class="badge warn" data-unread="{}" aria-label="{}">{}</span>', unread, label, unread
        )
    )


@login_required
def open_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a message marks it read and follows its link (a path on this site)."""
    try:
        message = actions.check_mark_read(request.user, pk)
    except MessageNotFound:
        raise Http404(_("未找到该消息。"))
    link = message.link
    base = str(getattr(settings, "JICENG_BASE_URL", "")).rstrip("/")
    if base and link.startswith(base + "/"):
        link = link[len(base) :]  # this site's own page, whatever host the person came in by
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        actions.check_mark_read(request.user, pk)
    except MessageNotFound:
        raise Http404(_("未找到该消息。"))
    return redirect("notify:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    done = actions.check_mark_all_read(request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": done})
    return redirect("notify:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    prefs = actions.preferences_of(request.user)
    if request.method == "POST":
        changes: dict[str, Any] = {name: name in request.POST for name in ("sms", "email", "wechat")}
        for name in ("quiet_start", "quiet_end", "wechat_openid"):
            if name in request.POST:
                changes[name] = request.POST[name]
        try:
            prefs = actions.check_set_preferences(request.user, changes)
        except NotifyError as exc:
            messages.error(request, exc.message)
            return render(request, "notify/preferences.html", {"prefs": prefs}, status=400)
        messages.success(request, _("通知设置已保存。"))
        return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {"prefs": prefs})
