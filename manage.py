#!/usr/bin/env python
"""Django's manage.py for a checkout: the development entry point.

It allows the fixed development secret key (JICENG_ALLOW_DEV_KEY=1) unless the environment says
otherwise; the installed ``jiceng`` command (containers, systemd) does not.
"""

import os

from jiceng.cli import main

if __name__ == "__main__":
    os.environ.setdefault("JICENG_ALLOW_DEV_KEY", "1")
    main()
