"""``jiceng mediation grade --data CSV [--text-col text] [--json]``: risk grades of narratives in bulk."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.mediation.grading import LEVEL_LABELS, current_ruleset, default_ruleset, grade, parse_level

csv.field_size_limit(sys.maxsize)


class Command(BaseCommand):
    help = (
        "矛盾调处工具：jiceng mediation grade --data CSV [--text-col text] [--json] "
        "逐条研判风险等级（high|medium|low）并给出依据；文件含 risk 列时报告准确率与高风险召回率。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["grade"])
        parser.add_argument("--data", required=True, help="CSV 文件（UTF-8，首行为列名）")
        parser.add_argument("--text-col", default="text", help="叙述所在列，默认 text")
        parser.add_argument("--risk-col", default="risk", help="标注等级所在列，默认 risk")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--rules-only", action="store_true", help="只用短语规则，不用相似度模型")
        parser.add_argument(
            "--shipped-rules",
            action="store_true",
            help="用随软件发布的规则（YAML），而非数据库中编辑过的规则",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["data"])
        if not path.exists():
            raise CommandError(f"找不到文件 {path}")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            text_col, risk_col = options["text_col"], options["risk_col"]
            if text_col not in columns:
                raise CommandError(f"{path.name} 缺少列“{text_col}”（现有列：{'、'.join(columns)}）。")
            rows = list(reader)
        ruleset = default_ruleset() if options["shipped_rules"] else current_ruleset()
        models = None if options["rules_only"] else "shipped"
        labelled = risk_col in columns
        graded = []
        n = right = high_total = high_found = 0
        for number, row in enumerate(rows, start=2):
            result = grade(row.get(text_col) or "", ruleset=ruleset, models=models)
            graded.append(result)
            if labelled:
                expected = parse_level(row.get(risk_col) or "")
                if expected is None:
                    raise CommandError(
                        f"{path.name} 第 {number} 行，列“{risk_col}”：无法识别的等级“{row.get(risk_col)}”"
                        "（应为 high、medium 或 low）。"
                    )
                n += 1
                right += result.level == expected
                if expected == "high":
                    high_total += 1
                    high_found += result.level == "high"
        if options["json"]:
            if labelled:
                out: Any = {
                    "n": n,
                    "accuracy": round(right / n, 4) if n else 0.0,
                    "high_recall": round(high_found / high_total, 4) if high_total else 0.0,
                }
            else:
                out = [g.as_dict() for g in graded]
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for row, result in zip(rows, graded, strict=True):
            reasons = "；".join(result.reasons) or "未发现风险因素"
            text = (row.get(text_col) or "").replace("\n", " ")[:40]
            self.stdout.write(f"{result.level}\t{LEVEL_LABELS[result.level]}\t{reasons}\t{text}")
        if labelled:
            accuracy = right / n if n else 0.0
            recall = high_found / high_total if high_total else 0.0
            self.stdout.write(f"共 {n} 条：准确率 {accuracy:.4f}，高风险召回率 {recall:.4f}")
