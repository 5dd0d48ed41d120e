"""``jiceng serve``: the production web server (gunicorn, threaded workers) with its static files.

Sizing: ``--workers`` processes (default: CPU cores + 1, at most 8) × ``--threads`` threads each
(default 4). Each thread keeps at most one database connection (``CONN_MAX_AGE``), so the site never
holds more than workers × threads connections however many clients come: 12 on 2 cores, well under
PostgreSQL's 100. Clients beyond that wait in the listen backlog (2048) instead of being reset.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from jiceng.env import env_int

LOOPBACK = {"localhost"}


def default_workers() -> int:
    return env_int("JICENG_WEB_WORKERS", min((os.cpu_count() or 1) + 1, 8))


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def gunicorn_options(host: str, port: int, workers: int, threads: int, access_log: bool) -> dict[str, Any]:
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Bursts of phones opening connections queue in the kernel instead of being reset.
        "backlog": env_int("JICENG_WEB_BACKLOG", 2048),
        # A request may take this long before its worker is recycled; SIGTERM lets running ones finish.
        "timeout": env_int("JICENG_WEB_TIMEOUT", 60),
        "graceful_timeout": env_int("JICENG_WEB_GRACEFUL_TIMEOUT", 30),
        "keepalive": 5,
        # Recycle workers now and then so a slow leak can never take a process down.
        "max_requests": 5000,
        "max_requests_jitter": 500,
        # Load Django once in the master; workers fork from it (less memory, faster restarts).
        "preload_app": True,
        # X-Forwarded-* are honoured from the reverse proxy on this host only (deploy/nginx.conf).
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "proc_name": "jiceng",
        "control_socket_disable": True,
    }


class Command(BaseCommand):
    help = "生产环境 Web 服务（gunicorn 多进程多线程，含静态文件）：jiceng serve [--host H] [--port P] [--workers N]"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("JICENG_WEB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("JICENG_WEB_PORT", 8000))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="工作进程数（默认 CPU 核数 + 1，最多 8；JICENG_WEB_WORKERS）",
        )
        parser.add_argument(
            "--threads", type=int, default=env_int("JICENG_WEB_THREADS", 4), help="每个进程的线程数（默认 4）"
        )
        parser.add_argument("--no-collectstatic", action="store_true", help="不先收集静态文件")
        parser.add_argument("--access-log", action="store_true", help="在标准输出记录每个请求")

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        host, port = options["host"], options["port"]
        workers = options["workers"] or default_workers()
        threads = options["threads"]
        if workers <= 0 or threads <= 0:
            raise CommandError("--workers 与 --threads 必须为正数")
        dev_key = getattr(settings, "DEV_SECRET_KEY", None) == settings.SECRET_KEY
        if dev_key and not settings.DEBUG and not is_loopback(host):
            raise CommandError(
                "拒绝以开发用密钥对外提供服务：请设置 SECRET_KEY（见 docs/production.md），或只监听 127.0.0.1。"
            )
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        # Import every view once here, so forked workers share it and their first request is quick.
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018
        # No connection may cross the fork into the workers.
        connections.close_all()
        config = gunicorn_options(host, port, workers, threads, options["access_log"])
        self.stdout.write(
            f"jiceng serve: http://{host}:{port}/ · {workers} 进程 × {threads} 线程"
            f"（数据库连接最多 {workers * threads} 个）"
        )

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    if value is not None:
                        self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        Server().run()
