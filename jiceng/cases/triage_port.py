"""The small interface through which cases ask triage for a type: ``suggest(text, location…)``.

When ``jiceng.triage.service`` is installed its ``suggest`` answers; otherwise a keyword matcher over
the catalogue's own keywords does, so intake works the same with or without the trained models.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

logger = logging.getLogger(__name__)

SENSITIVE_PHRASES = {
    "life": ("自杀", "轻生", "跳楼", "坠楼", "不想活", "割腕"),
    "violence": ("杀人", "砍人", "持刀", "打人", "家暴", "殴打", "行凶"),
    "group": ("聚集", "围堵", "拉横幅", "集体上访", "群体", "堵路"),
    "public_safety": ("爆炸", "起火", "着火", "燃气泄漏", "煤气泄漏", "坍塌", "塌方", "危化品"),
}


@dataclass(frozen=True)
class Flag:
    kind: str
    reason: str
    phrase: str


@dataclass
class TriageResult:
    types: list[tuple[str, float]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    sensitive: bool = False
    duplicates: list[Any] = field(default_factory=list)

    @property
    def best(self) -> tuple[str, float] | None:
        return self.types[0] if self.types else None


def _optional(module: str) -> Any:
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, "jiceng.triage"):
            raise
        return None


def suggest(
    text: str, location: Any = None, channel: str | None = None, candidates: list[str] | None = None
) -> TriageResult:
    """Ranked event types with confidence, sensitive flags and likely duplicates for ``text``.

    ``candidates`` are event type codes. With exactly one (the submitter chose the type) only the
    sensitive-request check runs. When the triage service has no model yet, the types come from the
    catalogue keywords and the flags still from the service.
    """
    text = text or ""
    if candidates and len(candidates) == 1:
        # The type is already known: only the sensitive-request check is left to do.
        flags = detect_sensitive(text)
        return TriageResult(types=[(candidates[0], 1.0)], flags=flags, sensitive=bool(flags))
    service = _optional("jiceng.triage.service")
    if service is None or not hasattr(service, "suggest"):
        return keyword_suggest(text, candidates=candidates)
    entries = None
    if candidates:
        from jiceng.cases.models import EventType

        entries = list(
            EventType.objects.filter(code__in=candidates, is_active=True).select_related("category")
        )
    try:
        result = _adapt(service.suggest(text, location=location, channel=channel, candidates=entries))
    except Exception:  # noqa: BLE001 — triage must never block intake; fall back and log.
        logger.exception("triage.service.suggest failed; using keyword fallback")
        return keyword_suggest(text, candidates=candidates)
    if not result.types:
        result.types = keyword_suggest(text, candidates=candidates).types
    return result


def detect_sensitive(text: str) -> list[Flag]:
    """The triage app's sensitive-request detector when installed, else a short phrase list."""
    module = _optional("jiceng.triage.sensitive")
    if module is not None and hasattr(module, "detect"):
        try:
            return [Flag(str(f.kind), str(f.reason), str(f.phrase)) for f in module.detect(text)]
        except Exception:  # noqa: BLE001 — fall back rather than block intake
            logger.exception("triage.sensitive.detect failed; using the phrase list")
    return sensitive_flags(text)


def _adapt(result: Any) -> TriageResult:
    flags = [
        Flag(str(getattr(f, "kind", "")), str(getattr(f, "reason", "")), str(getattr(f, "phrase", "")))
        for f in getattr(result, "flags", []) or []
    ]
    return TriageResult(
        types=[(str(code), float(conf)) for code, conf in getattr(result, "types", []) or []],
        flags=flags,
        sensitive=bool(getattr(result, "sensitive", False)),
        duplicates=list(getattr(result, "duplicates", []) or []),
    )


def sensitive_flags(text: str) -> list[Flag]:
    reasons = {
        "life": "涉及生命安全",
        "violence": "涉及暴力",
        "group": "可能引发群体性事件",
        "public_safety": "公共安全隐患",
    }
    found = []
    for kind, phrases in SENSITIVE_PHRASES.items():
        for phrase in phrases:
            if phrase in text:
                found.append(Flag(kind, reasons[kind], phrase))
                break
    return found


def keyword_suggest(text: str, candidates: list[str] | None = None, limit: int = 5) -> TriageResult:
    """Score each catalogue type by its keywords and name found in ``text``."""
    from jiceng.cases.models import EventType

    text = text or ""
    rows = EventType.objects.filter(is_active=True)
    if candidates:
        rows = rows.filter(code__in=candidates)
    scored: list[tuple[float, str]] = []
    for code, name, keywords in rows.values_list("code", "name", "keywords"):
        score = 0.0
        if name and name in text:
            score += 2.0
        for keyword in keywords.split():
            if keyword and keyword in text:
                score += 1.0 + min(len(keyword), 6) / 6
        if score:
            scored.append((score, code))
    scored.sort(key=lambda item: (-item[0], item[1]))
    types: list[tuple[str, float]] = []
    if scored:
        top = scored[0][0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        margin = (top - second) / top
        for score, code in scored[:limit]:
            share = score / top
            confidence = min(0.97, (0.35 + 0.1 * min(score, 4.0) + 0.3 * margin) * share)
            types.append((code, round(confidence, 3)))
    flags = detect_sensitive(text)
    return TriageResult(types=types, flags=flags, sensitive=bool(flags))
