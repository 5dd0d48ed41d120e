"""The sensitive-request detector (敏感诉求): rules of phrases and contexts, kept as data.

A rule names a kind (risk to life, violence, group incident, public safety, media threat, minor at
risk), a pattern, and optionally a context that must be near (``near``) or must not be near
(``exclude``) the hit. A hit preceded by a negation in the same clause ("不是家暴", "没有人跳楼") is
dropped; reported speech ("邻居说要跳楼") still flags, and the reason says so. The default rules ship
in ``data/sensitive_rules.json``; the admin edits the ``SensitiveRule`` rows seeded from it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

try:  # the regular-expression parser (sre_parse before Python 3.11)
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

RULES_FILE = Path(__file__).with_name("data") / "sensitive_rules.json"
_CLAUSE_END = re.compile(r"[，。！？；,.!?;：:\n]")
# Compounds that begin with a negation character but negate nothing.
_NOT_NEGATIONS = re.compile(
    r"未成年|无辜|无故|无奈|无法|没办法|没人|无人|不得不|不停|不断|不少|不少于|无数|不管"
)
_REPORTED = re.compile(r"说|称|听说|据说|表示|扬言|声称|嚷着|喊着|威胁")
NEGATION_WINDOW = 5


@dataclass(frozen=True)
class Flag:
    kind: str
    reason: str
    phrase: str
    rule: str = ""
    score: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "phrase": self.phrase,
            "rule": self.rule,
            "score": self.score,
        }


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    pattern: re.Pattern[str]
    near: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = None
    sentence_exclude: re.Pattern[str] | None = None
    window: int = 6
    negatable: bool = True
    weight: float = 1.0
    # Literals one of which every match of ``pattern`` contains (None: none derived, always search).
    anchors: tuple[str, ...] | None = field(default=None, compare=False)
    near_anchors: tuple[str, ...] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.anchors is None:
            object.__setattr__(self, "anchors", anchor_literals(self.pattern))
        if self.near_anchors is None and self.near is not None:
            object.__setattr__(self, "near_anchors", anchor_literals(self.near))
        object.__setattr__(self, "_index", [_by_first(a) for a in (self.anchors, self.near_anchors) if a])

    def may_match(self, text: str, chars: set[str]) -> bool:
        """False only when the rule cannot fire on ``text``: none of the anchor literals of its pattern
        occurs, or none of those of its required context (``near``). ``chars`` is ``set(text)``."""
        for firsts, by_first in self._index:  # type: ignore[attr-defined]
            if firsts.isdisjoint(chars):
                return False
            if not any(a in text for ch in firsts & chars for a in by_first[ch]):
                return False
        return True


def _by_first(anchors: tuple[str, ...]) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    index: dict[str, list[str]] = {}
    for a in anchors:
        index.setdefault(a[0], []).append(a)
    return frozenset(index), {ch: tuple(v) for ch, v in index.items()}


MAX_CLASS_ANCHORS = 12


def anchor_literals(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """A set of literal strings such that every match of ``pattern`` contains one of them, derived from
    the parsed expression (a run of literals, the union over the branches of an alternation, the body
    of a repeat taken at least once, a small character class); None when no such set is found, e.g. a
    pattern that can match the empty string, or one compiled with IGNORECASE. Used as a prefilter: a
    rule's expression runs only on texts that contain one of its anchors."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 — an expression the parser does not take: no prefilter
        return None
    found = _needed(list(parsed))
    if not found:
        return None
    # A literal that contains a shorter anchor adds nothing ("动手打" after "动手").
    return tuple(sorted(a for a in found if not any(b != a and b in a for b in found)))


def _needed(items: list[tuple[Any, Any]]) -> set[str] | None:
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        found: set[str] | None = None
        if op is _c.SUBPATTERN:
            found = _needed(list(av[3]))
        elif op is _c.ATOMIC_GROUP:
            found = _needed(list(av))
        elif op is _c.BRANCH:
            parts = [_needed(list(b)) for b in av[1]]
            if all(parts):
                found = set().union(*parts)  # type: ignore[arg-type]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _needed(list(av[2]))
        elif op is _c.IN and all(o is _c.LITERAL for o, _ in av) and len(av) <= MAX_CLASS_ANCHORS:
            found = {chr(v) for _, v in av}
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    if not candidates:
        return None
    return min(candidates, key=lambda c: sum(map(_chance, c)))


# The commonest characters of residents' messages: an anchor made of them is a weak prefilter.
_COMMON_CHARS = set(
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里"
    "后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两"
    "长知民样现与打孩几百区市路车门口问题号楼房住业物工钱月被"
)


def _chance(literal: str) -> float:
    """A rough chance that ``literal`` occurs in a message: rarer anchors filter more."""
    p = 1.0
    for ch in literal:
        p *= 0.3 if ch in _COMMON_CHARS else 0.03
    return p


@dataclass
class Lexicon:
    rules: list[Rule]
    negations: re.Pattern[str]
    kinds: dict[str, str] = field(default_factory=dict)

    def label(self, kind: str) -> str:
        return self.kinds.get(kind, kind)


def _compile(text: str | None) -> re.Pattern[str] | None:
    return re.compile(text) if text else None


def rule_from_dict(data: dict[str, Any]) -> Rule:
    return Rule(
        name=data["name"],
        kind=data["kind"],
        pattern=re.compile(data["pattern"]),
        near=_compile(data.get("near")),
        exclude=_compile(data.get("exclude")),
        sentence_exclude=_compile(data.get("sentence_exclude")),
        window=int(data.get("window", 6)),
        negatable=bool(data.get("negatable", True)),
        weight=float(data.get("weight", 1.0)),
    )


@cache
def default_data() -> dict[str, Any]:
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))


def default_lexicon() -> Lexicon:
    data = default_data()
    return Lexicon(
        rules=[rule_from_dict(r) for r in data["rules"]],
        negations=re.compile(data["negations"]),
        kinds=data["kinds"],
    )


_lock = threading.Lock()
_cached: tuple[Any, Lexicon] | None = None
_checked_at = 0.0  # monotonic time of the last look at the rules table
RECHECK_SECONDS = 2.0


def forget_lexicon(*_args: Any, **_kwargs: Any) -> None:
    """Make the next ``current_lexicon`` look at the table (connected to rule saves and deletes)."""
    global _checked_at
    _checked_at = 0.0


def current_lexicon() -> Lexicon:
    """The rules in the database (as edited in the admin), or the shipped defaults when there are none.

    The compiled lexicon is cached and rebuilt when any rule changes (the newest ``updated_at`` and the
    row count are the cache key). The key is read at most every ``RECHECK_SECONDS`` (intake calls this
    for every case); an edit in this process takes effect at once, in other server processes within
    that interval.
    """
    global _cached, _checked_at
    now = time.monotonic()
    if _cached is not None and now - _checked_at < RECHECK_SECONDS:
        return _cached[1]
    try:
        from django.db.models import Count, Max

        from jiceng.triage.models import SensitiveRule

        stamp = SensitiveRule.objects.aggregate(n=Count("id"), t=Max("updated_at"))
        key: Any = (stamp["n"], stamp["t"])
    except Exception:  # noqa: BLE001 — no database (a script, a bare CLI run): the shipped rules
        return _default_cached()
    if not key[0]:
        with _lock:
            _cached = None
        return _default_cached()
    with _lock:
        if _cached is not None and _cached[0] == key:
            _checked_at = now
            return _cached[1]
    rows = list(SensitiveRule.objects.filter(enabled=True).order_by("id"))
    lexicon = Lexicon(
        rules=[r.compiled() for r in rows],
        negations=re.compile(default_data()["negations"]),
        kinds=default_data()["kinds"],
    )
    with _lock:
        _cached = (key, lexicon)
        _checked_at = now
    return lexicon


@cache
def _default_cached() -> Lexicon:
    return default_lexicon()


def _negated(text: str, start: int, negations: re.Pattern[str]) -> bool:
    clause_start = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        clause_start = m.end()
    prefix = text[max(clause_start, start - NEGATION_WINDOW) : start]
    prefix = _NOT_NEGATIONS.sub("__", prefix)
    return bool(negations.search(prefix))


def _sentence(text: str, m: re.Match[str]) -> str:
    start = max((text.rfind(c, 0, m.start()) for c in "。！？!?；;"), default=-1) + 1
    ends = [p for p in (text.find(c, m.end()) for c in "。！？!?；;") if p >= 0]
    return text[start : min(ends) if ends else len(text)]


def _reported(text: str, start: int) -> bool:
    clause_start = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        clause_start = m.end()
    return bool(_REPORTED.search(text[clause_start:start]))


def detect(text: str, lexicon: Lexicon | None = None, *, learned: bool = True) -> list[Flag]:
    """Flags of ``text``: at most one per kind, each naming the phrase, the rule and why.

    The rules speak first (their reasons are the explainable part). When no rule fires, the learned
    detector (``sensitive_model``) may flag the text; its reason names the n-grams that weighed most.
    ``learned=False`` asks the rules alone.
    """
    lexicon = lexicon or current_lexicon()
    flags = detect_rules(text, lexicon)
    if flags or not learned:
        return flags
    hit = learned_flag(text, lexicon)
    return [hit] if hit is not None else []


def detect_many(texts: Sequence[str], lexicon: Lexicon | None = None) -> list[list[Flag]]:
    """``detect`` of many texts: the rules text by text, the learned model over all the texts no rule
    flagged in one vectorised batch (a batch import, ``jiceng triage flags``, the benchmark)."""
    from jiceng.triage.sensitive_model import shipped

    lexicon = lexicon or current_lexicon()
    out = [detect_rules(t, lexicon) for t in texts]
    model = shipped()
    todo = [i for i, flags in enumerate(out) if not flags and (texts[i] or "").strip()]
    if model is None or not todo:
        return out
    p = 1.0 - model.proba([texts[i] for i in todo])[:, 0]
    for i, score in zip(todo, p, strict=True):
        if score >= model.threshold:
            hit = _learned(model, texts[i], lexicon)
            out[i] = [hit] if hit is not None else []
    return out


def _learned(model: Any, text: str, lexicon: Lexicon | None) -> Flag | None:
    kind, p, grams = model.explain(text)  # the n-gram walk only for the few texts that flag
    if p < model.threshold:
        return None
    label = (lexicon or _default_cached()).label(kind)
    words = "”“".join(grams)
    why = f"，依据“{words}”" if grams else ""
    reason = f"{label}：模型判断（概率 {p:.2f}）{why}"
    return Flag(kind, reason, grams[0] if grams else "", "learned", round(p, 3))


def learned_flag(text: str, lexicon: Lexicon | None = None) -> Flag | None:
    """The learned detector's flag for ``text``, or None below its threshold or without a model."""
    from jiceng.triage.sensitive_model import shipped

    model = shipped()
    if model is None or not (text or "").strip():
        return None
    if 1.0 - model.proba_one(text)[0] < model.threshold:
        return None
    return _learned(model, text, lexicon)


def detect_rules(text: str, lexicon: Lexicon | None = None) -> list[Flag]:
    """The rules' flags of ``text``."""
    lexicon = lexicon or current_lexicon()
    text = "".join((text or "").split())
    flags: dict[str, Flag] = {}
    chars = set(text)
    for rule in lexicon.rules:
        if rule.kind in flags or not rule.may_match(text, chars):
            continue
        for m in rule.pattern.finditer(text):
            lo, hi = max(0, m.start() - rule.window), min(len(text), m.end() + rule.window)
            around = text[lo:hi]
            if rule.exclude is not None and rule.exclude.search(around):
                continue
            if rule.sentence_exclude is not None and rule.sentence_exclude.search(_sentence(text, m)):
                continue
            if rule.near is not None and not rule.near.search(around):
                continue
            if rule.negatable and _negated(text, m.start(), lexicon.negations):
                continue
            phrase = m.group(0)
            how = "（转述）" if _reported(text, m.start()) else ""
            reason = f"{lexicon.label(rule.kind)}：命中“{phrase}”{how}，规则“{rule.name}”"
            flags[rule.kind] = Flag(rule.kind, reason, phrase, rule.name, rule.weight)
            break
    return list(flags.values())
