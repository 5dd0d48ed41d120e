"""Settings for Jiceng. Every value comes from the environment (see .env.example)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from jiceng.env import ConfigError, env_bool, env_float, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("JICENG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or os.environ.get("JICENG_ALLOW_DEV_KEY", "1") == "1":
        # A fixed key for development and tests only; production sets SECRET_KEY.
        SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
    else:
        raise ConfigError("SECRET_KEY must be set in production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "jiceng.core",
    "jiceng.places",
    "jiceng.org",
    "jiceng.registry",
    "jiceng.cases",
    "jiceng.triage",
    "jiceng.open311",
    "jiceng.notify",
    "jiceng.community",
    "jiceng.sensing",
    "jiceng.mediation",
    "jiceng.gridwork",
    "jiceng.party",
    "jiceng.command",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"
ASGI_APPLICATION = "jiceng.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiceng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jiceng.core.context.site",
            ],
        },
    }
]

DATABASES = {
    "default": parse_database_url(env_str("DATABASE_URL", "sqlite:///var/jiceng.sqlite3"), str(BASE_DIR))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if env_bool("JICENG_FAST_HASHER", "pytest" in sys.modules):
    # Tests and benchmarks only: hashing with PBKDF2 costs ~0.3 s per login.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jiceng" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project-wide assets (site.css, vendored htmx and ECharts) live outside any app.
STATICFILES_DIRS = [BASE_DIR / "jiceng" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = (MAX_UPLOAD_MB + 2) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jiceng.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiceng 基层智治平台 API",
    "DESCRIPTION": "Places, organisation, registry, cases, triage and community services.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Domain settings.
JICENG_DISTRICT_CODE = env_str("JICENG_DISTRICT_CODE", "440306")
JICENG_SITE_NAME = env_str("JICENG_SITE_NAME", "基层智治平台")
JICENG_AUTO_DISPATCH_CONFIDENCE = env_float("JICENG_AUTO_DISPATCH_CONFIDENCE", 0.85)
JICENG_SLA_WARNING_FRACTION = env_float("JICENG_SLA_WARNING_FRACTION", 0.8)
JICENG_SLA_PASS_CASES = env_int("JICENG_SLA_PASS_CASES", 2000)
JICENG_MAX_REOPENS = env_int("JICENG_MAX_REOPENS", 2)
JICENG_MQTT_URL = env_str("MQTT_URL", "mqtt://127.0.0.1:1883")
# Sensing: telemetry partitions kept (months, 0 = keep all), how long message ids are remembered for
# dedupe, how far in the future a device clock may be, and the ingest worker's batch and client id.
JICENG_SENSING_RETENTION_MONTHS = env_int("JICENG_SENSING_RETENTION_MONTHS", 13)
JICENG_SENSING_DEDUPE_DAYS = env_int("JICENG_SENSING_DEDUPE_DAYS", 7)
JICENG_SENSING_MAX_FUTURE_S = env_int("JICENG_SENSING_MAX_FUTURE_S", 300)
JICENG_SENSING_BATCH = env_int("JICENG_SENSING_BATCH", 500)
JICENG_SENSING_CLIENT_ID = env_str("JICENG_SENSING_CLIENT_ID", "jiceng-ingest")
JICENG_DEFAULT_DESK_LEVEL = env_str("JICENG_DEFAULT_DESK_LEVEL", "street")
JICENG_SUPERVISION_DAYS = env_int("JICENG_SUPERVISION_DAYS", 3)
JICENG_CASE_MAX_PHOTOS = env_int("JICENG_CASE_MAX_PHOTOS", 9)
JICENG_CALENDAR_NEXT_YEAR_FROM = env_str("JICENG_CALENDAR_NEXT_YEAR_FROM", "11-01")
JICENG_TRIAGE_MODEL = env_str("JICENG_TRIAGE_MODEL", "")
JICENG_TRIAGE_MIN_CONFIDENCE = env_float("JICENG_TRIAGE_MIN_CONFIDENCE", 0.15)
JICENG_DUPLICATE_WINDOW_DAYS = env_float("JICENG_DUPLICATE_WINDOW_DAYS", 7.0)
JICENG_DUPLICATE_MAX_KM = env_float("JICENG_DUPLICATE_MAX_KM", 0.5)
JICENG_SMS_BACKEND = env_str("JICENG_SMS_BACKEND", "jiceng.community.sms.ConsoleSmsBackend")
JICENG_TIMEBANK_POINTS_PER_HOUR = env_int("JICENG_TIMEBANK_POINTS_PER_HOUR", 10)
JICENG_TIMEBANK_MIN_BALANCE = env_int("JICENG_TIMEBANK_MIN_BALANCE", 0)
PLACES_BULK_MIN_ROWS = env_int("PLACES_BULK_MIN_ROWS", 100_000)
COMMAND_ROLLUP_MAX_AGE = env_int("COMMAND_ROLLUP_MAX_AGE", 10)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
