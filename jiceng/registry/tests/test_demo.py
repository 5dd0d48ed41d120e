import io

import pytest

from jiceng.registry import demo
from jiceng.registry.models import Occupancy, Person, SourceRecord
from jiceng.testing import World

pytestmark = pytest.mark.django_db


def test_the_demo_links_departments_records_into_people_living_in_the_demo_rooms(world: World) -> None:
    out = io.StringIO()
    demo.PEOPLE["small"] = 60
    demo.load("small", out)
    assert SourceRecord.objects.count() > 60
    assert Person.objects.count() >= 40
    assert Occupancy.objects.filter(room__in=world.rooms.values()).exists()
    assert Person.objects.exclude(care_tags=[]).exists()
    assert "块数据演示" in out.getvalue()
