"""Settings from the environment (django-environ). Wiring only: no business logic here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from enclave_portal.db import ConfigError, database_url, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = "pytest" in sys.modules or env.bool("TESTING", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ConfigError("SECRET_KEY is required when DEBUG is off: set SECRET_KEY=<a long random string>")
    SECRET_KEY = "django-insecure-local-development-key-only-for-debug-and-tests"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_results",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "accounts",
    "registry",
    "talent",
    "subsidies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a body larger than the upload limit is refused with 413 from its Content-Length, before it is read
    "accounts.middleware.RequestBodyLimitMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "enclave_portal.urls"
WSGI_APPLICATION = "enclave_portal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.portal",
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL, or the embedded pgserver under .data/pg when unset.
DATABASES = {"default": parse_database_url(database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# parallel test sessions on one server (e.g. two checkouts) name their test databases apart
DATABASES["default"]["TEST"] = {"NAME": "test_" + env.str("TEST_DB_SUFFIX", default="enclave")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG or TESTING  # development and tests serve from the app folders directly
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded documents live outside static files and are served only by permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/private-media/"  # never routed: documents are served by permission-checked views
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Every request body, pages and API alike, is capped at DOCUMENT_MAX_BYTES plus the multipart envelope
# (accounts.uploads.REQUEST_ENVELOPE_BYTES) by accounts.middleware.RequestBodyLimitMiddleware from its
# Content-Length; Django reads no body beyond its Content-Length. Within the cap, form fields may hold
# DATA_UPLOAD_MAX_MEMORY_SIZE bytes and a file over FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary
# file rather than held in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# PDF previews: poppler's wall-clock limit for one document (seconds); a timeout is recorded, not retried
DOCUMENT_PREVIEW_TIMEOUT = env.float("DOCUMENT_PREVIEW_TIMEOUT", default=20)
EXPORT_ROOT = Path(env.str("EXPORT_ROOT", default=str(DATA_DIR / "exports")))

# Email: console in development; SMTP through EMAIL_URL in production.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="飞地研发中心管理平台 <noreply@kjt.nx.gov.cn>")

# Security
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "accounts.sessions"  # database sessions; malformed cookies are ignored, not a 500
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # nothing of the portal is framed (check --deploy security.W019)
# Sessions: an absolute lifetime from the login, and an idle limit (accounts.middleware.SessionLifetimeMiddleware)
STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
ENTERPRISE_IDLE_TIMEOUT_SECONDS = env.int("ENTERPRISE_IDLE_TIMEOUT_SECONDS", default=2 * 3600)
SESSION_ABSOLUTE_LIFETIME_SECONDS = env.int("SESSION_ABSOLUTE_LIFETIME_SECONDS", default=12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME_SECONDS
# API tokens (accounts.tokens): per client, hashed, at most this many days; staff tokens also end after
# STAFF_IDLE_TIMEOUT_SECONDS unused
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)
# Two-factor login (TOTP, django-otp) for these roles and for superusers (accounts.twofactor)
TWO_FACTOR_ROLES = ["finance", "admin"]
OTP_TOTP_ISSUER = "宁夏飞地研发中心管理平台"
# Trusted reverse proxies in front of the portal, each appending to X-Forwarded-For. 0: none, the client
# is REMOTE_ADDR and X-Forwarded-For is ignored. Used by the DRF throttles (REST_FRAMEWORK["NUM_PROXIES"]),
# the django-axes lockout (AXES_CLIENT_IP_CALLABLE) and the page throttles (accounts.clientip).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Public pages' budgets per client address: (requests, seconds)
REGISTRATION_RATE = (10, 3600)
PASSWORD_RESET_RATE = (5, 3600)
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not SECURE_SSL_REDIRECT:
    # TLS is terminated at the reverse proxy (docker-compose / the bureau's gateway), which redirects.
    SILENCED_SYSTEM_CHECKS += ["security.W008"]

AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# the API answers a lockout in its error format; pages get the lockout template (accounts.api.lockout_response)
AXES_LOCKOUT_CALLABLE = "accounts.api.lockout_response"
# the lockout keys on the client behind NUM_PROXIES trusted proxies, not on the proxy's address
AXES_CLIENT_IP_CALLABLE = "accounts.clientip.client_ip"

REST_FRAMEWORK = {
    # Token first: an unauthenticated API request gets 401 with WWW-Authenticate: Token
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested past a bound is a 400, not a RecursionError (accounts.parsers)
    "DEFAULT_PARSER_CLASSES": [
        "accounts.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "accounts.api.PortalAutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "飞地研发中心管理平台 API",
    "DESCRIPTION": "Enclave R&D centre portal API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CentreKindEnum": "registry.models.CentreKind.choices",
        "DocumentKindEnum": "registry.models.DocumentKind.choices",
        "FilingLevelEnum": "registry.models.FilingLevel.choices",
        "FilingStatusEnum": "registry.models.FilingStatus.choices",
        "DegreeLevelEnum": "talent.models.DegreeLevel.choices",
        "LineKindEnum": "subsidies.models.LineKind.choices",
        "RunKindEnum": "subsidies.models.RunKind.choices",
        "RunStartKindEnum": "subsidies.api.START_KINDS",
        "RunStateEnum": "subsidies.models.RunState.choices",
        "ApplicationStatusEnum": "subsidies.models.ApplicationStatus.choices",
        "DeclarationStatusEnum": "subsidies.models.DeclarationStatus.choices",
        "ExportFormatEnum": "subsidies.models.ExportFormat.choices",
        "ExportStateEnum": "subsidies.models.ExportState.choices",
        "BenefitStatusEnum": "subsidies.grants.selectors.STATUS_LABEL",
    },
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport (no server needed).
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ConfigError(f"REDIS_URL must start with redis:// (got {REDIS_URL[:20]!r})")
CELERY_BROKER_DIR = DATA_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": True,
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker is redelivered, never dropped silently
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_PUBLISH_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # NX-STIPEND: the 5th of each month at 02:00 Asia/Shanghai, for the previous month (POLICY §4)
    "monthly-stipend-run": {
        "task": "subsidies.tasks.scheduled_monthly_run",
        "schedule": crontab(minute=0, hour=2, day_of_month=5),
    },
    # YC-RD: 1 May for the previous year, after the 30 April declaration deadline (POLICY §4)
    "annual-yinchuan-run": {
        "task": "subsidies.tasks.scheduled_annual_run",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year=5),
    },
    # runs left computing by a dead process or worker become interrupted (中断), to be continued
    "interrupted-run-check": {"task": "subsidies.tasks.check_interrupted_runs", "schedule": 60.0},
    # document previews whose render task was lost are queued again
    "requeue-stale-previews": {
        "task": "registry.tasks.requeue_stale_previews",
        "schedule": crontab(minute="*/15"),
    },
    # objections: reminders before the working-day deadline, escalation once overdue; hourly on
    # working hours is enough for a deadline counted in days
    "objection-reminders": {
        "task": "subsidies.objections.tasks.remind_and_escalate_objections",
        "schedule": crontab(minute=15, hour="8-18"),
    },
    # reviewers hear of review steps near or past their promised time limit
    "review-deadline-reminders": {
        "task": "registry.tasks.review_deadline_reminders",
        "schedule": crontab(minute=0, hour=8),
    },
    # and of grant applications' and YC-RD declarations' review steps
    "grant-deadline-reminders": {
        "task": "subsidies.grants.tasks.grant_deadline_reminders",
        "schedule": crontab(minute=5, hour=8),
    },
    # and so are degree certificates'
    "requeue-stale-certificate-previews": {
        "task": "talent.tasks.requeue_stale_certificate_previews",
        "schedule": crontab(minute="*/15"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pgserver": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}
PGHISTORY_APPEND_ONLY = True  # the application cannot edit or delete audit rows
# Payout runs from the web and the API go to Celery workers; the command line computes inline.
PAYOUT_RUNS_ON_CELERY = env.bool("PAYOUT_RUNS_ON_CELERY", default=not TESTING)
PAYOUT_CHUNK_SIZE = env.int("PAYOUT_CHUNK_SIZE", default=5000)  # researchers per chunk (one Celery task each)
# processes computing a run's chunks when it is computed without Celery (the command line)
PAYOUT_INLINE_WORKERS = env.int("PAYOUT_INLINE_WORKERS", default=os.cpu_count() or 1)
# a run on Celery with no chunk computing counts as alive this long after its last progress (queued chunks)
PAYOUT_LEASE_SECONDS = env.int("PAYOUT_LEASE_SECONDS", default=600)
# PDF previews are rendered by a Celery task after the upload commits; without Celery (pytest) the upload
# renders them itself. Page views never render.
DOCUMENT_PREVIEWS_ON_CELERY = env.bool("DOCUMENT_PREVIEWS_ON_CELERY", default=PAYOUT_RUNS_ON_CELERY)
if not REDIS_URL:
    for _folder in ("queue", "processed"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)

# --- Hardening: CSP, no-store, vendored Swagger UI, schema serving ---------------------
# Content-Security-Policy on every response (django-csp): scripts, styles, fonts and images from the
# portal itself only; no inline script, no inline style, no framing, no plugins.
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS += ["csp", "drf_spectacular_sidecar"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
# API responses and every page for a logged-in user carry personal data: never stored by a cache
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "accounts.headers.NoStoreMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Swagger UI from the installed sidecar package, never a CDN; the schema is public (README "API").
SPECTACULAR_SETTINGS.update(
    {
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "SERVE_PUBLIC": True,
        "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
        "SERVE_AUTHENTICATION": [],
    }
)
# filters that accept what the schema documents and refuse the rest (accounts/filters.py)
REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"] = ["accounts.filters.PortalFilterBackend"]
REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "accounts.pagination.PortalPagination"
