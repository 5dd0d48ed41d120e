"""Risk grading of family and emotional disputes (风险研判): high / medium / low, with reasons.

The rules are data (``data/risk_rules.yaml``, copied into ``RiskRule`` rows editable in the admin).
A narrative is read in three steps:

1. loose idioms are masked ("气死我了", "笑死", "打电话", "砍价"), so frightening words used loosely
   never fire;
2. each rule's patterns are matched; a hit preceded by a negation in the same clause ("没有动手",
   "从来没打过") is dropped;
3. a rule marked ``high`` makes the grade high on its own (a threat to kill, a weapon, strangulation,
   a suicide threat, stalking, confinement, a protection order, a child harmed); the others add their
   weight, and the sum against the thresholds gives medium or high ("violence + injury", "violence +
   repeated calls", "violence + drink + separation").

Facts known outside the text (calls in the last 30 days, a protection order on file, dependants, the
triage detector's sensitive flags) enter as hits of the same rules, their reason naming the fact.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).with_name("data") / "risk_rules.yaml"
_CLAUSE_END = re.compile(r"[，。！？；,.!?;：:\n、]|但|可是|不过|却")
# Compounds that begin with a negation character but negate nothing.
_NOT_NEGATIONS = re.compile(
    r"未成年|无辜|无故|无奈|无法|没办法|不得不|不停|不断|不少|无数|不管|没完没了|不让|不给|"
    r"不顾|没多久|没过多久|没几天|无缘无故|不知|没想到|不料|不仅|别人|不久|没钱|不同意|不肯|不愿"
)
_MASK = "□"

LEVELS = ("low", "medium", "high")
LEVEL_LABELS = {"high": "高风险", "medium": "中风险", "low": "低风险"}


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    severity: str  # "high" fires high on its own; "medium" adds its weight
    weight: int
    patterns: tuple[re.Pattern[str], ...]
    # A hit is dropped when its sentence says the words were not meant ("开玩笑", "气话").
    sentence_exclude: re.Pattern[str] | None = None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[RuleSpec, ...]
    negations: re.Pattern[str]
    negation_window: int
    loose: tuple[re.Pattern[str], ...]
    medium: int
    high: int
    combos: tuple[dict[str, Any], ...] = ()
    # Thresholds of the similarity reader (``similarity.py``); None switches it off.
    similar_high: float | None = None
    similar_medium: float | None = None

    def rule(self, code: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.code == code), None)


@dataclass(frozen=True)
class Hit:
    rule: str
    name: str
    severity: str
    weight: int
    phrase: str
    fact: bool = False

    @property
    def reason(self) -> str:
        what = "事实" if self.fact else "命中"
        return f"{self.name}：{what}“{self.phrase}”"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "weight": self.weight,
            "phrase": self.phrase,
            "fact": self.fact,
            "reason": self.reason,
        }


@dataclass
class Grade:
    level: str
    score: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def reasons(self) -> list[str]:
        return [h.reason for h in self.hits]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score": self.score,
            "rules": sorted({h.rule for h in self.hits}),
            "reasons": self.reasons,
            "hits": [h.as_dict() for h in self.hits],
        }


def level_rank(level: str) -> int:
    return LEVELS.index(level)


# --- loading -------------------------------------------------------------------------------------


@cache
def default_data() -> dict[str, Any]:
    return yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def _compile_patterns(lines: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(line.strip()) for line in lines if line and line.strip())


def ruleset_from(data: Mapping[str, Any], rules: Iterable[Mapping[str, Any]] | None = None) -> RuleSet:
    """A compiled rule set from the YAML's settings and ``rules`` (the YAML's own when None)."""
    specs = []
    for row in rules if rules is not None else data["rules"]:
        patterns = row["patterns"]
        if isinstance(patterns, str):
            patterns = patterns.splitlines()
        specs.append(
            RuleSpec(
                code=row["code"],
                name=row["name"],
                severity=row.get("severity", "medium"),
                weight=int(row.get("weight", 1)),
                patterns=_compile_patterns(patterns),
                sentence_exclude=re.compile(row["sentence_exclude"]) if row.get("sentence_exclude") else None,
            )
        )
    return RuleSet(
        rules=tuple(specs),
        negations=re.compile(data["negations"]),
        negation_window=int(data.get("negation_window", 6)),
        loose=_compile_patterns(data.get("loose", [])),
        medium=int(data["thresholds"]["medium"]),
        high=int(data["thresholds"]["high"]),
        combos=tuple(data.get("combos") or ()),
        similar_high=(data.get("similarity") or {}).get("high"),
        similar_medium=(data.get("similarity") or {}).get("medium"),
    )


@cache
def default_ruleset() -> RuleSet:
    return ruleset_from(default_data())


_lock = threading.Lock()
_cached: tuple[Any, RuleSet] | None = None
_checked_at = 0.0
RECHECK_SECONDS = 2.0


def forget_rules(*_args: Any, **_kwargs: Any) -> None:
    """Make the next ``current_ruleset`` read the table again (connected to rule saves)."""
    global _checked_at
    _checked_at = 0.0


def current_ruleset() -> RuleSet:
    """The enabled ``RiskRule`` rows as edited in the admin, or the shipped YAML when there are none
    (or no database at all: a bare CLI run). Cached, re-read at most every ``RECHECK_SECONDS``."""
    global _cached, _checked_at
    now = time.monotonic()
    if _cached is not None and now - _checked_at < RECHECK_SECONDS:
        return _cached[1]
    try:
        from django.db.models import Count, Max

        from jiceng.mediation.models import RiskRule

        stamp = RiskRule.objects.aggregate(n=Count("id"), t=Max("updated_at"))
        key: Any = (stamp["n"], stamp["t"])
        if not key[0]:
            return default_ruleset()
        with _lock:
            if _cached is not None and _cached[0] == key:
                _checked_at = now
                return _cached[1]
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "weight": r.weight,
                "patterns": r.patterns,
                "sentence_exclude": r.sentence_exclude,
            }
            for r in RiskRule.objects.filter(enabled=True).order_by("order", "id")
        ]
    except Exception:  # noqa: BLE001 — no database or no table yet: the shipped rules
        return default_ruleset()
    ruleset = ruleset_from(default_data(), rows)
    with _lock:
        _cached = (key, ruleset)
        _checked_at = now
    return ruleset


# --- reading a narrative ------------------------------------------------------------------------


def normalise(text: str) -> str:
    text = re.sub(r"\s+", "", text or "")
    return re.sub(r"[“”\"'‘’「」『』]", "", text).replace("(", "（").replace(")", "）")


def mask_loose(text: str, ruleset: RuleSet) -> str:
    for pattern in ruleset.loose:
        text = pattern.sub(lambda m: _MASK * len(m.group(0)), text)
    return text


def _negated(text: str, start: int, ruleset: RuleSet) -> bool:
    clause_start = 0
    for m in _CLAUSE_END.finditer(text, 0, start):
        clause_start = m.end()
    prefix = text[max(clause_start, start - ruleset.negation_window) : start]
    prefix = _NOT_NEGATIONS.sub("__", prefix)
    return bool(ruleset.negations.search(prefix))


def _sentence(text: str, m: re.Match[str]) -> str:
    start = max((text.rfind(c, 0, m.start()) for c in "。！？!?；;"), default=-1) + 1
    ends = [p for p in (text.find(c, m.end()) for c in "。！？!?；;") if p >= 0]
    return text[start : min(ends) if ends else len(text)]


def text_hits(text: str, ruleset: RuleSet) -> list[Hit]:
    """One hit per rule: the first phrase of that rule not negated."""
    original = normalise(text)
    masked = mask_loose(original, ruleset)
    hits = []
    for rule in ruleset.rules:
        found = None
        for pattern in rule.patterns:
            for m in pattern.finditer(masked):
                if not m.group(0) or _MASK in m.group(0):
                    continue
                if _negated(masked, m.start(), ruleset):
                    continue
                if rule.sentence_exclude is not None and rule.sentence_exclude.search(_sentence(masked, m)):
                    continue
                found = original[m.start() : m.end()]
                break
            if found:
                break
        if found:
            hits.append(Hit(rule.code, rule.name, rule.severity, rule.weight, found))
    return hits


def fact_hits(facts: Mapping[str, Any], ruleset: RuleSet) -> list[Hit]:
    """Hits from what is known outside the narrative."""
    hits: list[Hit] = []

    def add(code: str, phrase: str) -> None:
        rule = ruleset.rule(code)
        if rule is not None:
            hits.append(Hit(rule.code, rule.name, rule.severity, rule.weight, phrase, fact=True))

    calls = int(facts.get("calls_30d") or 0)
    if calls >= 2:
        add("repeated_calls", f"30日内报警或求助{calls}次")
    if facts.get("protection_order"):
        add("protection_order", "在册人身安全保护令")
    if facts.get("prior_high"):
        add("violence", "此前纠纷曾被评为高风险")
    minors = int(facts.get("minors") or 0)
    if minors:
        add("dependants", f"家中有未成年人{minors}名")
    if facts.get("disabled") or facts.get("elderly_dependants"):
        add("dependants", "家中有残疾或失能老人")
    for flag in facts.get("triage_flags") or ():
        kind = flag.get("kind")
        if kind == "life":
            add("suicide", f"敏感诉求：{flag.get('phrase', '')}")
        elif kind == "minor":
            add("minor_harm", f"敏感诉求：{flag.get('phrase', '')}")
        elif kind == "violence":
            add("violence", f"敏感诉求：{flag.get('phrase', '')}")
    return hits


def combine(hits: list[Hit], ruleset: RuleSet) -> Grade:
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.rule, hit)
    unique = list(seen.values())
    score = sum(h.weight for h in unique)
    # Quarrelling alone never makes a dispute dangerous: ``minor`` rules count towards medium only.
    serious = sum(h.weight for h in unique if h.severity != "minor")
    fired = {h.rule for h in unique}
    combo = next(
        (
            c
            for c in ruleset.combos
            if set(c.get("all", ())) <= fired and (not c.get("any") or fired & set(c["any"]))
        ),
        None,
    )
    if combo is not None:
        unique.append(Hit("combo", str(combo["name"]), "high", 0, "、".join(sorted(fired)), fact=True))
    if any(h.severity == "high" for h in unique) or serious >= ruleset.high:
        level = "high"
    elif score >= ruleset.medium:
        level = "medium"
    else:
        level = "low"
    unique.sort(key=lambda h: (h.severity != "high", -h.weight, h.rule))
    return Grade(level, score, unique)


def grade(
    text: str,
    facts: Mapping[str, Any] | None = None,
    ruleset: RuleSet | None = None,
    models: Any = "shipped",
) -> Grade:
    """The grade of one narrative (and its known facts), with the rules fired and their phrases.

    ``models`` is the similarity reader's (high, not-low) pair: "shipped" for the one trained on the
    shipped tuning set, None to grade by the rules alone."""
    ruleset = ruleset or current_ruleset()
    hits = text_hits(text, ruleset)
    if facts:
        hits += fact_hits(facts, ruleset)
    result = combine(hits, ruleset)
    if models == "shipped":
        from jiceng.mediation.similarity import shipped_models

        models = shipped_models() if ruleset.similar_high is not None else None
    if models is not None and result.level != "high":
        _similar(result, text, models, ruleset)
    return result


def _similar(result: Grade, text: str, models: Any, ruleset: RuleSet) -> None:
    """Raise ``result`` when the narrative reads like the tuning set's high (or not-low) ones."""
    high, not_low = models
    p_high = high.probability(text)
    if ruleset.similar_high is not None and p_high >= ruleset.similar_high:
        phrase = "、".join(high.evidence(text)) + f"（相似度 {p_high:.2f}）"
        result.hits.append(Hit("similar_high", "与高风险叙述相似", "high", 0, phrase))
        result.level = "high"
        return
    if result.level == "low" and ruleset.similar_medium is not None:
        p_medium = not_low.probability(text)
        if p_medium >= ruleset.similar_medium:
            phrase = "、".join(not_low.evidence(text)) + f"（相似度 {p_medium:.2f}）"
            result.hits.append(Hit("similar_medium", "与中高风险叙述相似", "medium", 0, phrase))
            result.level = "medium"


def triage_flags(text: str) -> list[dict[str, Any]]:
    """The triage detector's sensitive flags, when triage is installed; nothing otherwise."""
    from django.apps import apps

    if not apps.is_installed("jiceng.triage"):
        return []
    try:
        from jiceng.triage.sensitive import detect
    except ImportError:
        return []
    return [f.as_dict() for f in detect(text)]


# --- evaluation ---------------------------------------------------------------------------------


@dataclass
class Evaluation:
    n: int
    accuracy: float
    high_recall: float
    confusion: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "high_recall": round(self.high_recall, 4),
            "confusion": self.confusion,
        }


def evaluate(
    pairs: Iterable[tuple[str, str]], ruleset: RuleSet | None = None, models: Any = "shipped"
) -> Evaluation:
    """``pairs`` of (narrative, expected level): accuracy and the recall of ``high``."""
    ruleset = ruleset or current_ruleset()
    confusion = {a: dict.fromkeys(LEVELS, 0) for a in LEVELS}
    n = right = high_total = high_found = 0
    for text, expected in pairs:
        got = grade(text, ruleset=ruleset, models=models).level
        n += 1
        right += got == expected
        confusion[expected][got] += 1
        if expected == "high":
            high_total += 1
            high_found += got == "high"
    return Evaluation(
        n=n,
        accuracy=right / n if n else 0.0,
        high_recall=high_found / high_total if high_total else 0.0,
        confusion=confusion,
    )


LEVEL_ALIASES = {
    "high": "high",
    "高": "high",
    "高风险": "high",
    "medium": "medium",
    "mid": "medium",
    "中": "medium",
    "中风险": "medium",
    "low": "low",
    "低": "low",
    "低风险": "low",
}


def parse_level(value: str) -> str | None:
    return LEVEL_ALIASES.get((value or "").strip().lower())
