"""Intake: validation, location, photos, idempotency, triage and routing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiceng.cases import actions
from jiceng.cases.exceptions import (
    CaseError,
    LocationError,
    OutsideDistrict,
    PhotoError,
    PhotoTooLarge,
    UnknownType,
)
from jiceng.cases.models import Case, CaseEvent, CasePhoto, Channel, Notification, Priority, Status
from jiceng.cases.photos import inspect
from jiceng.cases.tests.conftest import jpeg, png, submit
from jiceng.testing import World


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def test_a_resident_report_with_a_known_type_goes_straight_to_the_street_unit(cw: World) -> None:
    case = submit(cw)
    assert case.status == Status.DISPATCHED
    assert case.lead_unit == cw.units["xinan_chengguan"]
    assert case.channel == Channel.PORTAL and case.reporter == cw.people["resident"]
    assert [e.action for e in case.events.order_by("seq")] == ["submit", "dispatch"]


def test_a_case_keeps_its_grid_and_division_codes(cw: World) -> None:
    case = submit(cw)
    grid = cw.grids["haiyu1"]
    assert (case.grid_code, case.community_code, case.street_code) == (
        grid.code,
        grid.code[:12],
        grid.code[:9],
    )
    assert case.location_code == cw.rooms["haiyu1"].code


def test_the_case_number_is_the_registration_date_and_the_id(cw: World) -> None:
    case = submit(cw)
    assert case.number.endswith(f"{case.pk:07d}") and len(case.number) == 15
    assert Case.id_from_number(case.number) == case.pk


def test_routing_crosses_departments_to_the_unit_of_the_types_kind(cw: World) -> None:
    case = submit(cw, type_code="SW05", description="小区外下水道堵塞，污水倒灌")
    assert case.lead_unit == cw.units["xinan_shuiwu"]


def test_routing_falls_back_to_the_next_level_up_when_the_level_has_no_unit(cw: World) -> None:
    # SZ01 is a street-level zhujian matter, but only the district has a zhujian unit.
    case = submit(cw, type_code="SZ01", description="路面有个大坑")
    assert case.lead_unit == cw.units["district_zhujian"]


def test_a_type_without_a_unit_in_the_area_waits_at_the_desk(cw: World) -> None:
    case = submit(cw, type_code="SC02", description="超市卖过期食品")
    assert case.status == Status.PENDING_DISPATCH
    assert case.desk_unit == cw.units["xinan"]
    assert case.events.get(action="route").data["why"] == "no_unit"


def test_text_without_a_type_is_triaged_and_an_unsure_guess_waits_at_the_desk(cw: World) -> None:
    case = submit(cw, type_code="", description="楼下好像有点问题，麻烦来看看")
    assert case.status == Status.PENDING_DISPATCH and case.event_type is None


def test_a_confident_triage_dispatches_itself(cw: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 0.5
    case = submit(cw, type_code="", description="暴露垃圾堆放在路边，垃圾堆发臭，一直没有清运")
    assert case.event_type.code == "SR01"
    assert case.status == Status.DISPATCHED
    assert case.events.get(action="dispatch").data["auto"] is True


def test_the_same_guess_below_the_threshold_waits_at_the_desk(cw: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_AUTO_DISPATCH_CONFIDENCE = 1.01  # above any confidence: nothing dispatches itself
    case = submit(cw, type_code="", description="暴露垃圾堆放在路边，垃圾堆发臭，一直没有清运")
    assert case.status == Status.PENDING_DISPATCH and case.event_type.code == "SR01"


def test_a_message_that_says_too_little_waits_untyped_at_the_street_desk(cw: World) -> None:
    case = submit(cw, type_code="", description="有件事情需要处理一下")
    assert case.status == Status.PENDING_DISPATCH and case.event_type is None
    assert case.level == "street" and case.desk_unit is not None and case.desk_unit.level == "street"


def test_a_sensitive_request_gets_top_priority_and_notifies_supervisors(cw: World) -> None:
    case = submit(cw, description="邻居说不想活了要跳楼，请赶快来人", type_code="MD01")
    assert case.sensitive and case.priority == Priority.TOP
    note = Notification.objects.get(kind="sensitive", case=case)
    assert note.role == "supervisor"


def test_an_unknown_type_is_refused_and_nothing_is_written(cw: World) -> None:
    with pytest.raises(UnknownType) as error:
        submit(cw, type_code="XX99")
    assert "XX99" in error.value.message
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_a_point_outside_the_district_is_refused(cw: World) -> None:
    with pytest.raises(OutsideDistrict) as error:
        submit(cw, location_code="", lat=39.9, lng=116.4)
    assert error.value.code == "outside_district" and "不在本区" in error.value.message


def test_a_room_code_of_another_district_is_refused(cw: World) -> None:
    with pytest.raises(OutsideDistrict):
        submit(cw, location_code="4403070010010100001000101")


def test_an_unknown_room_code_is_refused(cw: World) -> None:
    with pytest.raises(LocationError) as error:
        submit(cw, location_code=cw.rooms["haiyu1"].code[:-1] + "9")
    assert error.value.code == "bad_location"


def test_a_point_inside_a_grid_locates_the_case_there(cw: World) -> None:
    grid = cw.grids["gushu2"]
    case = submit(cw, location_code="", lat=grid.center_lat, lng=grid.center_lng)
    assert case.grid == grid and case.street_code == "440306002"


def test_an_address_text_locates_the_case_at_its_building(cw: World) -> None:
    building = cw.buildings["shangchuan1"]
    case = submit(cw, location_code="", address=building.address)
    assert case.grid == building.grid


def test_a_case_without_any_location_is_refused(cw: World) -> None:
    with pytest.raises(LocationError):
        submit(cw, location_code="")


def test_a_retried_submission_returns_the_first_case(cw: World) -> None:
    first = submit(cw, idempotency_key="abc-1")
    again = submit(cw, idempotency_key="abc-1")
    assert again.pk == first.pk and Case.objects.count() == 1


def test_the_same_key_from_another_person_is_another_case(cw: World) -> None:
    submit(cw, idempotency_key="abc-1")
    submit(cw, who="grid_worker", idempotency_key="abc-1")
    assert Case.objects.count() == 2


def test_an_empty_description_is_refused(cw: World) -> None:
    with pytest.raises(CaseError) as error:
        submit(cw, description="  ")
    assert error.value.code == "description_required"


def test_photos_are_stored_with_type_and_dimensions(cw: World) -> None:
    upload = SimpleUploadedFile("现场.png", png(4, 3), content_type="image/png")
    case = submit(cw, photos=[upload, ("b.jpg", jpeg(640, 480))])
    photos = sorted(CasePhoto.objects.filter(case=case), key=lambda p: p.content_type)
    assert [(p.content_type, p.width, p.height) for p in photos] == [
        ("image/jpeg", 640, 480),
        ("image/png", 4, 3),
    ]
    assert case.events.get(action="submit").data["photos"] == 2


def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(cw: World) -> None:
    with pytest.raises(PhotoError) as error:
        submit(cw, photos=[("photo.jpg", b"%PDF-1.4 not an image")])
    assert "不是图片" in error.value.message
    assert Case.objects.count() == 0


def test_a_photo_over_the_limit_is_refused(cw: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JICENG_CASE_PHOTO_MAX_MB = 0.001
    with pytest.raises(PhotoTooLarge) as error:
        submit(cw, photos=[("big.png", png(200, 200) + b"\0" * 2000)])
    assert error.value.code == "photo_too_large"
    assert Case.objects.count() == 0


def test_a_truncated_jpeg_is_refused() -> None:
    with pytest.raises(PhotoError):
        inspect(b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_webp_dimensions_are_read_from_the_header() -> None:
    vp8l = b"RIFF" + (30).to_bytes(4, "little") + b"WEBPVP8L" + (10).to_bytes(4, "little") + b"\x2f"
    bits = (99) | (49 << 14)
    data = vp8l + bits.to_bytes(4, "little") + b"\0" * 8
    info = inspect(data)
    assert (info.content_type, info.width, info.height) == ("image/webp", 100, 50)


def test_an_anonymous_person_cannot_submit(cw: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    from jiceng.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.check_submit_case(AnonymousUser(), description="x", location_code=cw.rooms["haiyu1"].code)
