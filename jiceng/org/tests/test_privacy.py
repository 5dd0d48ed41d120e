import pytest
from rest_framework.test import APIClient

from jiceng.lib.identity import make_resident_id
from jiceng.org.models import AccessLog, Role
from jiceng.org.privacy import reveal
from jiceng.testing import make_user

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture
def resident_with_id(world):
    resident = world.people["resident"]
    resident.id_number = make_resident_id("440306", __import__("datetime").date(1990, 1, 1), 123)
    resident.save(update_fields=["id_number"])
    return resident


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def row_for(response, user):
    return next(r for r in response.json()["results"] if r["id"] == user.pk)


def test_a_leader_sees_masked_values_and_nothing_is_logged(world, resident_with_id):
    values = reveal(world.people["supervisor"], "user", resident_with_id.pk, {"phone": PHONE})
    assert values == {"phone": "138****8000"}
    assert not AccessLog.objects.exists()


def test_a_grid_worker_sees_full_values_and_the_read_is_logged(world, resident_with_id):
    worker = world.people["grid_worker"]
    values = reveal(
        worker, "user", resident_with_id.pk, {"phone": PHONE, "id_number": resident_with_id.id_number}
    )
    assert values["phone"] == PHONE
    log = AccessLog.objects.get()
    assert (log.user, log.subject_id, log.fields) == (worker, str(resident_with_id.pk), "id_number,phone")


def test_an_empty_value_revealed_is_not_logged(world):
    reveal(world.people["grid_worker"], "user", 1, {"phone": ""})
    assert not AccessLog.objects.exists()


def test_the_people_api_masks_for_a_supervisor_and_writes_no_log(world, resident_with_id):
    response = api(world.people["supervisor"]).get("/api/v1/org/people/")
    row = row_for(response, resident_with_id)
    assert row["phone"] == "138****8000"
    assert row["id_number"].startswith("440") and "*" in row["id_number"]
    assert row["masked"] is True
    assert not AccessLog.objects.exists()


def test_the_people_api_reveals_to_community_staff_and_logs_each_person_shown(world, resident_with_id):
    staff = world.people["community_staff"]
    response = api(staff).get("/api/v1/org/people/")
    row = row_for(response, resident_with_id)
    assert row["phone"] == PHONE
    assert row["id_number"] == resident_with_id.id_number
    assert row["masked"] is False
    logged = set(AccessLog.objects.filter(user=staff).values_list("subject_id", flat=True))
    assert str(resident_with_id.pk) in logged
    assert AccessLog.objects.get(subject_id=str(resident_with_id.pk)).path.startswith("/api/v1/org/people/")


def test_outsider_does_not_find_people_of_another_community(world, resident_with_id):
    client = api(world.people["outsider"])
    listed = {r["id"] for r in client.get("/api/v1/org/people/").json()["results"]}
    assert resident_with_id.pk not in listed
    assert client.get(f"/api/v1/org/people/{resident_with_id.pk}/").status_code == 404
    assert client.get("/api/v1/org/people/999999/").status_code == 404


def test_a_street_dispatcher_lists_the_people_of_their_street(world):
    listed = {
        r["username"] for r in api(world.people["dispatcher"]).get("/api/v1/org/people/").json()["results"]
    }
    assert {"resident", "gridworker", "communitystaff", "dispatcher", "handler", "leader"} <= listed
    assert "outsider" not in listed and "supervisor" not in listed


def test_the_people_page_masks_for_a_leader(world, resident_with_id, client):
    client.force_login(world.people["leader"])
    page = client.get("/org/people/").content.decode()
    assert "138****8000" in page
    assert PHONE not in page
    assert not AccessLog.objects.exists()


def test_the_people_page_reveals_to_a_grid_worker_and_logs(world, client):
    worker = world.people["grid_worker"]
    neighbour = make_user(
        "neighbour",
        "邻居",
        Role.GRID_WORKER,
        unit=world.units["haiyu"],
        grids=[world.grids["haiyu1"]],
        phone="13900139000",
    )
    client.force_login(worker)
    page = client.get("/org/people/").content.decode()
    assert "13900139000" in page
    assert AccessLog.objects.filter(user=worker, subject_id=str(neighbour.pk)).exists()


def test_a_person_page_outside_the_scope_is_404(world, client):
    client.force_login(world.people["outsider"])
    assert client.get(f"/org/people/{world.people['resident'].pk}/").status_code == 404


def test_the_people_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for n in range(30):
        make_user(
            f"r{n}", f"居民{n}", Role.RESIDENT, division=world.communities["haiyu"], phone="13800138000"
        )
    client = api(world.people["community_staff"])
    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/org/people/")
    assert response.json()["count"] >= 30


def test_me_reports_roles_scope_and_own_data_unmasked_without_a_log(world):
    worker = world.people["grid_worker"]
    worker.phone = PHONE
    worker.save(update_fields=["phone"])
    body = api(worker).get("/api/v1/me/").json()
    assert body["roles"] == ["grid_worker"]
    assert body["scope"] == [world.grids["haiyu1"].code]
    assert body["phone"] == PHONE
    assert body["posts"][0]["grid_codes"] == [world.grids["haiyu1"].code]
    assert not AccessLog.objects.exists()


def test_me_tells_a_leader_they_see_masked_data(world):
    body = api(world.people["leader"]).get("/api/v1/me/").json()
    assert body["may_see_personal_data"] is False
    assert body["scope"] == ["440306001"]


def test_a_user_with_an_invalid_id_number_is_refused_by_model_validation(world):
    from django.core.exceptions import ValidationError

    user = world.people["resident"]
    user.id_number = "110105194912310021"
    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "校验位错误" in str(caught.value)


def test_model_validation_normalises_phones_and_id_numbers(world):
    user = world.people["resident"]
    user.phone = "+86 138-0013-8000"
    user.id_number = "11010519491231002x"
    user.full_clean()
    assert (user.phone, user.id_number) == ("13800138000", "11010519491231002X")


def test_the_people_page_costs_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    for n in range(30):
        make_user(
            f"p{n}", f"居民{n}", Role.RESIDENT, division=world.communities["haiyu"], phone="13800138000"
        )
    client.force_login(world.people["community_staff"])
    with django_assert_max_num_queries(10):
        response = client.get("/org/people/")
    assert response.content.decode().count("/org/people/") >= 30
