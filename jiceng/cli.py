"""The ``jiceng`` command: Django's management utility with Jiceng's settings.

Every verb (``demo``, ``generate``, ``import``, ``export``, ``link``, ``triage``, ``sla``…) is a
management command of one of the apps, so ``jiceng VERB --help`` documents it.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        # The demo is a local trial: it may run on the development key.
        os.environ.setdefault("JICENG_ALLOW_DEV_KEY", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiceng", *args])


if __name__ == "__main__":
    main()
