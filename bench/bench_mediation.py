"""Mediation risk grading on the shipped narrative sets: the tuning set (rules and the similarity reader
were tuned on it) and the held-out test set (written separately, in different wording and situations,
never tuned on). Accuracy over three levels and the recall of high risk, by the phrase rules alone and
with the similarity reader; grading throughput.

The rules are the YAML shipped (``jiceng/mediation/data/risk_rules.yaml``), no database needed.
"""

from __future__ import annotations

import csv
import time

from bench.common import ROOT, Context

AREA = "mediation"
DATA = ROOT / "jiceng" / "mediation" / "data"


def _pairs(name: str) -> list[tuple[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [(row["text"], row["risk"]) for row in csv.DictReader(fh)]


def run(ctx: Context) -> None:
    import django

    django.setup()
    from jiceng.mediation.grading import default_ruleset, evaluate, grade
    from jiceng.mediation.similarity import shipped_models

    rules = default_ruleset()
    started = time.perf_counter()
    models = shipped_models()
    trained = time.perf_counter() - started
    for label, name in (
        ("held-out test set", "narratives_test.csv"),
        ("tuning set", "narratives_tuning.csv"),
    ):
        pairs = _pairs(name)
        both = evaluate(pairs, rules, models=models)
        alone = evaluate(pairs, rules, models=None)
        goal_acc, goal_rec = ("≥ 0.80", "≥ 0.95") if label.startswith("held") else ("", "")
        ctx.row(
            AREA, f"{label}: accuracy (rules + reader)", both.accuracy, "", goal_acc, f"n={both.n}, 3 levels"
        )
        ctx.row(AREA, f"{label}: high-risk recall (rules + reader)", both.high_recall, "", goal_rec)
        ctx.row(
            AREA,
            f"{label}: rules alone",
            f"{alone.accuracy:.3f} / {alone.high_recall:.3f}",
            "acc / recall",
            note="phrase rules without the similarity reader",
        )
    texts = [t for t, _ in _pairs("narratives_test.csv")]
    rounds = 2 if ctx.quick else 10
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            grade(text, ruleset=rules, models=models)
    elapsed = time.perf_counter() - started
    ctx.row(AREA, "grading throughput", len(texts) * rounds / elapsed, "narratives/s", note="one core")
    ctx.row(AREA, "similarity reader training", trained, "s", note="once per process, on the tuning set")
