"""Likely duplicates: open cases near the new one, within a time window, with similar words.

A pure function over candidate tuples the case engine passes in, so triage needs no case models.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jiceng.triage.text import char_ngrams, cosine, normalise

DEFAULT_MAX_KM = 0.5
DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_MIN_SIMILARITY = 0.45


@dataclass(frozen=True)
class Candidate:
    case_id: Any
    text: str
    lng: float | None
    lat: float | None
    created_at: datetime


def haversine_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def _too_far(point: Sequence[float] | None, lng: float | None, lat: float | None, max_km: float) -> bool:
    if point is None or lng is None or lat is None:
        return False
    return haversine_km(float(point[0]), float(point[1]), float(lng), float(lat)) > max_km


def find_duplicates(
    text: str,
    point: Sequence[float] | None,
    when: datetime,
    candidates: Iterable[Candidate | Sequence[Any]],
    max_km: float = DEFAULT_MAX_KM,
    window: timedelta = DEFAULT_WINDOW,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    top: int = 5,
) -> list[tuple[Any, float]]:
    """``[(case_id, similarity)]`` best first, for candidates ``(case_id, text, lng, lat, created_at)``
    within ``max_km`` of ``point`` (lng, lat) and ``window`` of ``when`` whose character-bigram cosine
    with ``text`` reaches ``min_similarity``. A candidate or a new case without a location is judged
    on time and words alone."""
    grams = char_ngrams(normalise(text))
    found: list[tuple[Any, float]] = []
    for c in candidates:
        case_id, other, lng, lat, created_at = (
            c if not isinstance(c, Candidate) else (c.case_id, c.text, c.lng, c.lat, c.created_at)
        )
        if abs(created_at - when) > window:
            continue
        if _too_far(point, lng, lat, max_km):
            continue
        similarity = cosine(grams, char_ngrams(normalise(other)))
        if similarity >= min_similarity:
            found.append((case_id, round(similarity, 3)))
    found.sort(key=lambda pair: -pair[1])
    return found[:top]
