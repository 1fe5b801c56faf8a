"""The benchmark's settings: production behaviour (no debug, cached templates, hashed static files) on
loopback over plain HTTP, plus a header with the number of database queries of each request."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")

from .base import *  # noqa: E402, F403
from .base import MIDDLEWARE, STORAGES, VAR_DIR  # noqa: E402

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
AXES_ENABLED = False  # the load generator signs in many users from one address
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Hashed names as in production; compression is left to Caddy (and skipping it keeps collectstatic quick).
STATIC_ROOT = VAR_DIR / "bench-static"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "bench.staticfiles.BenchStaticFilesStorage"},
}
