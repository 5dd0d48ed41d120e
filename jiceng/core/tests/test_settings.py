"""Settings that cannot bite: .env under the environment, no silent development key, a clean
``check --deploy`` under the documented production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from jiceng.env import ConfigError, read_env_file

ROOT = Path(__file__).resolve().parents[3]

# The production environment documented in docs/production.md (deploy/jiceng.env.example).
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "JICENG_TRAIL_KEY": secrets.token_urlsafe(32),
    "DEBUG": "false",
    "JICENG_HTTPS": "true",
    "ALLOWED_HOSTS": "jiceng.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://jiceng.example.gov.cn",
    "DATABASE_URL": "postgres://jiceng:secret@db.internal:5432/jiceng",
}


def jiceng(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The installed `jiceng` command in a clean environment (no pytest, no developer's shell)."""
    clean = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "JICENG_VAR_DIR": str(tmp_path / "var"),
        "JICENG_ENV_FILE": str(tmp_path / "absent.env"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "jiceng.cli", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path: Path) -> None:
    done = jiceng(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_without_a_secret_key_the_installed_command_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    done = jiceng(["check"], env, tmp_path)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr


def test_check_deploy_reports_the_development_key_when_it_is_allowed(tmp_path: Path) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"} | {"JICENG_ALLOW_DEV_KEY": "1"}
    done = jiceng(["check", "--deploy"], env, tmp_path)
    assert done.returncode != 0
    assert "jiceng.E001" in done.stdout + done.stderr


def test_the_env_file_fills_in_what_the_environment_does_not_say(tmp_path: Path) -> None:
    env_file = tmp_path / "site.env"
    env_file.write_text(
        "# production\nJICENG_SITE_NAME=文件里的名字\nexport JICENG_OPEN311_CONTACT='12345@example.gov.cn'\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n",
        encoding="utf-8",
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.JICENG_SITE_NAME, settings.JICENG_OPEN311_CONTACT, settings.TIME_ZONE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "jiceng.settings",
            "JICENG_VAR_DIR": str(tmp_path / "var"),
            "JICENG_ENV_FILE": str(env_file),
            "JICENG_SITE_NAME": "环境里的名字",
            "TIME_ZONE": "Asia/Urumqi",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["环境里的名字", "12345@example.gov.cn", "Asia/Urumqi"]


def test_a_malformed_env_file_line_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("JICENG_TEST_UNUSED=ok\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=":2:"):
        read_env_file(str(env_file))
    assert "JICENG_TEST_UNUSED" not in os.environ


def test_a_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert read_env_file(str(tmp_path / "nothing.env")) == []
