"""Test settings: the same PostgreSQL and apps as production, faster hashing, mail kept in memory."""

from .base import *  # noqa: F403

# The suite also tests the benchmark's dataset generators and checks, which only the bench settings install.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
AXES_FAILURE_LIMIT = 5
# Emailed links point at the test client's default host, so tests can follow them.
EHR_BASE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
# Each test's connections end with it: a kept connection in a live server's request thread would otherwise
# outlive its test, and a process forked later (analytics_rollup --jobs) would inherit its socket.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Break-glass is off unless a test sets an organization's policy: most tests open charts of patients
# their practitioner has never booked, which is not what they test (tests/audit/test_break_glass.py does).
EHR_BREAK_GLASS_DEFAULT_MONTHS = 0
