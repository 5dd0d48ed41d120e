"""``jiceng triage train|evaluate|flags|types|hot|replies|build|retrain`` — the dispatch classifier and its companions."""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiceng.core.exceptions import JicengError
from jiceng.core.importing import read_rows
from jiceng.triage.board import BOARD_REMEMBERED, BOARD_WEIGHT

csv.field_size_limit(sys.maxsize)


def _rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    try:
        return [row for _, row in read_rows(path, required)]
    except JicengError as exc:
        raise CommandError(exc.message)


class Command(BaseCommand):
    help = "智能分拨：训练与评估分拨模型，标记敏感诉求，发现热点，评价答复质量。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        p = sub.add_parser("train", help="用历史工单 CSV 训练分拨模型")
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--text-col", default="text")
        p.add_argument("--label-col", default="label")
        p.add_argument("--out", type=Path, required=True, help="模型文件（.npz）")
        p.add_argument("--target-precision", type=float, default=0.95, help="自动分拨须达到的准确率")
        p.add_argument(
            "--board-labels",
            action="store_true",
            help="加入项目手工标注的留言板留言（data/board_labels.csv，与 --data 同目录的留言板文件合并，"
            "去掉与训练数据重复的留言，每条权重 0.2，不参与近邻投票）；留出集上未见提升，默认不加入",
        )

        p = sub.add_parser("evaluate", help="评估：给 --model 则在文件上测试，否则 5 折交叉验证")
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--model", type=Path, default=None)
        p.add_argument("--text-col", default="text")
        p.add_argument("--label-col", default="label")
        p.add_argument("--folds", type=int, default=5)
        p.add_argument("--repeats", type=int, default=1, help="交叉验证重复次数（每次不同划分）")
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("flags", help="逐行标记敏感诉求；有 sensitive 列时报告准确率与召回率")
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--text-col", default="text")
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("hot", help="热点：同一地点、同一时期、同一事项的留言群")
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--top", type=int, default=5)
        p.add_argument("--days", type=int, default=60, help="同一时期的最长间隔（天）")
        p.add_argument("--json", action="store_true")

        p = sub.add_parser("replies", help="答复质量：相关性、完整性、及时性、可解释性")
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--json", action="store_true")

        p = sub.add_parser(
            "build",
            help="生成事项目录分拨模型：--from-catalogue 用项目自带目录，--from-db 用已导入的目录，"
            "--data 用目录 CSV（code,name,category,description,keywords[,unit]）",
        )
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--from-catalogue", action="store_true", help="项目自带的事项目录（随发布的默认模型由此生成）"
        )
        source.add_argument("--from-db", action="store_true", help="数据库中启用的事项目录")
        source.add_argument("--data", type=Path, default=None)
        p.add_argument(
            "--out", type=Path, default=None, help="默认写到 JICENG_TRIAGE_MODEL 或 VAR_DIR/triage/model.npz"
        )

        p = sub.add_parser(
            "retrain",
            help="用分拨台确定的工单类型重新训练；留出最近的工单比较新旧模型，新模型更好时才替换",
        )
        p.add_argument("--from-cases", action="store_true", required=True, help="用已分拨、已办结的工单")
        p.add_argument("--min", type=int, default=50, help="至少需要的工单数")
        p.add_argument(
            "--out", type=Path, default=None, help="默认写到 JICENG_TRIAGE_MODEL 或 VAR_DIR/triage/model.npz"
        )
        schedule = p.add_mutually_exclusive_group()
        schedule.add_argument(
            "--every", default=None, help="持续运行，每隔这么久重新训练一次（如 24h、12h、1d）"
        )
        schedule.add_argument("--at", default=None, help="持续运行，每天这个时刻重新训练（如 03:00）")
        p.add_argument("--interval", type=float, default=60.0, help="持续运行时检查是否到期的间隔秒数")

        p = sub.add_parser(
            "types",
            help="逐行给出前三个事项类型及置信度；有 codes 列（可接受的类型代码，分号分隔，NONE 表示"
            "非政务事项）时报告 top-1/top-3 准确率",
        )
        p.add_argument("--data", type=Path, required=True)
        p.add_argument("--text-col", default="text")
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def _progress(self, message: str) -> None:
        self.stderr.write(message)

    # train -----------------------------------------------------------------------------------------
    def do_train(self, o: dict[str, Any]) -> None:
        from jiceng.triage.classifier import Params, train

        rows = _rows(o["data"], [o["text_col"], o["label_col"]])
        texts = [r[o["text_col"]] for r in rows if r[o["label_col"]].strip()]
        labels = [r[o["label_col"]].strip() for r in rows if r[o["label_col"]].strip()]
        board = self._board(o, texts)
        started = time.perf_counter()
        try:
            model = train(
                texts + [t for t, _ in board],
                labels + [c for _, c in board],
                Params(target_precision=o["target_precision"]),
                progress=self._progress,
                weights=[1.0] * len(texts) + [BOARD_WEIGHT] * len(board) if board else None,
                remembered=[True] * len(texts) + [BOARD_REMEMBERED] * len(board) if board else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc))
        model.meta["source"] = str(o["data"].name)
        model.meta["board_labels"] = len(board)
        path = model.save(o["out"])
        m = model.meta
        more = f"（另加手工标注的留言板留言 {len(board)} 条）" if board else ""
        self.stdout.write(
            f"已训练 {len(texts)} 条{more}、{len(model.classes)} 类，"
            f"用时 {time.perf_counter() - started:.1f} 秒 → {path}"
        )
        if model.threshold is not None:
            self.stdout.write(
                f"自动分拨阈值 {model.threshold:.3f}（验证集准确率 ≥ {m['target_precision']:.0%}），"
                f"可自动分拨 {m['auto_dispatch_share']:.1%} 的工单；验证集准确率 {m['validation_accuracy']:.3f}"
            )
        else:
            self.stdout.write("验证数据不足以选出自动分拨阈值，将使用 JICENG_AUTO_DISPATCH_CONFIDENCE。")

    def _board(self, o: dict[str, Any], texts: list[str]) -> list[tuple[str, str]]:
        """The hand-labelled board messages to add (``--board-labels``), less repeats of ``texts``."""
        from jiceng.triage.board import BOARD_FILES, board_rows

        if not o["board_labels"]:
            return []
        folder = o["data"].resolve().parent
        if not all((folder / name).exists() for name in BOARD_FILES):
            raise CommandError(f"{folder} 中没有留言板文件（{'、'.join(BOARD_FILES)}），无法加入手工标注")
        return board_rows(texts, folder)

    # evaluate --------------------------------------------------------------------------------------
    def do_evaluate(self, o: dict[str, Any]) -> None:
        from jiceng.triage.classifier import TextModel, cross_validate, score, throughput

        rows = _rows(o["data"], [o["text_col"], o["label_col"]])
        texts = [r[o["text_col"]] for r in rows if r[o["label_col"]].strip()]
        labels = [r[o["label_col"]].strip() for r in rows if r[o["label_col"]].strip()]
        if o["model"] is not None:
            try:
                model = TextModel.load(o["model"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取模型 {o['model']}：{exc}")
            started = time.perf_counter()
            pred = model.predict(texts)
            elapsed = time.perf_counter() - started
            result = score(labels, pred)
            result.throughput_per_s = len(texts) / max(elapsed, 1e-9)
            result.extra = {"mode": "model", "model": str(o["model"])}
        else:
            seeds = list(range(max(1, o["repeats"])))
            progress = None if o["json"] else self._progress
            result = cross_validate(texts, labels, folds=o["folds"], seeds=seeds, progress=progress)
            from jiceng.triage.classifier import train

            model = train(texts, labels, calibrate=False)
            result.throughput_per_s = throughput(model, texts)
            result.extra["mode"] = f"{o['folds']}-fold cross-validation"
        if o["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        self._print_scores(result)

    def _print_scores(self, r: Any) -> None:
        w = self.stdout.write
        w(f"样本 {r.n} 条（{r.extra.get('mode', '')}）")
        w(f"准确率 accuracy = {r.accuracy:.4f}    宏平均 F1 macro-F1 = {r.macro_f1:.4f}")
        if r.extra.get("repeats") and len(r.extra["repeats"]) > 1:
            w(
                "各次重复："
                + "  ".join(f"{x['accuracy']:.4f}/{x['macro_f1']:.4f}" for x in r.extra["repeats"])
            )
        auto = r.extra.get("auto_dispatch")
        if auto and auto.get("threshold") is not None:
            w(
                f"自动分拨：阈值 {auto['threshold']:.3f} 时准确率 ≥ {auto['target_precision']:.0%}，"
                f"可自动分拨 {auto['share']:.1%}"
            )
        w(f"吞吐量 {r.throughput_per_s:,.0f} 条/秒")
        w("")
        w(f"{'类别':<12}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}")
        for label, s in r.per_class.items():
            w(f"{label:<12}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>10.3f}{s['support']:>10}")
        w("")
        w("混淆矩阵（行 = 实际，列 = 预测）：")
        w("\t" + "\t".join(r.labels))
        for label, row in zip(r.labels, r.confusion, strict=True):
            w(label + "\t" + "\t".join(str(v) for v in row))

    # retrain ---------------------------------------------------------------------------------------
    def do_retrain(self, o: dict[str, Any]) -> None:
        from jiceng.triage.retrain import (
            RetrainLoop,
            TooFewCases,
            describe,
            parse_at,
            parse_every,
            retrain_from_cases,
        )

        if o["every"] is not None or o["at"] is not None:
            try:
                every = parse_every(o["every"]) if o["every"] is not None else None
                at = parse_at(o["at"]) if o["at"] is not None else None
            except ValueError as exc:
                raise CommandError(str(exc))
            loop = RetrainLoop(
                every=every,
                at=at,
                minimum=o["min"],
                model_out=o["out"],
                interval=o["interval"],
                out=self.stdout,
            )
            loop.run()
            return
        try:
            r = retrain_from_cases(o["out"], o["min"])
        except TooFewCases as exc:
            raise CommandError(str(exc))
        self.stdout.write(describe(r))

    # types -----------------------------------------------------------------------------------------
    def do_types(self, o: dict[str, Any]) -> None:
        from jiceng.triage.typing_eval import score_types, top_types

        rows = _rows(o["data"], [o["text_col"]])
        ranked = top_types([r[o["text_col"]] for r in rows])
        if rows and "codes" in rows[0]:
            summary = score_types(ranked, [r.get("codes", "") for r in rows])
            if o["json"]:
                self.stdout.write(json.dumps(summary))
                return
            self.stdout.write(f"{summary['n']} 条：top-1 {summary['top1']:.3f}，top-3 {summary['top3']:.3f}")
            return
        if o["json"]:
            out = [
                {"row": i, "types": [{"code": c, "confidence": round(p, 4)} for c, p in top]}
                for i, top in enumerate(ranked, start=1)
            ]
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        for i, top in enumerate(ranked, start=1):
            self.stdout.write(f"第 {i} 行：" + "，".join(f"{c} {p:.2f}" for c, p in top))

    # flags -----------------------------------------------------------------------------------------
    def do_flags(self, o: dict[str, Any]) -> None:
        from jiceng.triage.sensitive import current_lexicon, detect_many

        rows = _rows(o["data"], [o["text_col"]])
        lexicon = current_lexicon()
        all_flags = detect_many([row[o["text_col"]] for row in rows], lexicon)
        out: list[dict[str, Any]] = []
        tp = fp = fn = tn = 0
        labelled = bool(rows) and "sensitive" in rows[0]
        for i, row in enumerate(rows, start=1):
            flags = all_flags[i - 1]
            out.append({"row": i, "flags": [{"kind": f.kind, "reason": f.reason} for f in flags]})
            if labelled and str(row.get("sensitive", "")).strip() in ("0", "1"):
                truth, said = row["sensitive"].strip() == "1", bool(flags)
                tp += truth and said
                fp += said and not truth
                fn += truth and not said
                tn += not truth and not said
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        if o["json"]:
            if labelled:
                self.stdout.write(json.dumps({"precision": precision, "recall": recall, "n": len(rows)}))
            else:
                self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        flagged = [r for r in out if r["flags"]]
        for r in flagged:
            self.stdout.write(f"第 {r['row']} 行：" + "；".join(f["reason"] for f in r["flags"]))
        self.stdout.write(
            f"共 {len(rows)} 行，标记 {len(flagged)} 行（{len(flagged) / max(len(rows), 1):.1%}）"
        )
        if labelled:
            self.stdout.write(
                f"precision = {precision:.3f}  recall = {recall:.3f}  (TP {tp}, FP {fp}, FN {fn}, TN {tn})"
            )

    # hot -------------------------------------------------------------------------------------------
    def do_hot(self, o: dict[str, Any]) -> None:
        from datetime import timedelta

        from jiceng.triage.hot import hot_topics
        from jiceng.triage.io import read_messages

        messages = read_messages(o["data"])
        topics = hot_topics(messages, top=o["top"], period=timedelta(days=o["days"]))
        if o["json"]:
            self.stdout.write(json.dumps([t.as_dict() for t in topics], ensure_ascii=False))
            return
        for rank, t in enumerate(topics, start=1):
            self.stdout.write(
                f"{rank}. 热度 {t.heat:.1f}（{t.count} 条留言，{t.votes} 票）{t.start:%Y-%m-%d}～{t.end:%Y-%m-%d}"
                f"  {t.place or '—'}：{t.description}"
            )

    # replies ---------------------------------------------------------------------------------------
    def do_replies(self, o: dict[str, Any]) -> None:
        from jiceng.triage.io import read_replies, reply_metrics

        items = read_replies(o["data"])
        metrics = reply_metrics(items)
        if o["json"]:
            self.stdout.write(json.dumps(metrics, ensure_ascii=False))
            return
        for key, value in metrics.items():
            self.stdout.write(f"{key}: {value}")

    # build -----------------------------------------------------------------------------------------
    def do_build(self, o: dict[str, Any]) -> None:
        from jiceng.triage.service import build_default_model, catalogue_entries

        entries: list[Any] | None
        if o["data"] is not None:
            rows = _rows(o["data"], ["code", "name"])
            entries = [
                (
                    r["code"],
                    r["name"],
                    r.get("category", ""),
                    r.get("description", ""),
                    r.get("keywords", ""),
                    r.get("unit", ""),
                )
                for r in rows
            ]
        else:
            entries = catalogue_entries(default=o["from_catalogue"])
            if entries is None:
                raise CommandError(
                    "没有可用的事项目录：请安装事件工单应用（jiceng.cases），或用 --data 指定目录 CSV。"
                )
        started = time.perf_counter()
        try:
            path = build_default_model(entries, o["out"])
        except ValueError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"已从 {len(entries)} 个事项生成分拨模型 → {path}"
            f"（用时 {time.perf_counter() - started:.1f} 秒，{path.stat().st_size / 1e6:.1f} MB）"
        )
