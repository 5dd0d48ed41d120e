"""``jiceng calendar``: seed, inspect and load the working-day calendar."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jiceng.core import calendar
from jiceng.core.exceptions import JicengError
from jiceng.core.models import CalendarDay, CalendarSource, CalendarYear
from jiceng.lib.workdays import package_years

WEEKDAYS = "一二三四五六日"
TRUE = {"1", "true", "yes", "y", "是", "上班", "班"}
FALSE = {"0", "false", "no", "n", "否", "放假", "休"}


class Command(BaseCommand):
    help = (
        "工作日历：seed 从 chinesecalendar 软件包导入；show YEAR 显示某年的节假日与调休；"
        "status 列出各年份与缺失告警；load FILE 导入某年的节假日 CSV（date,is_workday,name）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        seed = sub.add_parser(
            "seed", help="从 chinesecalendar 软件包导入（已有年份默认保留，不覆盖人工修改）"
        )
        seed.add_argument(
            "--from-package", action="store_true", help="数据来源：chinesecalendar 软件包（默认）"
        )
        seed.add_argument("--first-year", type=int, default=None)
        seed.add_argument("--last-year", type=int, default=None)
        seed.add_argument("--overwrite", action="store_true", help="覆盖数据库中已有年份（含人工修改）")
        show = sub.add_parser("show", help="显示某年的法定节假日与调休")
        show.add_argument("year", type=int)
        sub.add_parser("status", help="列出各年份及即将需要但缺失的年份")
        load = sub.add_parser("load", help="导入一年的节假日与调休 CSV：date,is_workday,name")
        load.add_argument("file", type=Path)
        load.add_argument("--year", type=int, required=True)
        load.add_argument("--complete", action="store_true", help="导入后标记该年为完整")
        load.add_argument("--note", default="", help="备注，如国务院办公厅通知的文号")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['verb']}")(options)
        except JicengError as exc:
            raise CommandError(exc.message) from exc

    def _seed(self, options: dict[str, Any]) -> None:
        first, last = package_years()
        written = calendar.do_seed_from_package(
            calendar.Actor("jiceng calendar seed"),
            options["first_year"],
            options["last_year"],
            options["overwrite"],
        )
        if written:
            years = sorted(written)
            self.stdout.write(
                f"已导入 {len(years)} 个年份（{years[0]}–{years[-1]}），共 {sum(written.values())} 天。"
            )
        else:
            self.stdout.write("没有需要导入的年份（已有年份保留；用 --overwrite 覆盖）。")
        self.stdout.write(f"chinesecalendar 软件包包含 {first}–{last} 年的数据。")

    def _show(self, options: dict[str, Any]) -> None:
        year = options["year"]
        row = CalendarYear.objects.filter(year=year).first()
        days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
        if row is None and not days:
            raise CommandError(f"没有 {year} 年的工作日历。")
        state = "完整" if row and row.complete else "未完整（不参与期限计算）"
        source = CalendarSource(row.source).label if row else "—"
        self.stdout.write(f"{year} 年：{state}；来源：{source}{'；' + row.note if row and row.note else ''}")
        for day in days:
            what = "上班" if day.is_workday else "放假"
            self.stdout.write(f"  {day.date:%Y-%m-%d} 周{WEEKDAYS[day.date.weekday()]}  {what}  {day.name}")
        if row and row.complete:
            workdays = calendar.current_calendar().workdays_between(
                dt.date(year, 1, 1), dt.date(year, 12, 31)
            )
            self.stdout.write(f"全年工作日 {workdays} 天。")

    def _status(self, options: dict[str, Any]) -> None:
        rows = list(CalendarYear.objects.order_by("year"))
        complete = [r.year for r in rows if r.complete]
        incomplete = [r.year for r in rows if not r.complete]
        if complete:
            self.stdout.write(f"完整年份：{_spans(complete)}")
        if incomplete:
            self.stdout.write(f"未完整年份：{_spans(incomplete)}")
        missing = calendar.calendar_alert()
        if missing:
            self.stderr.write(calendar.alert_message(missing))
        else:
            self.stdout.write("今明两年所需的日历齐全。")

    def _load(self, options: dict[str, Any]) -> None:
        year = options["year"]
        actor = calendar.Actor("jiceng calendar load")
        entries: list[tuple[dt.date, bool, str]] = []
        with options["file"].open(encoding="utf-8-sig", newline="") as fh:
            for n, line in enumerate(csv.DictReader(fh), start=2):
                try:
                    day = dt.date.fromisoformat((line.get("date") or "").strip())
                except ValueError:
                    raise CommandError(
                        f"第 {n} 行：日期“{line.get('date')}”无效（应为 YYYY-MM-DD）。"
                    ) from None
                flag = (line.get("is_workday") or "").strip().lower()
                if flag not in TRUE | FALSE:
                    raise CommandError(f"第 {n} 行：is_workday 应为 1/0、是/否、上班/放假。")
                if day.year != year:
                    raise CommandError(f"第 {n} 行：{day} 不在 {year} 年。")
                entries.append((day, flag in TRUE, (line.get("name") or "").strip()))
        with transaction.atomic():
            if not CalendarYear.objects.filter(year=year).exists():
                calendar.do_set_year(actor, year, False, options["note"])
            for day, working, name in entries:
                calendar.do_set_day(actor, day, working, name, note=str(options["file"].name))
            if options["complete"]:
                if not any(not w and d.weekday() < 5 for d, w, _n in entries):
                    raise CommandError(f"{year} 年没有工作日放假的法定节假日，不能标记为完整。")
                calendar.do_set_year(actor, year, True, options["note"])
        self.stdout.write(
            f"已导入 {year} 年 {len(entries)} 天{'，并标记为完整' if options['complete'] else ''}。"
        )


def _spans(years: list[int]) -> str:
    out: list[str] = []
    start = prev = years[0]
    for year in years[1:] + [None]:  # type: ignore[list-item]
        if year is not None and year == prev + 1:
            prev = year
            continue
        out.append(f"{start}–{prev}" if start != prev else str(start))
        if year is not None:
            start = prev = year
    return "、".join(out)
