"""gunicorn settings for the app container (``gunicorn --config deploy/gunicorn.conf.py``).

Every value can be changed from the environment; see deploy/env.example.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    # The CPUs this process may run on (a container's cpuset), not every CPU of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "core.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")

# The classic 2 × cores + 1 sync workers, capped: every worker holds a database connection and its own
# memory, and a small clinic's database is the first thing to run out.
workers = _int("GUNICORN_WORKERS", 0) or min(2 * _cores() + 1, _int("GUNICORN_MAX_WORKERS", 8))
threads = _int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
# Requests that render PDFs may take a while; anything slower belongs in a background task.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (deploys, `docker compose stop`), let requests in flight finish for this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Caddy keeps connections to the app open; keep-alive a little longer than nothing.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak in a library never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Heartbeat files on tmpfs: a worker blocked on a slow disk is not mistaken for a hung one.
_SHM = "/dev/shm"  # noqa: S108 (gunicorn's own advice for containers; not a shared temp file name)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

# Which peers may tell gunicorn the original scheme (X-Forwarded-Proto). Caddy is the only peer that can
# reach the app container in deploy/compose.yaml, whose address is not fixed, hence "*" there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log: one line per request with the request id the app returned in X-Request-ID (Caddy's id when
# it sent one). The path is logged without its query string, which may carry patients' names.
accesslog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s ua="%(a)s"'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Structured logs: the same JSON lines as the app's own logs (core.observability). LOG_FORMAT=text keeps
# gunicorn's plain lines, e.g. when reading them in a terminal.
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.observability.JsonFormatter"}},
        "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"level": "INFO", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
