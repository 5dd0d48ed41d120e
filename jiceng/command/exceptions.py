"""Refusals of the command centre."""

from __future__ import annotations

from jiceng.core.exceptions import JicengError


class BadWeights(JicengError):
    code = "bad_weights"
    status = 400
