"""The small interface the case engine calls: ``suggest`` and ``build_default_model``.

``suggest(text, location, channel, candidates)`` answers with ranked event types (calibrated
confidence), the units responsible for them, sensitive flags with reasons, likely duplicates, and
whether the best type is confident enough to dispatch itself.

The model is a file. The first that exists of: ``settings.JICENG_TRIAGE_MODEL``,
``VAR_DIR/triage/model.npz`` (written by ``jiceng triage train --out`` or ``build --out``), and the
default model shipped in ``jiceng/triage/data/default_model.npz`` (built from the shipped event
catalogue with ``jiceng triage build --from-catalogue --out jiceng/triage/data/default_model.npz``).
When the shipped model does not cover the installed catalogue (a catalogue was imported or edited),
a catalogue model is built once from the registered catalogue provider into ``model_path()``.
The model is loaded once per process and reloaded when the file changes, so retraining needs no
restart. A file rather than a database row keeps it outside transactions and lets every worker read
the same bytes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from jiceng.triage.catalogue import PER_TYPE, as_entry, build_model
from jiceng.triage.classifier import TextModel
from jiceng.triage.duplicates import DEFAULT_MAX_KM, DEFAULT_WINDOW, find_duplicates
from jiceng.triage.sensitive import Flag, detect

logger = logging.getLogger(__name__)

__all__ = [
    "Flag",
    "TriageResult",
    "build_default_model",
    "model_path",
    "register_catalogue_provider",
    "register_duplicate_provider",
    "register_message_provider",
    "suggest",
]


@dataclass
class TriageResult:
    types: list[tuple[str, float]] = field(default_factory=list)  # (event type code, confidence), best first
    units: list[tuple[str, float]] = field(default_factory=list)  # (unit code, confidence), best first
    flags: list[Flag] = field(default_factory=list)
    sensitive: bool = False
    duplicates: list[tuple[Any, float]] = field(default_factory=list)  # (case id, similarity)
    auto_dispatch: bool = False
    threshold: float | None = None
    model: str = ""

    @property
    def best(self) -> tuple[str, float] | None:
        return self.types[0] if self.types else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "types": [{"code": c, "confidence": round(p, 4)} for c, p in self.types],
            "units": [{"code": c, "confidence": round(p, 4)} for c, p in self.units],
            "flags": [f.as_dict() for f in self.flags],
            "sensitive": self.sensitive,
            "duplicates": [{"case_id": c, "similarity": s} for c, s in self.duplicates],
            "auto_dispatch": self.auto_dispatch,
            "threshold": self.threshold,
            "model": self.model,
        }


CatalogueProvider = Callable[[], Iterable[Any]]
# (text, location, channel) -> candidate tuples (case_id, text, lng, lat, created_at)
DuplicateProvider = Callable[[str, dict | None, str | None], Iterable[Sequence[Any]]]

_lock = threading.Lock()
_loaded: dict[str, Any] = {"key": None, "model": None}
# (user, since) -> messages (``hot.Message`` or dicts of its fields) the user may see
MessageProvider = Callable[[Any, datetime | None], Iterable[Any]]
_providers: dict[str, Any] = {
    "catalogue": None,
    "default_catalogue": None,
    "duplicates": None,
    "messages": None,
}
SHIPPED_MODEL = Path(__file__).resolve().parent / "data" / "default_model.npz"
REBUILD_HINT = "jiceng triage build --from-catalogue --out jiceng/triage/data/default_model.npz"


def register_catalogue_provider(
    provider: CatalogueProvider | None, default: CatalogueProvider | None = None
) -> None:
    """``provider`` returns the installed catalogue (entries, see ``catalogue.as_entry``): triage builds
    a model from it when no model file covers it. ``default`` returns the catalogue the project ships,
    from which ``jiceng triage build --from-catalogue`` builds the shipped model."""
    _providers["catalogue"] = provider
    _providers["default_catalogue"] = default


def catalogue_entries(default: bool = False) -> list[Any] | None:
    """The registered (installed, or with ``default`` the shipped) catalogue, or None."""
    provider = _providers["default_catalogue" if default else "catalogue"]
    return None if provider is None else list(provider())


def register_duplicate_provider(provider: DuplicateProvider | None) -> None:
    """Let ``suggest`` look for duplicates among the open cases the provider returns."""
    _providers["duplicates"] = provider


def register_message_provider(provider: MessageProvider | None) -> None:
    """Let the hot-topics endpoint read recent requests (the case engine scopes them to the user)."""
    _providers["messages"] = provider


def recent_messages(user: Any, since: datetime | None = None) -> list[Any]:
    provider = _providers["messages"]
    return [] if provider is None else list(provider(user, since))


def model_path() -> Path:
    """Where a built or trained model is written (and looked for first)."""
    configured = getattr(settings, "JICENG_TRIAGE_MODEL", "")
    return Path(configured) if configured else Path(settings.VAR_DIR) / "triage" / "model.npz"


def model_candidates() -> list[Path]:
    """The model files in the order they are looked for."""
    paths = [model_path(), Path(settings.VAR_DIR) / "triage" / "model.npz", SHIPPED_MODEL]
    return list(dict.fromkeys(paths))


def build_default_model(
    entries: Iterable[Any], out: Path | str | None = None, actor: Any = None, per_type: int = PER_TYPE
) -> Path:
    """Train the catalogue model from ``(code, name, category, description, keywords)`` entries and
    write it to ``out`` (default ``model_path()``). Returns the path."""
    entries = [as_entry(e) for e in entries]
    model = build_model(entries, per_type=per_type)
    path = model.save(out or model_path())
    _forget()
    try:
        from jiceng.triage.actions import do_record_model_build

        do_record_model_build(actor, {"path": str(path), "source": "catalogue", "types": len(entries)})
    except Exception:  # noqa: BLE001 — building a model must not need a database (CLI, tests)
        logger.debug("model build not recorded", exc_info=True)
    return path


def _forget() -> None:
    with _lock:
        _loaded["key"] = None
        _loaded["model"] = None


def _build_from_provider() -> Path | None:
    provider = _providers["catalogue"]
    if provider is None:
        return None
    entries = list(provider())
    if len({as_entry(e).code for e in entries}) < 2:
        return None
    logger.info("building the catalogue model from %d event types", len(entries))
    return build_default_model(entries, model_path())


def _covers_catalogue(model: TextModel) -> bool:
    """Whether the shipped model knows exactly the installed catalogue's types (when one is registered)."""
    provider = _providers["catalogue"]
    if provider is None:
        return True
    try:
        codes = {as_entry(e).code for e in provider()}
    except Exception:  # noqa: BLE001 — no catalogue table yet (before migrate): keep the shipped model
        logger.debug("catalogue not readable", exc_info=True)
        return True
    return not codes or codes == set(model.classes)


def current_model() -> TextModel | None:
    path = next((p for p in model_candidates() if p.exists()), None)
    if path is None:
        path = _build_from_provider()
        if path is None:
            return None
    # The inode changes with every save (a new file renamed over the old one), even within one tick
    # of a coarse file-system clock.
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _loaded["key"] == key:
            return _loaded["model"]
    model = TextModel.load(path)
    if path == SHIPPED_MODEL and not _covers_catalogue(model):
        # Checked once per process (the key is cached below): the catalogue was imported or edited
        # after the shipped model was built, so build one for it.
        built = _build_from_provider()
        if built is not None:
            path, model = built, TextModel.load(built)
            stat = path.stat()
            key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _lock:
        _loaded["key"], _loaded["model"] = key, model
    return model


def auto_dispatch_threshold(model: TextModel | None) -> float:
    """The model's validated threshold (chosen for a target precision on held-out data), else the
    setting JICENG_AUTO_DISPATCH_CONFIDENCE."""
    if model is not None and model.threshold is not None:
        return float(model.threshold)
    return float(getattr(settings, "JICENG_AUTO_DISPATCH_CONFIDENCE", 0.85))


def suggest(
    text: str,
    location: dict | None = None,
    channel: str | None = None,
    candidates: list[Any] | None = None,
    top: int = 5,
) -> TriageResult:
    """Types and units for ``text``, best first, with calibrated confidence; sensitive flags; likely
    duplicates (when a duplicate provider is registered). ``candidates`` (catalogue entries) restricts
    the ranking to those types, renormalising the confidences among them."""
    result = TriageResult()
    model = current_model()
    if model is not None and text.strip():
        proba = model.predict_proba([text])[0]
        ranked = sorted(zip(model.classes, proba.tolist(), strict=True), key=lambda p: -p[1])
        units_of: dict[str, str] = dict(model.meta.get("units", {}))
        if candidates:
            allowed = {as_entry(c).code: as_entry(c) for c in candidates}
            units_of.update({code: e.unit for code, e in allowed.items() if e.unit})
            ranked = [(c, p) for c, p in ranked if c in allowed]
            # The background's share ("cannot tell") stays in the total: a vague message stays vague.
            total = (sum(p for _, p in ranked) + max(0.0, 1.0 - float(proba.sum()))) or 1.0
            ranked = [(c, p / total) for c, p in ranked]
        result.types = ranked[:top]
        by_unit: dict[str, float] = {}
        for code, p in ranked:
            if units_of.get(code):
                by_unit[units_of[code]] = by_unit.get(units_of[code], 0.0) + p
        result.units = sorted(by_unit.items(), key=lambda u: -u[1])[:top]
        result.threshold = auto_dispatch_threshold(model)
        result.model = str(model.meta.get("source", "trained"))
    result.flags = detect(text)
    result.sensitive = bool(result.flags)
    # A sensitive request always goes to a person first, however confident the model is.
    result.auto_dispatch = bool(
        result.types
        and result.threshold is not None
        and result.types[0][1] >= result.threshold
        and not result.sensitive
    )
    provider = _providers["duplicates"]
    if provider is not None:
        point = None
        if location and location.get("lng") is not None and location.get("lat") is not None:
            point = (float(location["lng"]), float(location["lat"]))
        when = (location or {}).get("at") or timezone.now()
        result.duplicates = find_duplicates(
            text,
            point,
            when if isinstance(when, datetime) else timezone.now(),
            provider(text, location, channel),
            max_km=float(getattr(settings, "JICENG_DUPLICATE_MAX_KM", DEFAULT_MAX_KM)),
            window=timedelta(days=float(getattr(settings, "JICENG_DUPLICATE_WINDOW_DAYS", 0) or 0))
            or DEFAULT_WINDOW,
        )
    return result
