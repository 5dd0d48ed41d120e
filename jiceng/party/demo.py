"""Demo data for party building across the demo district: the organisation tree (district → streets →
the first communities → a compound branch), district bureaus paired with communities, members with
dual registration and confirmed service hours, wish cards in every state, the demo building head's
building with a visit plan, a vanguard team with a call-up, and a compound council with decisions.
Everything is written through the app's actions; loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from jiceng.community import ledger
from jiceng.community.models import AccountKind, ResidentProfile
from jiceng.core.plugins import DemoLogin
from jiceng.org.models import Membership, Role, Unit, User
from jiceng.party import actions
from jiceng.party.models import BoardSeat, Compound, PartyOrg, SeatKind, ServicePost, VisitOutcome
from jiceng.places.models import Building, Division, Level

PASSWORD = "jiceng2026"  # noqa: S105 — the demo's published shared password
POSTS = ("政策宣传员", "文明劝导员", "助老服务", "垃圾分类督导", "平安巡逻")
NAMES = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "徐刚", "孙娟"]


def _user(username: str, name: str, password_hash: str) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"display_name": name, "password": password_hash}
    )
    return user


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    district = Division.objects.filter(level=Level.DISTRICT).order_by("code").first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if district is None or admin is None:
        out.write("party demo: no district or admin (places/org demos not loaded), skipped\n")
        return []
    if PartyOrg.objects.filter(code="demo-qw").exists():
        out.write("party demo: already loaded\n")
        return [DemoLogin("party_member", PASSWORD, "党员（双报到）", "")]
    password_hash = make_password(PASSWORD)
    top = actions.check_create_org(
        admin, code="demo-qw", name=f"中共{district.name}委员会", kind="district", division_code=district.code
    )
    communities: list[Division] = []
    orgs: dict[str, PartyOrg] = {}
    for street in Division.objects.filter(parent=district, level=Level.STREET).order_by("code"):
        s_org = actions.check_create_org(
            admin,
            code=f"demo-{street.code}",
            name=f"{street.name}党工委",
            kind="street",
            parent_id=top.pk,
            division_code=street.code,
        )
        for community in Division.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[:2]:
            orgs[community.code] = actions.check_create_org(
                admin,
                code=f"demo-{community.code}",
                name=f"{community.name}党委",
                kind="community",
                parent_id=s_org.pk,
                division_code=community.code,
            )
            communities.append(community)
        if len(communities) >= 6:
            break
    if not communities:
        out.write("party demo: no communities, skipped\n")
        return []
    for community in communities:
        for title in POSTS:
            ServicePost.objects.create(community=community, title=title)
    first = communities[0]
    ledger.system_account(first, AccountKind.ISSUANCE)  # the first community runs its time bank

    # district bureaus' organisations, paired with communities
    bureaus = list(
        Unit.objects.filter(level=Level.DISTRICT, kind__category="department").order_by("code")[:3]
    )
    unit_orgs = [
        actions.check_create_org(
            admin,
            code=f"demo-u-{unit.code}"[:64],
            name=f"{unit.name}机关党委",
            kind="department",
            unit_code=unit.code,
        )
        for unit in bureaus
    ]
    for index, org in enumerate(unit_orgs):
        for community in communities[index : index + 2]:
            pairing = actions.check_pair(admin, org.pk, community.code)
            done = actions.check_add_commitment(admin, pairing.pk, "每季度开展一次政策宣讲进社区")
            actions.check_record_delivery(
                admin, done.pk, note="宣讲 1 场，覆盖居民 80 人", people=5, completes=True
            )
            actions.check_add_commitment(
                admin, pairing.pk, "认领微心愿不少于 5 个", timezone.localdate() + dt.timedelta(days=90)
            )

    # members: a bureau cadre with an account who lives in the first community, and members on paper
    cadre = _user("party_member", "林党员", password_hash)
    Membership.objects.get_or_create(user=cadre, unit=None, role=Role.RESIDENT, defaults={"division": first})
    home_org = unit_orgs[0] if unit_orgs else orgs[first.code]
    actions.check_add_member(admin, org_id=home_org.pk, name="林党员", phone="13900000099", user_id=cadre.pk)
    posts = list(ServicePost.objects.filter(community=first).order_by("id")[:2])
    reg = actions.check_dual_register(cadre, first.code, [p.pk for p in posts])
    for days, hours, note in ((9, "2", "垃圾分类督导"), (5, "3", "陪同独居老人就医"), (1, "1.5", "文明劝导")):
        record = actions.check_record_service(
            cadre,
            reg.pk,
            hours=hours,
            served_on=timezone.localdate() - dt.timedelta(days=days),
            note=note,
            post_id=posts[0].pk,
        )
        if days > 1:
            actions.check_confirm_service(admin, record.pk)
    for community in communities:
        for n, name in enumerate(NAMES[:8]):
            actions.check_add_member(
                admin, org_id=orgs[community.code].pk, name=name, phone=f"1370{community.code[-4:]}{n:03d}"
            )

    # wish cards from the community demo's residents
    residents = list(
        ResidentProfile.objects.filter(community=first).select_related("user").order_by("id")[:2]
    )
    if residents:
        wishes = [
            ("想要一台收音机听粤剧", "独居老人想要一台收音机"),
            ("孩子需要一套课外读物", "留守儿童想要一套课外读物"),
            ("轮椅需要维修", "行动不便的居民轮椅需要维修"),
        ]
        cards = []
        for (title, public), profile in zip(wishes, residents * 2, strict=False):
            wish = actions.check_post_wish(profile.user, title=title, group="elderly")
            cards.append(actions.check_review_wish(admin, wish.pk, approve=True, public_text=public))
        actions.check_claim_wish(cadre, cards[0].pk)
        actions.check_claim_wish(cadre, cards[1].pk)
        photo = ("demo-wish.png", (Path(__file__).parent / "static" / "party" / "demo-wish.png").read_bytes())
        actions.check_fulfil_wish(cadre, cards[1].pk, note="已送上课外读物一套", photo=photo)
        actions.check_confirm_wish(cards[1].resident, cards[1].pk)
        actions.check_post_wish(admin, title="希望有人教用智能手机", resident_id=residents[0].user_id)

    # the demo building head's building
    head = User.objects.filter(username="building_head").first()
    building = Building.objects.filter(code__startswith=first.code).order_by("code").first()
    if head is not None and building is not None:
        actions.check_assign_head(admin, head.pk, building.code)
        plan = actions.check_add_visit_plan(admin, building.code, "独居老人·何伯", every_days=7)
        actions.check_record_visit(head, plan.pk, VisitOutcome.WELL, "身体状况良好")

    # a vanguard team and a call-up
    members = list(orgs[first.code].members.order_by("id")[:4]) + [cadre.party_member]
    team = actions.check_create_team(
        admin, first.code, "flood", f"{first.name}防汛先锋队", [m.pk for m in members]
    )
    actions.check_call_up(
        admin,
        community_code=first.code,
        title="台风“海葵”来临前排查低洼点",
        team_id=team.pk,
        starts_at=timezone.now() + dt.timedelta(days=1),
        place=f"{first.name}党群服务中心",
        needed=6,
    )

    # compound governance and a council
    compound = Compound.objects.create(community=first, name=f"{first.name}花园")
    compound.buildings.set(Building.objects.filter(code__startswith=first.code).order_by("code")[:3])
    actions.check_create_org(
        admin,
        code=f"demo-{first.code}-c1",
        name=f"{compound.name}党支部",
        kind="compound",
        parent_id=orgs[first.code].pk,
    )
    seat_user = User.objects.filter(username="community_staff").first() or admin
    BoardSeat.objects.create(
        compound=compound, kind=SeatKind.PARTY, body=f"{compound.name}党支部", user=seat_user
    )
    meeting = actions.check_create_meeting(
        admin,
        first.code,
        f"{compound.name}居民议事会（第一次）",
        timezone.now() - dt.timedelta(days=3),
        compound_id=compound.pk,
        place="小区议事厅",
    )
    actions.check_add_agenda_item(admin, meeting.pk, "东门电动车乱停乱充", "recurring")
    actions.check_add_agenda_item(admin, meeting.pk, "加装楼道扶手", "project")
    actions.check_record_attendance(admin, meeting.pk, "支部书记", "小区党支部")
    actions.check_record_attendance(admin, meeting.pk, "业委会主任", "业委会")
    actions.check_record_attendance(admin, meeting.pk, "物业经理", "物业服务企业")
    actions.check_save_minutes(admin, meeting.pk, "议定：东门增设集中充电棚；楼道扶手纳入下一批微实事。")
    owner = seat_user
    due = timezone.localdate() + dt.timedelta(days=30)
    actions.check_decide(
        admin,
        meeting.pk,
        text="东门增设电动车集中充电棚",
        follow_up="case",
        owner_id=owner.pk,
        due_on=due,
        votes_for=15,
        votes_against=2,
    )
    task = actions.check_decide(
        admin,
        meeting.pk,
        text="物业每周清理东门堆物",
        follow_up="task",
        owner_id=owner.pk,
        due_on=due,
        votes_for=17,
    )
    actions.check_complete_task(admin, task.pk, "物业已建立每周清理台账")
    out.write(f"party demo: {len(communities)} community committees, {len(unit_orgs)} paired bureaus\n")
    return [DemoLogin("party_member", PASSWORD, "党员（双报到）", first.name)]
