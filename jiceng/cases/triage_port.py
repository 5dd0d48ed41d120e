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
    duplicates: list[tuple[Any, float]] = field(default_factory=list)  # (case id, similarity)
    # The confidence at which the best type dispatches itself: the model's validated threshold when
    # it carries one, else JICENG_AUTO_DISPATCH_CONFIDENCE (see ``auto_dispatch_threshold``).
    threshold: float | None = None

    @property
    def best(self) -> tuple[str, float] | None:
        return self.types[0] if self.types else None

    @property
    def dispatch_threshold(self) -> float:
        return self.threshold if self.threshold is not None else default_threshold()

    @property
    def confident(self) -> bool:
        """Whether the best type may dispatch itself: confident enough and not a sensitive request."""
        return bool(self.types and self.types[0][1] >= self.dispatch_threshold and not self.sensitive)


def default_threshold() -> float:
    from django.conf import settings

    return float(getattr(settings, "JICENG_AUTO_DISPATCH_CONFIDENCE", 0.85))


def _location(location: Any) -> dict[str, Any] | None:
    """What triage's ``suggest`` reads: ``{"grid_code", "lng", "lat", "at"}`` from a grid code, a dict
    or an object with those attributes (intake's ``Located``)."""
    if location is None or location == "":
        return None
    if isinstance(location, str):
        return {"grid_code": location}
    if isinstance(location, dict):
        return location
    out = {"grid_code": getattr(location, "grid_code", "")}
    lng, lat = getattr(location, "lng", None), getattr(location, "lat", None)
    if lng is not None and lat is not None:
        out.update(lng=lng, lat=lat)
    return out


def _optional(module: str) -> Any:
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name not in (module, "jiceng.triage"):
            raise
        return None


def min_confidence() -> float:
    from django.conf import settings

    return float(getattr(settings, "JICENG_TRIAGE_MIN_CONFIDENCE", MIN_CONFIDENCE))


# Below this, the best type is a guess among hundreds, not a reading of the text: intake leaves the
# case untyped for the desk rather than give it a type (and that type's level and deadlines).
MIN_CONFIDENCE = 0.15


def suggest(
    text: str,
    location: Any = None,
    channel: str | None = None,
    candidates: list[str] | None = None,
    floor: float | None = None,
) -> TriageResult:
    """Ranked event types with confidence, sensitive flags and likely duplicates for ``text``.

    ``candidates`` are event type codes. With exactly one (the submitter chose the type) only the
    sensitive-request check runs. When the triage service has no model yet, the types come from the
    catalogue keywords and the flags still from the service. ``location`` is a grid code, a dict or
    intake's ``Located``. When the best type's confidence is below ``floor`` (default
    ``JICENG_TRIAGE_MIN_CONFIDENCE``) no type is returned; the desk passes 0 to see every guess.
    """
    result = _suggest(text, location, channel, candidates)
    floor = min_confidence() if floor is None else floor
    if result.types and result.types[0][1] < floor:
        result.types = []
    return result


def _suggest(
    text: str, location: Any = None, channel: str | None = None, candidates: list[str] | None = None
) -> TriageResult:
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
        result = _adapt(
            service.suggest(text, location=_location(location), channel=channel, candidates=entries)
        )
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
    threshold = getattr(result, "threshold", None)
    return TriageResult(
        types=[(str(code), float(conf)) for code, conf in getattr(result, "types", []) or []],
        flags=flags,
        sensitive=bool(getattr(result, "sensitive", False)),
        duplicates=[(pk, float(sim)) for pk, sim in getattr(result, "duplicates", []) or []],
        threshold=None if threshold is None else float(threshold),
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


@dataclass(frozen=True)
class ReplyQuality:
    """Triage's reading of a completion note against the resident's message, each part in [0, 1]."""

    relevance: float
    completeness: float
    timeliness: float | None
    interpretability: float
    overall: float
    reply_days: float | None


def score_reply(
    message: str,
    reply: str,
    message_time: Any = None,
    reply_time: Any = None,
    title: str = "",
    limit_days: float = 15.0,
) -> ReplyQuality | None:
    """Reply quality from ``jiceng.triage.replies``; None when triage is not installed."""
    module = _optional("jiceng.triage.replies")
    if module is None or not hasattr(module, "score_reply"):
        return None
    s = module.score_reply(message, reply, message_time, reply_time, title=title, limit_days=limit_days)
    return ReplyQuality(
        s.relevance, s.completeness, s.timeliness, s.interpretability, s.overall, s.reply_days
    )
