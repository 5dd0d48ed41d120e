"""``python manage.py gridwork_sweep``: overdue rectifications become cases, overdue key-person visits
alert their cadre and supervisors. Run it daily (cron) or from the demo."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "逾期未整改隐患转为事件；重点人员走访逾期提醒包挂干部和督办人员。"

    def handle(self, *args: Any, **options: Any) -> None:
        from jiceng.gridwork import inspections, keypersons

        made = inspections.sweep_overdue()
        alerted = keypersons.sweep_overdue_visits()
        self.stdout.write(f"逾期隐患转事件 {made} 件；走访逾期提醒 {alerted} 人")
