"""Risk grading: rules as data, reasons for every grade, loose words and negations, the CLI."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from jiceng.mediation.grading import current_ruleset, default_ruleset, forget_rules, grade

DATA = Path(__file__).resolve().parent.parent / "data"


def rules_only(text: str) -> str:
    return grade(text, ruleset=default_ruleset(), models=None).level


def test_a_threat_to_kill_with_a_weapon_is_high_and_names_its_phrases() -> None:
    result = grade("丈夫酒后拿菜刀砍门，扬言要杀了她全家。", ruleset=default_ruleset(), models=None)
    assert result.level == "high"
    assert {"threat_kill", "weapon", "alcohol_drugs"} <= {h.rule for h in result.hits}
    assert any("菜刀" in r for r in result.reasons)


def test_a_calm_description_of_strangulation_is_high() -> None:
    assert rules_only("她说得很平静：上周他掐住她的脖子，她差点喘不过气。") == "high"


def test_angry_words_used_loosely_do_not_fire() -> None:
    result = grade(
        "气死我了，楼上天天半夜唱歌，吵死人了，说了多少次都不听。", ruleset=default_ruleset(), models=None
    )
    assert result.level == "low"
    assert not any(h.severity == "high" for h in result.hits)


def test_a_negated_act_does_not_fire() -> None:
    result = grade("夫妻为钱拌了几句嘴，没有动手，现在已经和好。", ruleset=default_ruleset(), models=None)
    assert "violence" not in {h.rule for h in result.hits}
    assert result.level == "low"


def test_a_threat_said_in_jest_does_not_fire() -> None:
    assert rules_only("老公说我再熬夜他就要杀了我，我知道他是开玩笑，想问问调解室周末开门吗。") == "low"


def test_a_joke_that_was_not_one_still_fires() -> None:
    assert rules_only("他多次说要跟她一起走，她原来以为是气话，昨天发现他买了一大包木炭。") == "high"


def test_facts_known_outside_the_narrative_enter_the_grade_with_their_reason() -> None:
    result = grade(
        "夫妻又吵架了，丈夫推了妻子一下。", {"calls_30d": 3}, ruleset=default_ruleset(), models=None
    )
    assert result.level == "high"
    assert any("30日内报警或求助3次" in r for r in result.reasons)


def test_the_similarity_reader_raises_what_the_rules_missed_and_says_why() -> None:
    text = "她说他最近总在半夜坐在床边盯着她看，还说她哪天不听话就让她从这个世界上消失。"
    result = grade(text, ruleset=default_ruleset())
    assert result.level == "high"
    assert result.reasons


@pytest.mark.django_db
def test_rules_edited_in_the_database_take_effect_and_leave_an_audit_row(admin_client: object) -> None:
    from jiceng.mediation.models import RiskRule, RiskRuleChange
    from jiceng.mediation.seed import restore

    restore()
    forget_rules()
    text = "他说要把我的猫送人。"
    assert grade(text, models=None).level == "low"
    rule = RiskRule.objects.get(code="threat_harm")
    response = admin_client.post(  # type: ignore[attr-defined]
        f"/admin/mediation/riskrule/{rule.pk}/change/",
        {
            "code": rule.code,
            "name": rule.name,
            "severity": "high",
            "weight": rule.weight,
            "patterns": rule.patterns + "\n把我的猫送人",
            "sentence_exclude": rule.sentence_exclude,
            "enabled": "on",
            "order": rule.order,
        },
    )
    assert response.status_code == 302
    forget_rules()
    assert grade(text, models=None).level == "high"
    change = RiskRuleChange.objects.get(rule_code="threat_harm")
    assert change.before["severity"] == "medium" and change.after["severity"] == "high"
    assert current_ruleset().rule("threat_harm") is not None


def test_the_cli_reports_n_accuracy_and_high_recall_in_json(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "risk"])
        w.writerow(["他拿着刀说要砍死她", "high"])
        w.writerow(["邻居家狗叫得厉害", "low"])
    out = StringIO()
    call_command("mediation", "grade", "--data", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"n": 2, "accuracy": 1.0, "high_recall": 1.0}


def test_the_cli_grades_each_narrative_with_reasons_without_a_risk_column(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("note\n他又喝醉了把她锁在屋里\n", encoding="utf-8")
    out = StringIO()
    call_command("mediation", "grade", "--data", str(path), "--text-col", "note", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["level"] == "high" and "confinement" in row["rules"]


def test_the_cli_refuses_an_unknown_label_with_its_row(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "n.csv"
    path.write_text("text,risk\n吵架,很高\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("mediation", "grade", "--data", str(path), stdout=StringIO())


def test_the_shipped_sets_are_large_enough_and_labelled() -> None:
    for name in ("narratives_tuning.csv", "narratives_test.csv"):
        with (DATA / name).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) >= 150
        assert {r["risk"] for r in rows} == {"high", "medium", "low"}
    tuning = {r["text"] for r in csv.DictReader((DATA / "narratives_tuning.csv").open(encoding="utf-8"))}
    test = {r["text"] for r in csv.DictReader((DATA / "narratives_test.csv").open(encoding="utf-8"))}
    assert not tuning & test
