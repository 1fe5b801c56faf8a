"""Production: behind Caddy (TLS, security headers), gunicorn, PostgreSQL. Every variable is described in
deploy/env.example; ``manage.py check --deploy`` reports no warnings with these settings."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, Q_CLUSTER


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {value!r}")


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = False

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set. Production needs a long random secret, e.g. from "
        '`python -c "import secrets; print(secrets.token_urlsafe(64))"` (see deploy/env.example).'
    )

# --- hosts --------------------------------------------------------------------------------------------------
# The platform's own host(s): EHR_DOMAIN plus any in DJANGO_ALLOWED_HOSTS (Django's patterns, ".example.com"
# for a domain and its subdomains). Clinics' verified domains are accepted too: that list changes at run
# time, so Django's own check is opened and core.domains.middleware, first in the chain, does it instead.
EHR_DOMAIN = os.environ.get("EHR_DOMAIN", "").strip().lower()
EHR_MAIN_HOSTS = [h.lower() for h in ([EHR_DOMAIN] if EHR_DOMAIN else []) + _env_list("DJANGO_ALLOWED_HOSTS")]
if not EHR_MAIN_HOSTS:
    raise ImproperlyConfigured("EHR_DOMAIN is not set: the host name the platform is served at.")
ALLOWED_HOSTS = ["*"]
EHR_HOST_CHECK_EXEMPT_PATHS = ["/healthz", "/readyz", "/internal/tls-ask"]
EHR_DOMAIN_CACHE_SECONDS = int(os.environ.get("EHR_DOMAIN_CACHE_SECONDS", "30"))
MIDDLEWARE = [
    "core.domains.middleware.AllowedHostsMiddleware",
    "core.observability.RequestIdMiddleware",
    # Probes are answered here, whatever the host's routing (see core/health/middleware.py).
    "core.health.middleware.ProbeMiddleware",
    *MIDDLEWARE,
]
EHR_BASE_URL = (os.environ.get("EHR_BASE_URL") or f"https://{EHR_MAIN_HOSTS[0]}").rstrip("/")
WAGTAILADMIN_BASE_URL = EHR_BASE_URL

# --- HTTPS, behind Caddy ------------------------------------------------------------------------------------
# Caddy terminates TLS and says so in X-Forwarded-Proto (it overwrites whatever a client sent).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# core.audit.request_info: the client's address is the first X-Forwarded-For entry, set by Caddy.
EHR_TRUSTED_PROXY = True
SECURE_SSL_REDIRECT = _env_bool("EHR_SECURE_SSL_REDIRECT", True)
# Probes and Caddy's certificate question reach the app over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^internal/"]
SECURE_HSTS_SECONDS = int(os.environ.get("EHR_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("EHR_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("EHR_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# "__Host-" cookies are only accepted by browsers when Secure, for path "/" and without a Domain: they
# cannot be set or overwritten by a sibling subdomain.
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_DOMAIN = None
# Templates hand the token to htmx (hx-headers); no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

# --- database, cache ----------------------------------------------------------------------------------------
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "5")))

# Shared by every app and worker container: django-q2's worker heartbeats (read by /readyz), the portal's
# page cache and the analytics roll-up reads must be visible across processes. With REDIS_URL the cache
# lives in Redis (a cache hit costs no database query); without it, in a PostgreSQL table, which needs no
# extra service: create it with `manage.py createcachetable` (deploy/entrypoint.sh does).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": os.environ.get("EHR_CACHE_TABLE", "ehr_cache"),
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
    # A cache in the database would make each session read a query anyway, and each write two.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
Q_CLUSTER = {**Q_CLUSTER, "cache": "default"}
EHR_WORKER_HEARTBEAT_MAX_AGE = int(os.environ.get("EHR_WORKER_HEARTBEAT_MAX_AGE", "30"))

# --- static files, backups ----------------------------------------------------------------------------------
# Collected at image build time (deploy/Dockerfile) into STATIC_ROOT and served by WhiteNoise under hashed
# names; Caddy marks those (and /static/build/) cacheable for a year.
EHR_BACKUP_DIR = os.environ.get("EHR_BACKUP_DIR", "")

# --- email --------------------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 15
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "root@localhost"))

# --- logs: JSON lines on stdout, each stamped with the request id -------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.observability.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if os.environ.get("LOG_FORMAT", "json") == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # django-q2 logs through its own logger with a handler of its own; route it like everything else.
        "django-q": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# SMART apps are sent back over TLS only in production (their redirect addresses must be https).
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}  # noqa: F405
