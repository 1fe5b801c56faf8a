"""Helpers for the deployment tests: throwaway PostgreSQL databases and the product run as real processes
(management commands, gunicorn, the task worker, Caddy) with settings.prod.

Migrating a new database from scratch takes well over a minute, so the seeded database is made once per
session by cloning pytest's already-migrated test database (CREATE DATABASE … TEMPLATE), then running the
real commands on it as subprocesses: ``migrate`` (which must find nothing left to do), ``createcachetable``
and ``seed_demo``. Each test clones that seeded database again, which takes a fraction of a second.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# A production-grade secret for the subprocesses (random, long, not "django-insecure-").
SECRET_KEY = secrets.token_urlsafe(64)
# What settings.prod puts before the common middleware: the host check first, then the request id, then the
# probes.
PROD_MIDDLEWARE_HEAD = [
    "core.domains.middleware.AllowedHostsMiddleware",
    "core.observability.RequestIdMiddleware",
    "core.health.middleware.ProbeMiddleware",
]
VERIFIED_DOMAIN = "portal.alpha-downtown.example"
UNVERIFIED_DOMAIN = "pending.alpha-downtown.example"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """The server pytest's test database lives on, reached from outside Django."""

    def __init__(self, settings_dict: dict):
        self.host = settings_dict.get("HOST") or "127.0.0.1"
        self.port = str(settings_dict.get("PORT") or 5432)
        self.user = settings_dict.get("USER") or "postgres"
        self.password = settings_dict.get("PASSWORD") or ""

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def url(self, dbname: str) -> str:
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgres://{auth}@{quote(self.host, safe='')}:{self.port}/{dbname}"

    def clone(self, template: str, prefix: str) -> str:
        """CREATE DATABASE … TEMPLATE needs the template to have no other session. A connection left behind
        by an earlier test's thread (a live server, a concurrency test) may still be closing, so wait for it
        a little, then end the stragglers: nothing may write to a template while it is copied."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        create = f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
        with self.connect() as conn:
            for attempt in range(20):
                try:
                    conn.execute(create)
                    return name
                except psycopg.errors.ObjectInUse:
                    if attempt >= 10:
                        conn.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE datname = %s AND pid <> pg_backend_pid()",
                            (template,),
                        )
                    time.sleep(0.5)
            conn.execute(create)
        return name

    def drop(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def query(self, dbname: str, sql: str, params=()) -> list[tuple]:
        with self.connect(dbname) as conn:
            cursor = conn.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []


def product_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production process (settings.prod) for the tests."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "EHR_", "GUNICORN_", "PG")) and key not in ("DATABASE_URL",)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="settings.prod",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        EHR_DOMAIN="127.0.0.1",
        EHR_VAR_DIR=str(var_dir),
        LOG_FORMAT="json",
        PATH=f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # Byte-compiled modules cached outside the source tree: each process starts in seconds instead of
        # recompiling Django, Wagtail and every migration.
        PYTHONPYCACHEPREFIX=str(ROOT / "var" / "pycache"),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


def manage(env: dict, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited {result.returncode}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


class Service:
    """A long-running child process in its own process group, with its output in a file."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}.log"
        self._log_handle = self.log.open("wb")
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        # Like `docker stop`: SIGTERM to the main process only (gunicorn's master, the task cluster's
        # sentinel) so it shuts its children down in order; then SIGKILL whatever is left in its group.
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.alive():
            self.process.wait(timeout=10)
        self._log_handle.close()


def wait_for_port(port: int, service: Service, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise AssertionError(f"{service.name} exited early:\n{service.output()[-4000:]}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise AssertionError(
        f"{service.name} did not listen on {port} within {timeout} s:\n{service.output()[-4000:]}"
    )
