"""Django validators over ``jiceng.lib.identity``: the same checks and Chinese messages in forms,
the admin and serializers."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jiceng.lib.identity import IdentityError, validate_credit_code, validate_phone, validate_resident_id


def resident_id_validator(value: str) -> None:
    if not value:
        return
    try:
        validate_resident_id(value)
    except IdentityError as exc:
        raise ValidationError(str(exc), code="invalid_id_number")


def phone_validator(value: str) -> None:
    if not value:
        return
    try:
        validate_phone(value)
    except IdentityError as exc:
        raise ValidationError(str(exc), code="invalid_phone")


def credit_code_validator(value: str) -> None:
    if not value:
        return
    try:
        validate_credit_code(value)
    except IdentityError as exc:
        raise ValidationError(str(exc), code="invalid_uscc")
