"""Settings for eventsite, read from the environment (12-factor).

Every value that differs between a laptop and production comes from an environment variable; the defaults
are the production ones (DEBUG off), development is asked for with ``DEBUG=1``, and ``manage.py check --deploy``
is clean once a real ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are given.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Safe defaults (issue 12) --------------------------------------------------------------------------------
# DEBUG is off unless asked for (DEBUG=1: scripts/run.sh and the test suite ask). With DEBUG off the secrets come
# from the environment or the process refuses to start: the development key below is public (it is in the
# source), so a server signing sessions and JWTs with it would accept tokens anyone can make.
DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"
SECRET_KEY_MISSING = (
    "{name} must be set when DEBUG is off: export {name}=<a long random string> "
    "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=1 for development on your own machine."
)
SECRET_KEY_PUBLIC = "{name} is the development key from the source; with DEBUG off set a secret of your own."


def secret_from_env(name: str, *, debug: bool, fallback: str = "") -> str:
    """``name`` from the environment; the public development key only with DEBUG explicitly on."""
    value = os.environ.get(name, "") or fallback
    if debug:
        return value or _DEV_SECRET_KEY
    if not value:
        raise ImproperlyConfigured(SECRET_KEY_MISSING.format(name=name))
    if value == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(SECRET_KEY_PUBLIC.format(name=name))
    return value


SECRET_KEY = secret_from_env("SECRET_KEY", debug=DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "eventsite.admin_apps.EventsiteAdminConfig",  # django.contrib.admin with eventsite.admin_site as the site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "eventsite",  # before the two below: its runserver (a larger listen backlog) overrides theirs
    "whitenoise.runserver_nostatic",  # runserver serves static files the way production does (WhiteNoise)
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "rest_framework_json_api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "discounts",
    "tickets",
    "orders",
    "history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, after the HTTPS redirect and before the rest
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "history.middleware.ActingMiddleware",  # which door (admin, API) and who, for the history of changes
    "eventsite.api.middleware.APIMiddleware",  # database errors anywhere → JSON:API 503; CSP on the API
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

# One lock-out policy for the admin's and the API's log-in (django-axes, eventsite/lockout.py): after
# AXES_FAILURE_LIMIT failures for one e-mail address (any letter case) from one client address, that pair is
# refused by both for AXES_COOLOFF_MINUTES (the admin: its 429 page; the API: a JSON 429 with Retry-After).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ONLY_ADMIN_SITE = False
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the admin form's field (it holds the e-mail address)
AXES_USERNAME_CALLABLE = "eventsite.lockout.login_key"
AXES_CLIENT_IP_CALLABLE = "eventsite.clients.client_address"  # the throttles' notion of the client
AXES_VERBOSE = False


def _trusted_proxies() -> int:
    """NUM_PROXIES: how many reverse proxies we run stand in front (0: the TCP peer is the client).

    AXES_PROXY_COUNT, the lock-out's former setting, is still read when NUM_PROXIES is not set."""
    values = {name: os.environ[name] for name in ("NUM_PROXIES", "AXES_PROXY_COUNT") if os.environ.get(name)}
    if len(set(values.values())) > 1:
        raise ImproperlyConfigured("NUM_PROXIES and AXES_PROXY_COUNT differ; set NUM_PROXIES only.")
    value = next(iter(values.values()), "0")
    if not value.isdigit():
        raise ImproperlyConfigured(f"NUM_PROXIES must be a whole number of proxies (0 or more), not {value!r}.")
    return int(value)


# The client's address is the TCP peer's (REMOTE_ADDR) unless NUM_PROXIES proxies stand in front: then the
# NUM_PROXIES-th entry of X-Forwarded-For from the right. One function (eventsite/clients.py) serves the
# throttles and the lock-out.
NUM_PROXIES = _trusted_proxies()

ROOT_URLCONF = "eventsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "eventsite.wsgi.application"

# SQLite file in the project unless DATABASE_URL names another database (e.g. postgres://...).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default takes concurrent writers: every transaction takes SQLite's write lock when it begins
    # (BEGIN IMMEDIATE), so two never deadlock upgrading a read lock, which SQLite answers at once with "database
    # is locked"; a writer waits its turn up to ``timeout`` seconds; WAL lets readers go on while one writes, and
    # synchronous=NORMAL is WAL's durable-enough setting (a power cut loses at most the last commits, never the file).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "eventsite.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The throttles count atomically in a store every worker process and app server shares: Redis with REDIS_URL,
# otherwise their own table of the database (eventsite/throttle_counts.py). The default cache (import previews,
# reset-mail intervals) is Redis too, otherwise a table of the database (created by migrate:
# eventsite/migrations/*_database_cache_table). Past MAX_ENTRIES the database cache deletes its expired entries,
# and a third of the live ones if still over. Every write counts the table's rows, so it stays small.
REDIS_URL = os.environ.get("REDIS_URL", "")
# An IPv6 client counts as its /64 and also draws from its /48's budget, this many times a client's (0: none).
IPV6_NETWORK_FACTOR = int(os.environ.get("IPV6_NETWORK_FACTOR", "8"))
DATABASE_CACHE_TABLE = "eventsite_cache"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is away answers nothing: give up quickly (eventsite/api/throttling.py decides then).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": DATABASE_CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "10000"))},
        }
    }

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# The app serves its own static files (WhiteNoise): after ``collectstatic``, from STATIC_ROOT, with hashed names
# (cached for a year) and gzip copies. With DEBUG on, runserver finds them where they live, uncollected. The test
# suite never collects: conftest.py gives it the plain storage, and a test runs production's (test_production.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Production hardening; all of it is on whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check the app server itself, over plain HTTP
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "quiet_health_check": {"()": "eventsite.pages.QuietHealthCheck"},
        # the public check's code text (in its path) never reaches a log: eventsite/logs.py
        "redact_codes": {"()": "eventsite.logs.RedactCodes"},
    },
    # Django's own for the development server's access lines, which a logger configured here must name again
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        "django.request": {"filters": ["quiet_health_check", "redact_codes"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_codes"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- API (JSON:API over Django REST framework) ----------------------------------------------------------------
# One place for the whole API configuration, as DRF-JSONAPI's example app keeps it.
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "eventsite.api.exceptions.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "eventsite.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_PARSER_CLASSES": ("eventsite.api.parsers.JSONAPIParser",),
    "DEFAULT_RENDERER_CLASSES": ("eventsite.api.renderers.JSONAPIRenderer",),
    "DEFAULT_METADATA_CLASS": "rest_framework_json_api.metadata.JSONAPIMetadata",
    "DEFAULT_SCHEMA_CLASS": "eventsite.api.schema.SchemaWithFixedRelationships",
    "DEFAULT_FILTER_BACKENDS": (
        "eventsite.api.filters.OrderingFilter",
        "eventsite.api.filters.DjangoFilterBackend",
    ),
    "DEFAULT_AUTHENTICATION_CLASSES": ("eventsite.api.authentication.JWTAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.AllowAny",),
    "DEFAULT_THROTTLE_RATES": {
        "discount_code_lookup": os.environ.get("DISCOUNT_CODE_LOOKUP_RATE", "30/minute"),
        "auth": os.environ.get("AUTH_RATE", "20/minute"),
        "signup": os.environ.get("SIGNUP_RATE", "20/hour"),
        "organizer_invitations": os.environ.get("INVITATION_RATE", "30/hour"),
    },
    "TEST_REQUEST_RENDERER_CLASSES": (
        "rest_framework_json_api.renderers.JSONRenderer",
        "rest_framework.renderers.JSONRenderer",
    ),
    "TEST_REQUEST_DEFAULT_FORMAT": "vnd.api+json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    # DRF's own notion of the client, kept equal to ours (the throttles use eventsite.clients.client_address).
    "NUM_PROXIES": NUM_PROXIES,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "eventsite API",
    "DESCRIPTION": "JSON:API for events, tickets and the discount codes attached to them.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["drf_spectacular_jsonapi.hooks.fix_nested_path_parameters"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "eventsite.api.schema.fix_jsonapi_ids",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",  # assets served from this site, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TicketTypeEnum": "tickets.models.TicketType",
        "DiscountTypeEnum": "discounts.models.DiscountType",
        # resource identifier types
        "EventResourceType": ["event"],
        "TicketResourceType": ["ticket"],
        "DiscountCodeResourceType": ["discount-code"],
        "UserResourceType": ["user"],
    },
}
JSON_API_FORMAT_FIELD_NAMES = "dasherize"
JSON_API_FORMAT_TYPES = "dasherize"
JSON_API_PLURALIZE_TYPES = False
JSON_API_UNIFORM_EXCEPTIONS = True

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "15"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    "AUTH_HEADER_TYPES": ("JWT", "Bearer"),
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": secret_from_env("JWT_SIGNING_KEY", debug=DEBUG, fallback=SECRET_KEY),
    "ALGORITHM": "HS256",
    # Every token carries a digest of the password hash it was issued under; a new password (API, reset, admin,
    # manage.py changepassword) makes all earlier tokens, access and refresh, fail (eventsite/api/authentication.py).
    "CHECK_REVOKE_TOKEN": True,
}

# Largest request body the API reads (bytes); a larger one is refused with 413 before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024)))

# --- Mail (organizer invitations, password resets) -------------------------------------------------------------
# Printed to the console unless configured: EMAIL_URL (e.g. submission://user:password@smtp.example.org:587, read
# by dj-email-url) or the individual EMAIL_* variables. Mails are sent after the transaction commits.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))  # seconds; a hanging mail server must not hang a worker
if os.environ.get("EMAIL_URL"):  # wins over the individual variables; dj-email-url's documented idiom
    vars().update(
        {name: value for name, value in dj_email_url.parse(os.environ["EMAIL_URL"]).items() if value not in (None, "")}
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "eventsite <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the site is reached, for links in mails (e.g. https://tickets.example.org); without it mails give paths.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# Password reset: a token from Django's PasswordResetTokenGenerator, valid once (it dies with the password it
# resets) and for PASSWORD_RESET_TIMEOUT seconds; at most one mail per address per PASSWORD_RESET_MAIL_INTERVAL.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(60 * 60)))
PASSWORD_RESET_MAIL_INTERVAL = int(os.environ.get("PASSWORD_RESET_MAIL_INTERVAL", "300"))

# E-mail verification (eventsite.rules): a signed token, mailed at sign-up and on request, valid for
# EMAIL_VERIFICATION_TIMEOUT seconds; at most one mail per account per EMAIL_VERIFICATION_MAIL_INTERVAL.
EMAIL_VERIFICATION_TIMEOUT = int(os.environ.get("EMAIL_VERIFICATION_TIMEOUT", str(3 * 24 * 60 * 60)))
EMAIL_VERIFICATION_MAIL_INTERVAL = int(os.environ.get("EMAIL_VERIFICATION_MAIL_INTERVAL", "300"))
# Mails are sent on a thread after the response (eventsite.background); the tests run those jobs inline.
BACKGROUND_JOBS_INLINE = env_bool("BACKGROUND_JOBS_INLINE", False)

# --- Hardening (issue 12): imports, exports, bounds, Content-Security-Policy -------------------------------------
# Exports: a cell that starts like a formula is written as text. Our exports do it with eventsite.rules'
# spreadsheet_safe; this switches django-import-export's own guard on for any other resource too.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Imports: the admin keeps a CSV between its preview and its confirmation in the default cache, for the uploading
# session only (discounts/import_previews.py), never in a local temporary folder; django-import-export's own
# temporary storage is its cache storage too, should another import ever use it.
IMPORT_PREVIEW_SECONDS = int(os.environ.get("IMPORT_PREVIEW_SECONDS", "3600"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
# Unconfirmed previews a user may hold at once (a new one replaces their oldest): at most this many times
# IMPORT_MAX_BYTES per user in the cache.
IMPORT_PREVIEWS_PER_USER = int(os.environ.get("IMPORT_PREVIEWS_PER_USER", "3"))
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
# A multipart body larger than an import file and the other fields is refused before it is read (400).
FILE_UPLOAD_HANDLERS = [
    "eventsite.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Content-Security-Policy on every HTML page, the admin included (django-csp). Scripts and styles come from this
# site only, an inline one only with the response's nonce (Swagger UI's style); no inline event handlers, no eval.
# The API's JSON answers keep their stricter policy (eventsite.api.middleware). Header name: see csp.constants.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]
MIDDLEWARE = [*MIDDLEWARE[:1], "csp.middleware.CSPMiddleware", *MIDDLEWARE[1:]]
