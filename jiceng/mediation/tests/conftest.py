import pytest

from jiceng.mediation.seed import restore
from jiceng.mediation.testing import add_agencies
from jiceng.testing import World


@pytest.fixture
def town(world: World) -> World:
    restore()
    return add_agencies(world)
