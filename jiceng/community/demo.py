"""Demo content for the residents' portal: guides, resources, venues, activities, rewards, notices, a
survey, micro-projects in several phases and two resident accounts, for the first communities of the
demo district. Runs after the places and org demos; loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from jiceng.community import actions
from jiceng.community.models import (
    ActivityKind,
    Goal,
    NoticeKind,
    ProjectRound,
    ResidencyStatus,
    ResidentProfile,
    ServiceGuide,
    ServiceResource,
)
from jiceng.core.plugins import DemoLogin
from jiceng.org.models import Membership, Role, User
from jiceng.places.models import Division, Level, Room
from jiceng.registry.models import Occupancy

PASSWORD = "jiceng2026"  # noqa: S105 — the demo's published shared password

GUIDES = [
    (
        "居住证办理",
        Goal.HOUSING,
        "来深人员申领深圳经济特区居住证",
        "在“i深圳”或社区工作站提交申请\n上传身份证和居住登记信息\n审核通过后到指定网点领取",
        "身份证原件\n租赁合同或房屋权属证明\n近期免冠照片",
        "社区党群服务中心一楼综合窗口",
        "周一至周六 9:00–18:00",
        "免费",
    ),
    (
        "高龄津贴申领",
        Goal.ELDERLY,
        "80 周岁以上户籍老人按月领取高龄津贴",
        "社区工作站提交申请\n街道民政审核\n次月起按月发放",
        "身份证\n户口本\n本人银行卡",
        "社区工作站民政窗口",
        "工作日 9:00–12:00，14:00–18:00",
        "免费",
    ),
    (
        "新生儿入户",
        Goal.CHILDCARE,
        "新生儿随父母落户",
        "准备材料\n到派出所户籍窗口办理\n领取户口本",
        "出生医学证明\n父母身份证和户口本\n结婚证",
        "辖区派出所户籍室",
        "工作日 9:00–17:30",
        "免费",
    ),
]
RESOURCES = [
    (Goal.CHILDCARE, "社区四点半课堂", "社区党群服务中心", "放学后作业辅导和兴趣活动"),
    (Goal.EDUCATION, "社区图书角", "社区党群服务中心二楼", "免费借阅，周末亲子阅读"),
    (Goal.WORK, "就业服务站", "街道人力资源服务站", "岗位推荐、技能培训报名"),
    (Goal.HEALTH, "社区健康服务中心", "社康中心", "家庭医生签约、慢病随访"),
    (Goal.ELDERLY, "长者饭堂", "社区长者服务站", "60 岁以上长者午餐优惠"),
    (Goal.HOUSING, "保障性住房咨询", "街道住房保障窗口", "公租房、保租房申请咨询"),
    (Goal.VULNERABLE, "困难群众帮扶", "社区工作站民政窗口", "低保、临时救助申请"),
]


def _staff_of(community: Division) -> User | None:
    membership = (
        Membership.objects.filter(
            role__in=[Role.COMMUNITY_STAFF, Role.LEADER], unit__division=community, is_active=True
        )
        .select_related("user")
        .first()
    )
    if membership is not None:
        return membership.user
    return User.objects.filter(is_superuser=True).order_by("pk").first()


def _resident(
    username: str, phone: str, name: str, community: Division, password_hash: str, volunteer: bool
) -> User:
    # Usernames are never phone numbers; an older demo database named these residents by their phone,
    # so that row is renamed rather than duplicated.
    user = User.objects.filter(username=username).first() or User.objects.filter(username=phone).first()
    if user is None:
        user = User.objects.create(username=username, display_name=name, phone=phone, password=password_hash)
    elif user.username != username:
        user.username = username
        user.save(update_fields=["username"])
    Membership.objects.get_or_create(
        user=user, unit=None, role=Role.RESIDENT, defaults={"division": community}
    )
    room = Room.objects.filter(code__startswith=community.code).order_by("code").first()
    profile, _created = ResidentProfile.objects.get_or_create(
        user=user,
        defaults={
            "community": community,
            "room": room,
            "status": ResidencyStatus.CONFIRMED,
            "confirmed_at": timezone.now(),
            "is_volunteer": volunteer,
        },
    )
    _link_to_registry(profile)
    return user


def _link_to_registry(profile: ResidentProfile) -> None:
    """Link a confirmed demo resident to a registry person living in their community (and move them
    to that person's room), when the registry demo has loaded people there and none is linked yet."""
    if profile.person_id is not None or profile.status != ResidencyStatus.CONFIRMED:
        return
    taken = ResidentProfile.objects.exclude(person=None).values("person_id")
    occupancy = (
        Occupancy.objects.filter(ended_on=None, room__code__startswith=profile.community.code)
        .exclude(person_id__in=taken)
        .select_related("person", "room")
        .order_by("room__code", "person_id")
        .first()
    )
    if occupancy is None:
        return
    ResidentProfile.objects.filter(pk=profile.pk).update(person=occupancy.person, room=occupancy.room)
    profile.person, profile.room = occupancy.person, occupancy.room


def _community_content(community: Division, staff: User, residents: list[User]) -> None:
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    if community.venues.exists():
        return
    hall = actions.check_create_venue(staff, community, "党群服务中心多功能室", 1, "党群服务中心三楼")
    gym = actions.check_create_venue(staff, community, "社区羽毛球场", 4, "社区文体公园")
    for venue in (hall, gym):
        starts = [now + dt.timedelta(days=d, hours=h) for d in (1, 2, 3) for h in (9, 10, 14, 15)]
        actions.check_add_slots(staff, venue.pk, [s - dt.timedelta(hours=now.hour) for s in starts], 60)
    tomorrow = now + dt.timedelta(days=1)
    actions.check_publish_activity(
        staff,
        community,
        "周末亲子阅读会",
        tomorrow + dt.timedelta(hours=2),
        tomorrow + dt.timedelta(hours=4),
        30,
        ActivityKind.ACTIVITY,
        place="社区图书角",
    )
    clean = actions.check_publish_activity(
        staff,
        community,
        "清洁家园志愿服务",
        tomorrow,
        tomorrow + dt.timedelta(hours=2),
        20,
        ActivityKind.VOLUNTEER,
        hours="2",
        place="社区主干道",
    )
    actions.check_publish_activity(
        staff,
        community,
        "防汛应急值守（平急转换）",
        now + dt.timedelta(hours=1),
        now + dt.timedelta(hours=9),
        10,
        ActivityKind.URGENT,
        hours="8",
        place="低洼片区",
        description="台风预警期间，协助转移群众、巡查积水点",
    )
    for reward, points, stock in (("爱心大米 5kg", "30", 20), ("洗衣液", "15", 30), ("理发服务券", "10", 50)):
        actions.check_create_reward(staff, community, reward, points, stock)
    if residents:
        signup = actions.check_signup_activity(actions.Actor(residents[0]), clean.pk)
        actions.check_confirm_attendance(staff, signup.pk)
    for title, body, kind, topic in (
        ("关于小区二次供水设施清洗的通知", "本周六 9:00–15:00 停水，请提前储水。", NoticeKind.NOTICE, ""),
        ("社区长者饭堂正式开餐", "长者饭堂每日 11:30 开餐，欢迎 60 岁以上长者就餐。", NoticeKind.NEWS, ""),
        ("垃圾分类怎么分", "厨余垃圾、可回收物、有害垃圾、其他垃圾……", NoticeKind.ARTICLE, "垃圾分类"),
        ("家庭消防安全五件事", "电动车不进楼入户、不私拉电线充电……", NoticeKind.ARTICLE, "消防安全"),
    ):
        notice = actions.check_save_notice(staff, [community], title, body, kind=kind, topic=topic)
        actions.check_publish_notice(staff, notice.pk)
    actions.check_create_survey(
        staff,
        community,
        "社区活动需求调查",
        actions.parse_questions(
            "单选: 您的年龄段 | 18-40 | 41-60 | 60以上\n多选: 希望增加的活动 | 书法 | 舞蹈 | 电影 | 讲座\n"
            "评分: 对社区活动的满意度\n文字: 其他建议"
        ),
    )
    _projects(community, staff, residents)


def _projects(community: Division, staff: User, residents: list[User]) -> None:
    if ProjectRound.objects.filter(community=community).exists() or not residents:
        return
    who = actions.Actor(residents[0])
    done_round = actions.check_open_round(staff, community, "2025年民生微实事（第一批）", "300000")
    a = actions.check_propose(who, done_round.pk, "楼道加装扶手", "老旧楼栋楼道无扶手，老人上下楼不便")
    b = actions.check_propose(who, done_round.pk, "四点半课堂", "为双职工家庭孩子提供放学后托管")
    actions.check_review(staff, a.pk, True, "engineering", "80000", "可行，纳入本批")
    actions.check_review(staff, b.pk, True, "service", "60000", "可行")
    actions.check_open_vote(staff, done_round.pk)
    for resident in residents:
        actions.check_cast_ballot(actions.Actor(resident), done_round.pk, [a.pk, b.pk])
    actions.check_close_vote(staff, done_round.pk)
    actions.check_add_milestone(staff, a.pk, "供应商比选")
    actions.check_report_progress(staff, a.pk, "已完成供应商比选，开始安装", progress=40)
    actions.check_start_evaluation(staff, b.pk)
    open_round = actions.check_open_round(staff, community, "2026年民生微实事（征集中）", "300000")
    actions.check_propose(who, open_round.pk, "小区口袋公园", "利用闲置空地建设口袋公园")


def load(scale: str, out: TextIO) -> list[DemoLogin]:
    communities = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code")[:3])
    if not communities:
        out.write("community demo: no communities (places demo not loaded), skipped\n")
        return []
    password_hash = make_password(PASSWORD)
    logins = []
    for index, community in enumerate(communities):
        staff = _staff_of(community)
        if staff is None:
            continue
        residents = [
            _resident(
                f"jumin{index + 1}{n}",
                f"1380000{index:02d}{n:02d}",
                name,
                community,
                password_hash,
                volunteer=n == 1,
            )
            for n, name in ((1, "陈小梅"), (2, "刘大伯"))
        ]
        if not ServiceGuide.objects.filter(community=community).exists():
            for title, goal, summary, steps, materials, office, hours, fees in GUIDES:
                ServiceGuide.objects.create(
                    community=community,
                    title=title,
                    goal=goal,
                    summary=summary,
                    steps=steps,
                    materials=materials,
                    office=office,
                    hours=hours,
                    fees=fees,
                )
            for goal, name, provider, description in RESOURCES:
                ServiceResource.objects.create(
                    community=community,
                    goal=goal,
                    name=name,
                    provider=provider,
                    description=description,
                    address=f"{community.name}{provider}",
                )
        _community_content(community, staff, residents)
        if index == 0:
            logins += [DemoLogin(r.username, PASSWORD, "居民", community.name) for r in residents]
    out.write(f"community demo: {len(communities)} communities with portal content\n")
    return logins
