"""Domain errors of the address library (messages in Chinese)."""

from __future__ import annotations

from jiceng.core.exceptions import JicengError


class CodeChangeError(JicengError):
    code = "code_change"
