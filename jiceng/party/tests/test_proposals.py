"""Residents propose agenda items to their council from the portal; council staff put them on a
meeting's agenda or decline them with a reason, and the resident is told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jiceng.cases.models import Notification
from jiceng.community.models import AuditEvent, CouncilProposal
from jiceng.community.tests.conftest import sign_up
from jiceng.party import actions
from jiceng.party.exceptions import WrongState
from jiceng.party.models import AgendaItem, PartyEvent

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def _meeting(party, key="haiyu"):
    return actions.check_create_meeting(
        party.staff[key],
        party.world.communities[key].code,
        "居民议事会",
        timezone.now() + dt.timedelta(days=3),
    )


def test_a_resident_proposes_an_item_which_staff_put_on_the_agenda_and_the_resident_is_told(
    party, resident_of
):
    resident = resident_of("haiyu", "张阿婆")
    c = client_for(resident)
    response = c.post("/community/proposals/", {"title": "加装电梯", "detail": "老人上下楼困难"})
    assert response.status_code == 302
    proposal = CouncilProposal.objects.get()
    assert proposal.community == party.world.communities["haiyu"] and proposal.status == "submitted"
    assert AuditEvent.objects.filter(verb="propose_agenda", subject_id=str(proposal.pk)).exists()
    meeting = _meeting(party)
    staff = client_for(party.staff["haiyu"])
    assert "加装电梯" in staff.get("/party/staff/").content.decode()
    response = staff.post(f"/party/staff/proposals/{proposal.pk}/accept/", {"meeting": meeting.pk})
    assert response.status_code == 302
    item = AgendaItem.objects.get(proposal=proposal)
    assert item.meeting == meeting and item.source == "proposal"
    note = Notification.objects.get(kind="party_proposal_accepted")
    assert note.data["users"] == [resident.pk] and "加装电梯" in note.message
    assert PartyEvent.objects.filter(verb="accept_proposal").exists()
    page = c.get("/community/proposals/").content.decode()
    assert 'data-status="accepted"' in page


def test_a_declined_proposal_needs_a_reason_and_the_resident_reads_it(party, resident_of):
    resident = resident_of("haiyu", "张阿婆")
    client_for(resident).post("/community/proposals/", {"title": "小区里养鸡"})
    proposal = CouncilProposal.objects.get()
    staff = client_for(party.staff["haiyu"])
    refused = staff.post(f"/party/staff/proposals/{proposal.pk}/decline/", {"reason": ""}, follow=True)
    assert "请填写不予列入的原因" in refused.content.decode()
    staff.post(f"/party/staff/proposals/{proposal.pk}/decline/", {"reason": "违反物业管理规约"})
    proposal.refresh_from_db()
    assert proposal.status == "declined" and proposal.reason == "违反物业管理规约"
    assert "违反物业管理规约" in Notification.objects.get(kind="party_proposal_declined").message
    assert "违反物业管理规约" in client_for(resident).get("/community/proposals/").content.decode()
    with pytest.raises(WrongState):
        actions.check_accept_proposal(party.staff["haiyu"], proposal.pk, _meeting(party).pk)


def test_a_resident_not_yet_confirmed_is_refused_and_keeps_what_they_typed(party):
    user = sign_up(party.world.communities["haiyu"].code, "新居民")
    response = client_for(user).post("/community/proposals/", {"title": "增设快递柜", "detail": "在东门"})
    page = response.content.decode()
    assert response.status_code == 400 and "确认您的居住信息" in page
    assert 'value="增设快递柜"' in page and "在东门" in page
    assert not CouncilProposal.objects.exists()


def test_another_communitys_staff_cannot_see_or_answer_a_proposal(party, resident_of):
    client_for(resident_of("haiyu", "张阿婆")).post("/community/proposals/", {"title": "加装电梯"})
    proposal = CouncilProposal.objects.get()
    outsider = client_for(party.staff["gushu"])
    assert "加装电梯" not in outsider.get("/party/staff/").content.decode()
    gushu_meeting = _meeting(party, "gushu")
    assert (
        outsider.post(
            f"/party/staff/proposals/{proposal.pk}/accept/", {"meeting": gushu_meeting.pk}
        ).status_code
        == 404
    )
    assert (
        outsider.post(f"/party/staff/proposals/{proposal.pk}/decline/", {"reason": "不"}).status_code == 404
    )
    # haiyu's staff cannot put it on gushu's meeting either
    response = client_for(party.staff["haiyu"]).post(
        f"/party/staff/proposals/{proposal.pk}/accept/", {"meeting": gushu_meeting.pk}
    )
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "submitted" and not AgendaItem.objects.exists()
