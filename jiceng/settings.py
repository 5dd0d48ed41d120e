"""Settings for Jiceng. Every value comes from the environment (see .env.example).

Precedence: a variable set in the process environment (shell, systemd ``Environment=``, compose
``environment:``) wins; then ``.env`` in the checkout (or the file named by ``JICENG_ENV_FILE``);
then the defaults below, which run straight after checkout on SQLite.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from jiceng.env import (
    ConfigError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    read_env_file,
    replica_databases,
)

BASE_DIR = Path(__file__).resolve().parent.parent
read_env_file(os.environ.get("JICENG_ENV_FILE") or str(BASE_DIR / ".env"))
VAR_DIR = Path(env_str("JICENG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The test suite and the type checker load these settings without any environment.
_TOOLING = "pytest" in sys.modules or "mypy" in sys.modules
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    # The fixed development key only where it was asked for: DEBUG, the tests, `jiceng demo` and
    # `manage.py` in a checkout (both set JICENG_ALLOW_DEV_KEY=1). The installed `jiceng` command, the
    # container and the systemd units refuse to start without a SECRET_KEY, and `check --deploy`
    # reports the development key as an error wherever it is in use.
    if env_bool("JICENG_ALLOW_DEV_KEY", DEBUG or _TOOLING):
        SECRET_KEY = DEV_SECRET_KEY
    else:
        raise ConfigError(
            "SECRET_KEY is not set. Production: set SECRET_KEY (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'). Development: DEBUG=1 or JICENG_ALLOW_DEV_KEY=1."
        )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Behind a TLS-terminating reverse proxy (deploy/nginx.conf): trust its X-Forwarded-Proto, redirect
# plain HTTP, send HSTS, keep cookies on HTTPS. All on with JICENG_HTTPS=1 (docs/production.md).
JICENG_HTTPS = env_bool("JICENG_HTTPS", False)
if env_bool("JICENG_TRUST_PROXY_HEADER", JICENG_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz and /readyz are answered before the redirect (jiceng.core.health.ProbeMiddleware).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", JICENG_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if JICENG_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", JICENG_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list is a separate, lasting decision (SECURE_HSTS_PRELOAD=1),
# not a deployment defect.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", JICENG_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", JICENG_HTTPS)

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
    "csp",
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
    "jiceng.core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the app server (compressed, cached forever when hashed); no nginx
    # location needed, and `make serve` works with DEBUG off.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jiceng.core.middleware.NoStoreMiddleware",
    "jiceng.core.middleware.RefusalMiddleware",
    "jiceng.core.replicas.ReplicaMiddleware",
    # Names shown unmasked while a page rendered are logged before the page is sent (org/privacy.py).
    "jiceng.org.privacy.PageRevealMiddleware",
]

# Content-Security-Policy (django-csp): scripts only from our own origin or inline with the request's
# nonce (`<script nonce="{{ request.csp_nonce }}">`); no plugins, no framing by others, forms post home.
# Styles allow inline attributes (progress bars, ECharts and htmx set them). /api/docs/ adds the CDN of
# Swagger UI for itself only (jiceng/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
    }
}

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
# Read replicas (PostgreSQL streaming standbys): the command centre, evaluations, exports and the
# one-key lookup read from them; writes, sessions and migrations stay on the primary (jiceng/core/replicas.py).
DATABASES.update(replica_databases(env_str("DATABASE_REPLICA_URLS", ""), str(BASE_DIR)))
DATABASE_ROUTERS = ["jiceng.core.replicas.ReplicaRouter"]
# A browser that just wrote reads from the primary for this long (read-your-writes).
JICENG_REPLICA_STICKY_SECONDS = env_int("JICENG_REPLICA_STICKY_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # The account's own phone number or username is the first thing a guesser tries.
    {"NAME": "jiceng.org.auth.NotPhoneOrUsernameValidator"},
]
# Sign-in by username or phone, behind the persistent lockout (jiceng/org/auth.py).
AUTHENTICATION_BACKENDS = ["jiceng.org.auth.ThrottledBackend"]
JICENG_LOGIN_FAILURE_LIMIT = env_int("JICENG_LOGIN_FAILURE_LIMIT", 5)
JICENG_LOGIN_USER_FAILURE_LIMIT = env_int("JICENG_LOGIN_USER_FAILURE_LIMIT", 20)
JICENG_LOGIN_IP_FAILURE_LIMIT = env_int("JICENG_LOGIN_IP_FAILURE_LIMIT", 30)
JICENG_LOGIN_LOCKOUT_MINUTES = env_int("JICENG_LOGIN_LOCKOUT_MINUTES", 15)
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
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Compressed copies (gzip/brotli) made at collectstatic time; no manifest, so templates render
    # in tests and checkouts where collectstatic was never run.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (tests, DEBUG) serve straight from the apps' folders.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG or _TOOLING)
# The project-wide assets (site.css, vendored htmx and ECharts) live outside any app.
STATICFILES_DIRS = [BASE_DIR / "jiceng" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 10)
DATA_UPLOAD_MAX_MEMORY_SIZE = (MAX_UPLOAD_MB + 2) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Who sends the bytes of /media/ files once the view has checked the viewer: Django itself (none),
# nginx (X-Accel-Redirect to JICENG_MEDIA_ACCEL_PREFIX, an `internal` location) or Apache (X-Sendfile).
JICENG_MEDIA_ACCEL = env_str("JICENG_MEDIA_ACCEL", "none")
if JICENG_MEDIA_ACCEL not in ("none", "nginx", "apache"):
    raise ConfigError(f"JICENG_MEDIA_ACCEL must be none, nginx or apache, not {JICENG_MEDIA_ACCEL!r}")
JICENG_MEDIA_ACCEL_PREFIX = env_str("JICENG_MEDIA_ACCEL_PREFIX", "/_protected_media/")

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
    # JSON bodies must be objects (jiceng.core.api.ObjectJSONParser); forms and uploads as usual.
    "DEFAULT_PARSER_CLASSES": [
        "jiceng.core.api.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jiceng.core.api.exception_handler",
    # Views opt in with throttle_scope; the token endpoint is ``auth``.
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("JICENG_TOKEN_RATE", "10/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiceng 基层智治平台 API",
    "DESCRIPTION": "Places, organisation, registry, cases, triage and community services.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Every operation documents the error answers of jiceng.core.api.exception_handler.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jiceng.core.schema.document_errors",
    ],
    # The schema is generated and checked by `jiceng spectacular --validate` and the API tests; under
    # `check --deploy` its warnings would only hide the deployment findings.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
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
# A type triage proposes below this confidence is not put on the case (it waits untyped at the desk).
JICENG_TRIAGE_MIN_TYPE_CONFIDENCE = env_float("JICENG_TRIAGE_MIN_TYPE_CONFIDENCE", 0.2)
JICENG_SLA_WARNING_FRACTION = env_float("JICENG_SLA_WARNING_FRACTION", 0.8)
JICENG_SLA_PASS_CASES = env_int("JICENG_SLA_PASS_CASES", 2000)
JICENG_MAX_REOPENS = env_int("JICENG_MAX_REOPENS", 2)
JICENG_MQTT_URL = env_str("MQTT_URL", "mqtt://127.0.0.1:1883")
# /readyz checks the broker only where one is configured (MQTT_URL set in the environment or .env).
JICENG_MQTT_CONFIGURED = "MQTT_URL" in os.environ
# A running worker whose last heartbeat is older than this is reported stale by /readyz.
JICENG_WORKER_STALE_SECONDS = env_int("JICENG_WORKER_STALE_SECONDS", 120)
# The contact in Open311 discovery (an e-mail or a phone); empty: the site name.
JICENG_OPEN311_CONTACT = env_str("JICENG_OPEN311_CONTACT", "")
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
# The case trail's HMAC key (never in the database). Unset: derived from SECRET_KEY, and `check` warns
# outside DEBUG. Set it before the first migrate of the keyed trail and never change it afterwards.
JICENG_TRAIL_KEY = env_str("JICENG_TRAIL_KEY", "")
# Signed checkpoints of the trail's chain heads: an append-only JSONL file outside the database.
JICENG_TRAIL_CHECKPOINT_DIR = Path(env_str("JICENG_TRAIL_CHECKPOINT_DIR", str(VAR_DIR / "trail")))
JICENG_TRAIL_CHECKPOINT_SECONDS = env_int("JICENG_TRAIL_CHECKPOINT_SECONDS", 300)
JICENG_SMS_PHONE_HOURLY = env_int("JICENG_SMS_PHONE_HOURLY", 5)
JICENG_SMS_PHONE_DAILY = env_int("JICENG_SMS_PHONE_DAILY", 10)
JICENG_SMS_IP_HOURLY = env_int("JICENG_SMS_IP_HOURLY", 20)
JICENG_SMS_BACKEND = env_str("JICENG_SMS_BACKEND", "console")
JICENG_SMS_FILE_DIR = env_str("JICENG_SMS_FILE_DIR", str(BASE_DIR / "var" / "sms"))
JICENG_SMS_SIGN_NAME = env_str("JICENG_SMS_SIGN_NAME", "")
JICENG_SMS_HTTP_URL = env_str("JICENG_SMS_HTTP_URL", "")
JICENG_SMS_HTTP_TOKEN = env_str("JICENG_SMS_HTTP_TOKEN", "")
JICENG_SMS_ALIYUN_KEY_ID = env_str("JICENG_SMS_ALIYUN_KEY_ID", "")
JICENG_SMS_ALIYUN_KEY_SECRET = env_str("JICENG_SMS_ALIYUN_KEY_SECRET", "")
JICENG_SMS_ALIYUN_TEMPLATE = env_str("JICENG_SMS_ALIYUN_TEMPLATE", "")
JICENG_SMS_ALIYUN_ENDPOINT = env_str("JICENG_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com")
JICENG_SMS_TENCENT_SECRET_ID = env_str("JICENG_SMS_TENCENT_SECRET_ID", "")
JICENG_SMS_TENCENT_SECRET_KEY = env_str("JICENG_SMS_TENCENT_SECRET_KEY", "")
JICENG_SMS_TENCENT_APP_ID = env_str("JICENG_SMS_TENCENT_APP_ID", "")
JICENG_SMS_TENCENT_TEMPLATE = env_str("JICENG_SMS_TENCENT_TEMPLATE", "")
JICENG_SMS_TENCENT_REGION = env_str("JICENG_SMS_TENCENT_REGION", "ap-guangzhou")
JICENG_SMS_TENCENT_ENDPOINT = env_str("JICENG_SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com")
JICENG_WECHAT_APP_ID = env_str("JICENG_WECHAT_APP_ID", "")
JICENG_WECHAT_APP_SECRET = env_str("JICENG_WECHAT_APP_SECRET", "")
JICENG_WECHAT_TEMPLATE_ID = env_str("JICENG_WECHAT_TEMPLATE_ID", "")
JICENG_WECHAT_API = env_str("JICENG_WECHAT_API", "https://api.weixin.qq.com")
JICENG_BASE_URL = env_str("JICENG_BASE_URL", "http://127.0.0.1:8000")
# The residents' map: an optional raster tile server ({z}/{x}/{y} URL); empty (the default) draws the
# offline base layer from our own grid and building data. Its origin is allowed for images by the CSP.
JICENG_MAP_TILES = env_str("JICENG_MAP_TILES", "")
JICENG_MAP_TILES_ATTRIBUTION = env_str("JICENG_MAP_TILES_ATTRIBUTION", "")
if JICENG_MAP_TILES:
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(JICENG_MAP_TILES.replace("{s}.", "*."))  # Leaflet's subdomains: a CSP wildcard
    if _tiles.scheme in ("http", "https") and _tiles.netloc:
        _img_src: list[str] = CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]  # type: ignore[index,assignment]
        _img_src.append(f"{_tiles.scheme}://{_tiles.netloc}")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jiceng@localhost")
JICENG_NOTIFY_CHANNELS = env_list("JICENG_NOTIFY_CHANNELS", ["inbox", "sms", "email", "wechat"])
JICENG_NOTIFY_QUIET_HOURS = env_str("JICENG_NOTIFY_QUIET_HOURS", "22:00-07:00")
JICENG_NOTIFY_MAX_ATTEMPTS = env_int("JICENG_NOTIFY_MAX_ATTEMPTS", 6)
JICENG_NOTIFY_RETRY_SECONDS = env_float("JICENG_NOTIFY_RETRY_SECONDS", 30.0)
JICENG_TIMEBANK_POINTS_PER_HOUR = env_int("JICENG_TIMEBANK_POINTS_PER_HOUR", 10)
JICENG_TIMEBANK_MIN_BALANCE = env_int("JICENG_TIMEBANK_MIN_BALANCE", 0)
# Legal aid: the monthly income per head (yuan) at or below which an applicant counts as in economic
# difficulty (Shenzhen uses its minimum wage, 2360 yuan).
JICENG_LEGAL_AID_INCOME = env_float("JICENG_LEGAL_AID_INCOME", 2360.0)
# Party building: a published wish nobody claimed within this many days goes to the community.
JICENG_PARTY_WISH_ESCALATE_DAYS = env_int("JICENG_PARTY_WISH_ESCALATE_DAYS", 7)
PLACES_BULK_MIN_ROWS = env_int("PLACES_BULK_MIN_ROWS", 100_000)
COMMAND_ROLLUP_MAX_AGE = env_int("COMMAND_ROLLUP_MAX_AGE", 10)
# Processes the set-based rollup rebuild reads the trail with on PostgreSQL (0: one per CPU), and the
# work_mem (MB) of its statements (hash joins and aggregates held in memory instead of spilled).
COMMAND_REBUILD_WORKERS = env_int("COMMAND_REBUILD_WORKERS", 0)
COMMAND_REBUILD_WORK_MEM_MB = env_int("COMMAND_REBUILD_WORK_MEM_MB", 256)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
