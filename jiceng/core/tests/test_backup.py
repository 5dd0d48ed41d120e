"""Backup, wipe, restore: the case trails still verify, the time bank still balances, media come back."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiceng.cases.models import Case, CaseEvent
from jiceng.cases.tests.conftest import at
from jiceng.command.tests.helpers import handled
from jiceng.community import actions as community
from jiceng.community import ledger
from jiceng.community.models import Entry, Posting
from jiceng.community.tests.conftest import sign_up
from jiceng.community.tests.factories import credit
from jiceng.core.backup import MANIFEST, BackupError, read_manifest
from jiceng.testing import World, restore_reference_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    photo = tmp_path / "media" / "cases" / "2026" / "evidence.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8photo\xff\xd9")
    return photo


def a_working_site(world: World) -> None:
    """Cases through their whole lifecycle and a resident's time-bank credits and redemption."""
    for day in (10, 11, 12):
        handled(world, at(2026, 3, day, 9))
    clerk, haiyu = world.people["community_staff"], world.communities["haiyu"]
    resident = sign_up(haiyu.code, "居民")
    community.check_confirm_residency(
        clerk, resident.resident_profile.pk, approve=True, room_code=world.rooms["haiyu1"].code
    )
    credit(clerk, haiyu, resident, hours="2")
    credit(clerk, haiyu, resident, hours="1")
    reward = community.check_create_reward(clerk, haiyu, "大米", "5", 3)
    community.check_redeem(community.Actor(resident), reward.pk)


def test_a_restored_backup_verifies_and_balances_after_the_database_was_wiped(
    world: World, media: Path, tmp_path: Path, capsys
) -> None:
    # given a site with cases, a time bank and an uploaded photo, backed up
    a_working_site(world)
    before = (Case.objects.count(), CaseEvent.objects.count(), Posting.objects.count(), Entry.objects.count())
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive))
    # when the database and the media are wiped and the backup restored
    call_command("flush", interactive=False)
    media.unlink()
    assert Case.objects.count() == 0
    call_command("restore", str(archive), "--noinput")
    # then everything is back: the trails verify, the books balance, the photo is there
    after = (Case.objects.count(), CaseEvent.objects.count(), Posting.objects.count(), Entry.objects.count())
    assert after == before and before[0] == 3
    call_command("cases", "verify")
    assert "记录完整" in capsys.readouterr().out
    assert ledger.reconcile().ok
    assert media.read_bytes() == b"\xff\xd8photo\xff\xd9"
    restore_reference_data()


def test_the_archive_says_what_it_holds(world: World, media: Path, tmp_path: Path) -> None:
    archive = tmp_path / "site.tar"
    call_command("backup", str(archive))
    manifest = read_manifest(archive)
    assert manifest["vendor"] == connection.vendor and manifest["media_files"] == 1
    assert "cases" in manifest["migrations"]
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert MANIFEST in names and "media/cases/2026/evidence.jpg" in names
    assert not Path(str(archive) + ".partial").exists()


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(world: World, tmp_path: Path) -> None:
    handled(world, at(2026, 3, 10, 9))
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar at all" * 10)
    with pytest.raises(CommandError, match="not a Jiceng backup"):
        call_command("restore", str(bogus), "--noinput")
    assert Case.objects.count() == 1
    with pytest.raises(BackupError):
        read_manifest(tmp_path / "missing.tar")
