"""Take the README's picture of the district screen from a fresh demo database.

    python -m jiceng.command.screenshot docs/command-district.png [--scale small]

Creates a throw-away SQLite database, loads every app's demo (``<app>/demo.py``), rolls the cases
up, serves the site on a free local port and saves a 1920×1080 screenshot of the district screen
taken in headless Chromium (``JICENG_CHROMIUM``, default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import threading
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiceng.command.screenshot")
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", default="small")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="jiceng-screenshot-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'demo.sqlite3'}"
    os.environ["JICENG_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    from jiceng.command import rollup
    from jiceng.core.plugins import app_modules
    from jiceng.org.models import User

    call_command("migrate", interactive=False, verbosity=0)
    log = io.StringIO()
    for module in app_modules("demo"):
        module.load(args.scale, log)
    rollup.catch_up()
    rollup.refresh_care()
    User.objects.create_superuser("screenshot", password="screenshot-pass", display_name="大屏截图")  # noqa: S106

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a: object) -> None:
            return None

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("JICENG_CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        page = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080}).new_page()
        page.goto(f"{url}/accounts/login/")
        page.fill("#id_username", "screenshot")
        page.fill("#id_password", "screenshot-pass")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{url}/command/")
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)
        page.wait_for_timeout(500)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    server.shutdown()
    print(f"saved {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
