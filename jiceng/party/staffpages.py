"""Staff pages of the community party committee for what was API/admin only: organisations, members,
building heads, pairings, compounds, vanguard teams and the Sunday rota.

Each form view is ``@posted(form=True)``: GET shows the form; POST calls one ``check_*`` action; a
refusal re-renders the form with every value the person typed (status 400), and "not found" is a 404
for both missing and forbidden objects (another street's or community's)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.community.actions import staff_communities
from jiceng.core.exceptions import JicengError
from jiceng.core.posting import posted
from jiceng.org.models import Unit, User
from jiceng.org.privacy import reveal_many
from jiceng.org.scopes import scope_for
from jiceng.party import access, actions
from jiceng.party.models import (
    UNIT_KINDS,
    BuildingHead,
    Compound,
    OrgKind,
    PartyOrg,
    Theme,
    VanguardTeam,
)
from jiceng.places.models import Division, Level


@dataclass
class Field:
    """One input of a staff form; ``value`` is what the person typed (on a refusal) or the stored one."""

    name: str
    label: Any
    kind: str = "text"  # text, tel, date, select, choices (several checkboxes), flag, codes
    options: list[tuple[str, str]] = field(default_factory=list)
    initial: Any = ""
    required: bool = False
    help: Any = ""
    placeholder: str = ""
    value: Any = ""


def bind(request: HttpRequest, fields: list[Field], refused: JicengError | None) -> list[Field]:
    for f in fields:
        if refused is None:
            f.value = [str(v) for v in f.initial] if f.kind == "choices" else f.initial
        elif f.kind == "choices":
            f.value = request.POST.getlist(f.name)
        elif f.kind == "flag":
            f.value = request.POST.get(f.name) == "1"
        else:
            f.value = request.POST.get(f.name, "")
    return fields


def form_page(
    request: HttpRequest,
    title: str,
    fields: list[Field],
    refused: JicengError | None,
    *,
    submit: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "party/staff_form.html",
        {
            "title": title,
            "fields": bind(request, fields, refused),
            "error": refused.message if refused is not None else "",
            "submit": submit or _("保存"),
            **(extra or {}),
        },
        status=400 if refused is not None else 200,
    )


def require_staff(request: HttpRequest) -> None:
    if not staff_communities(request.user).exists():
        raise Http404(_("仅限社区党委工作人员。"))


def codes(value: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、]+", value or "") if c]


def user_id(username: str) -> str:
    """The account named by its username ("-1", which no account has, when there is none)."""
    username = (username or "").strip()
    if not username:
        return ""
    return str(User.objects.filter(username=username).values_list("pk", flat=True).first() or -1)


def community_options(request: HttpRequest) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in staff_communities(request.user).order_by("code")]


def org_options(request: HttpRequest, *, blank: bool = False) -> list[tuple[str, str]]:
    rows = [
        (str(o.pk), f"{o.name}（{o.get_kind_display()}）")
        for o in access.visible_orgs(request.user).filter(is_active=True)
    ]
    return ([("", _("（无）"))] if blank else []) + rows


def member_options(request: HttpRequest, community: Division | None = None) -> list[tuple[str, str]]:
    found = access.visible_members(request.user).filter(is_active=True)
    if community is not None:
        found = found.filter(
            Q(org__division__code__startswith=community.code)
            | Q(registrations__community=community, registrations__is_active=True)
        ).distinct()
    members = list(found.order_by("id")[:300])
    shown = reveal_many(request, "party_member", [(m.pk, {"name": m.name}) for m in members], "党员管理")
    return [(str(m.pk), f"{s['name']} · {m.org.name}") for m, s in zip(members, shown, strict=True)]


# --------------------------------------------------------------------------------------------------
# the overview
# --------------------------------------------------------------------------------------------------


def org_tree(user: Any) -> list[tuple[PartyOrg, int]]:
    """Organisations in scope, each under its parent (depth-first), with its depth."""
    orgs = list(access.visible_orgs(user).order_by("code"))
    ids = {o.pk for o in orgs}
    children: dict[int | None, list[PartyOrg]] = {}
    for o in orgs:
        children.setdefault(o.parent_id if o.parent_id in ids else None, []).append(o)
    out: list[tuple[PartyOrg, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in children.get(parent, []):
            out.append((o, depth))
            walk(o.pk, depth + 1)

    walk(None, 0)
    return out


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require_staff(request)
    user = request.user
    members = list(access.visible_members(user).order_by("org__code", "id")[:200])
    shown = reveal_many(
        request,
        "party_member",
        [(m.pk, {"name": m.name, "phone": m.phone, "id_number": m.id_number}) for m in members],
        "党员管理",
    )
    editable = set(access.visible_orgs(user).values_list("pk", flat=True))
    communities = staff_communities(user)
    return render(
        request,
        "party/manage.html",
        {
            "tree": org_tree(user),
            "members": [(m, s, m.org_id in editable) for m, s in zip(members, shown, strict=True)],
            "heads": BuildingHead.objects.filter(
                access.staff_q(user, "building__grid__community__code"), is_active=True
            )
            .select_related("user", "building")
            .order_by("building__code")[:200],
            "compounds": Compound.objects.filter(community__in=communities)
            .select_related("community")
            .prefetch_related("buildings")
            .order_by("community__code", "id")[:100],
            "teams": VanguardTeam.objects.filter(community__in=communities)
            .select_related("community")
            .prefetch_related("members")
            .order_by("community__code", "id")[:100],
        },
    )


# --------------------------------------------------------------------------------------------------
# organisations
# --------------------------------------------------------------------------------------------------


@posted(form=True)
def org_new(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    if request.method == "POST" and refused is None:
        p = request.POST
        org = actions.check_create_org(
            request.user,
            code=p.get("code", ""),
            name=p.get("name", ""),
            kind=p.get("kind", ""),
            parent_id=p.get("parent") or None,
            division_code=p.get("division", ""),
            unit_code=p.get("unit", ""),
            building_code=p.get("building", ""),
        )
        messages.success(request, _("已建立 %(n)s。") % {"n": org.name})
        return redirect("party:manage")
    scope = scope_for(request.user)
    divisions = Division.objects.filter(
        scope.q("code"), level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]
    ).order_by("code")[:500]
    units = Unit.objects.filter(scope.q("division__code"), is_active=True).order_by("code")[:500]
    fields = [
        Field(
            "kind",
            _("类型"),
            "select",
            [(k, str(label)) for k, label in OrgKind.choices],
            initial=OrgKind.COMPOUND,
            required=True,
        ),
        Field("name", _("名称"), required=True),
        Field("code", _("组织代码"), required=True, help=_("字母、数字和连字符，如 haiyu-1-zb")),
        Field(
            "parent",
            _("上级组织"),
            "select",
            org_options(request, blank=True),
            initial=request.GET.get("parent", ""),
        ),
        Field(
            "division",
            _("所在区划"),
            "select",
            [("", _("（随上级组织）"))] + [(d.code, d.name) for d in divisions],
        ),
        Field(
            "unit",
            _("所在单位（单位党组织）"),
            "select",
            [("", _("（无）"))] + [(u.code, u.name) for u in units],
        ),
        Field("building", _("楼栋编码（楼栋党小组）")),
    ]
    return form_page(request, _("新建党组织"), fields, refused)


@posted(form=True)
def org_edit(request: HttpRequest, pk: int, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    org = access.access_org(request.user, pk)
    if request.method == "POST" and refused is None:
        p = request.POST
        actions.check_edit_org(
            request.user,
            pk,
            name=p.get("name", ""),
            secretary_id=user_id(p.get("secretary", "")),
            is_active=p.get("is_active") == "1",
        )
        messages.success(request, _("已保存。"))
        return redirect("party:manage")
    fields = [
        Field("name", _("名称"), initial=org.name, required=True),
        Field("secretary", _("书记账号（用户名）"), initial=org.secretary.username if org.secretary else ""),
        Field("is_active", _("有效"), "flag", initial=org.is_active),
    ]
    return form_page(
        request,
        _("编辑党组织"),
        fields,
        refused,
        extra={"subject": f"{org.name} · {org.get_kind_display()} · {org.division.name}"},
    )


# --------------------------------------------------------------------------------------------------
# members
# --------------------------------------------------------------------------------------------------


ID_HELP = gettext_lazy("选填；与人口库中同号人员自动关联")


@posted(form=True)
def member_new(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    if request.method == "POST" and refused is None:
        p = request.POST
        member = actions.check_add_member(
            request.user,
            org_id=p.get("org", ""),
            name=p.get("name", ""),
            phone=p.get("phone", ""),
            id_number=p.get("id_number", ""),
            user_id=user_id(p.get("username", "")) or None,
        )
        messages.success(request, _("已登记党员 %(n)s。") % {"n": member.name})
        return redirect("party:manage")
    fields = [
        Field(
            "org",
            _("所在党组织"),
            "select",
            org_options(request),
            initial=request.GET.get("org", ""),
            required=True,
        ),
        Field("name", _("姓名"), required=True),
        Field("phone", _("手机号"), "tel"),
        Field("id_number", _("身份证号"), help=ID_HELP),
        Field("username", _("账号（用户名，选填）")),
    ]
    return form_page(request, _("登记党员"), fields, refused)


@posted(form=True)
def member_edit(request: HttpRequest, pk: int, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    member = access.access_member(request.user, pk)
    if not access.visible_orgs(request.user).filter(pk=member.org_id).exists():
        raise Http404(_("未找到该党员。"))
    if request.method == "POST" and refused is None:
        p = request.POST
        actions.check_edit_member(
            request.user,
            pk,
            org_id=p.get("org", ""),
            name=p.get("name", ""),
            phone=p.get("phone", ""),
            id_number=p.get("id_number", ""),
            user_id=user_id(p.get("username", "")) or None,
            is_active=p.get("is_active") == "1",
        )
        messages.success(request, _("已保存。"))
        return redirect("party:manage")
    (shown,) = reveal_many(
        request,
        "party_member",
        [(member.pk, {"name": member.name, "phone": member.phone, "id_number": member.id_number})],
        "党员管理",
    )
    masked = shown["phone"] != member.phone or shown["id_number"] != member.id_number
    keep = _("留空则不变")
    fields = [
        Field(
            "org", _("所在党组织"), "select", org_options(request), initial=str(member.org_id), required=True
        ),
        Field(
            "name",
            _("姓名"),
            initial="" if masked else member.name,
            required=not masked,
            placeholder=shown["name"],
        ),
        Field(
            "phone",
            _("手机号"),
            "tel",
            initial="" if masked else member.phone,
            placeholder=shown["phone"],
            help=keep,
        ),
        Field(
            "id_number",
            _("身份证号"),
            initial="" if masked else member.id_number,
            placeholder=shown["id_number"],
            help=keep,
        ),
        Field("username", _("账号（用户名，选填）"), initial=member.user.username if member.user else ""),
        Field("is_active", _("有效"), "flag", initial=member.is_active),
    ]
    return form_page(request, _("编辑党员"), fields, refused)


# --------------------------------------------------------------------------------------------------
# building heads, pairings, compounds, vanguard teams, Sunday rota
# --------------------------------------------------------------------------------------------------


@posted(form=True)
def head_new(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    if request.method == "POST" and refused is None:
        head = actions.check_assign_head(
            request.user, user_id(request.POST.get("username", "")), request.POST.get("building", "")
        )
        messages.success(request, _("已任命 %(b)s 的楼栋长。") % {"b": head.building.code})
        return redirect("party:manage")
    fields = [
        Field("building", _("楼栋编码"), required=True, initial=request.GET.get("building", "")),
        Field("username", _("楼栋长账号（用户名）"), required=True),
    ]
    return form_page(request, _("任命楼栋长"), fields, refused)


@posted(fallback="party:manage")
def head_end(request: HttpRequest, pk: int) -> HttpResponse:
    actions.check_end_head(request.user, pk)
    messages.success(request, _("已免去楼栋长。"))
    return redirect("party:manage")


@posted(form=True)
def pairing_new(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    if request.method == "POST" and refused is None:
        item = actions.check_pair(
            request.user, request.POST.get("org", ""), request.POST.get("community", "")
        )
        return redirect("party:pairing", item.pk)
    unit_orgs = PartyOrg.objects.filter(kind__in=UNIT_KINDS, is_active=True).order_by("code")[:500]
    fields = [
        Field("org", _("单位党组织"), "select", [(str(o.pk), o.name) for o in unit_orgs], required=True),
        Field("community", _("结对社区"), "select", community_options(request), required=True),
    ]
    return form_page(request, _("新建结对"), fields, refused)


@posted(form=True)
def compound_form(
    request: HttpRequest, pk: int | None = None, refused: JicengError | None = None
) -> HttpResponse:
    require_staff(request)
    compound = access.access_compound(request.user, pk) if pk is not None else None
    if request.method == "POST" and refused is None:
        buildings = codes(request.POST.get("buildings", ""))
        if compound is None:
            actions.check_create_compound(
                request.user, request.POST.get("community", ""), request.POST.get("name", ""), buildings
            )
        else:
            actions.check_edit_compound(request.user, pk, request.POST.get("name", ""), buildings)
        messages.success(request, _("已保存。"))
        return redirect("party:manage")
    fields = (
        []
        if compound
        else [Field("community", _("社区"), "select", community_options(request), required=True)]
    )
    fields += [
        Field("name", _("小区名称"), initial=compound.name if compound else "", required=True),
        Field(
            "buildings",
            _("楼栋编码"),
            "codes",
            initial=" ".join(compound.buildings.values_list("code", flat=True)) if compound else "",
            help=_("每行一个，或以空格、逗号分隔"),
        ),
    ]
    return form_page(request, _("编辑小区") if compound else _("新建小区"), fields, refused)


@posted(form=True)
def team_form(
    request: HttpRequest, pk: int | None = None, refused: JicengError | None = None
) -> HttpResponse:
    require_staff(request)
    team = access.access_team(request.user, pk) if pk is not None else None
    p = request.POST
    if request.method == "POST" and refused is None:
        if team is None:
            actions.check_create_team(
                request.user,
                p.get("community", ""),
                p.get("theme", ""),
                p.get("name", ""),
                p.getlist("members"),
            )
        else:
            actions.check_edit_team(request.user, pk, p.get("name", ""), p.getlist("members"))
        messages.success(request, _("已保存。"))
        return redirect("party:manage")
    fields = (
        []
        if team
        else [
            Field("community", _("社区"), "select", community_options(request), required=True),
            Field(
                "theme", _("主题"), "select", [(k, str(label)) for k, label in Theme.choices], required=True
            ),
        ]
    )
    fields += [
        Field("name", _("名称"), initial=team.name if team else "", required=True),
        Field(
            "members",
            _("队员"),
            "choices",
            member_options(request, team.community if team else None),
            initial=list(team.members.values_list("pk", flat=True)) if team else [],
        ),
    ]
    return form_page(request, _("编辑先锋队") if team else _("新建先锋队"), fields, refused)


@posted(form=True)
def rota(request: HttpRequest, refused: JicengError | None = None) -> HttpResponse:
    require_staff(request)
    p = request.POST
    if request.method == "POST" and refused is None:
        shifts = actions.check_schedule_sunday_rota(
            request.user, p.get("community", ""), p.getlist("members"), p.get("first_sunday", "")
        )
        messages.success(request, _("已排 %(n)d 个周日班次。") % {"n": len(shifts)})
        return redirect("party:manage")
    fields = [
        Field("community", _("社区"), "select", community_options(request), required=True),
        Field("first_sunday", _("首个周日"), "date", required=True),
        Field("members", _("轮值党员（按顺序每周一人）"), "choices", member_options(request)),
    ]
    return form_page(request, _("党员周日轮值"), fields, refused, submit=_("排班"))
