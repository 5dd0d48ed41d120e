from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from jiceng.core.plugins import DemoLogin, app_modules


class Command(BaseCommand):
    help = "建库并载入演示辖区（宝安），打印演示账号，然后启动服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "district"], default="small")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-serve", action="store_true", help="只载入数据，不启动服务")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        logins: list[DemoLogin] = []
        for module in app_modules("demo"):
            with transaction.atomic():
                logins.extend(module.load(options["scale"], self.stdout) or [])
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已就绪（用时 {time.monotonic() - started:.1f} 秒）。演示账号：")
        )
        width = max((len(login.username) for login in logins), default=8)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.password}  {login.role}  {login.where}")
        from jiceng.core.calendar import alert_message, calendar_alert

        missing = calendar_alert()
        if missing:
            # Deadlines that reach a year without a calendar stay open ("待定") until it is entered.
            self.stdout.write(self.style.WARNING(alert_message(missing)))
        if options["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        # Background processes an app runs beside the demo server (``<app>.demo.live(out)``, e.g. the
        # sensor simulator when a broker answers); stopped with the server.
        background: list[Any] = []
        for module in app_modules("demo"):
            start = getattr(module, "live", None)
            if start is not None:
                background.extend(start(self.stdout) or [])
        self.stdout.write(f"服务地址：http://{options['host']}:{options['port']}/")
        try:
            call_command(
                "runserver", f"{options['host']}:{options['port']}", use_reloader=False, insecure_serving=True
            )
        finally:
            for proc in background:
                proc.terminate()
            for proc in background:
                try:
                    proc.wait(10)
                except Exception:  # noqa: BLE001 — a child that will not stop is killed
                    proc.kill()
