"""The benchmark's settings: production behaviour (no debug, cached templates, hashed static files) on
loopback over plain HTTP, plus a header with the number of database queries of each request."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")

from .base import *  # noqa: E402, F403
from .base import DATABASES, INSTALLED_APPS, MIDDLEWARE, Q_CLUSTER, STORAGES, VAR_DIR  # noqa: E402

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # the dataset generators and timing commands
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
# The product's URLs plus two bare views that measure the stack's own floor (bench/bare.py).
ROOT_URLCONF = "bench.urls"
AXES_ENABLED = False  # the load generator signs in many users from one address
# Kept in the shared cache, so the portal sign-up scenario can follow its confirmation link (bench/mail.py).
EMAIL_BACKEND = "bench.mail.CacheEmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# django-q2 logs every task queued at INFO through its own handler: a line per booking in the app's output.
Q_CLUSTER = {**Q_CLUSTER, "log_level": "WARNING"}
# Hashed names as in production; compression is left to Caddy (and skipping it keeps collectstatic quick).
STATIC_ROOT = VAR_DIR / "bench-static"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "bench.staticfiles.BenchStaticFilesStorage"},
}
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "TIMEOUT": 300,
        # Each dataset's ids start at 1: keys of one database must never answer for another's.
        "KEY_PREFIX": DATABASES["default"]["NAME"],
    }
}
