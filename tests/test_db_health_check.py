"""The database health check (core/postgresql/base.py): a quiet kept connection is trusted without a
round trip; one the server has ended is noticed and replaced before the request's first query."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from core.postgresql.base import quietly_idle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept():
    """A second connection to the test database, as a request would keep it between requests."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict["CONN_HEALTH_CHECKS"] = True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def last_statement(pid: int) -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def start_request(wrapper) -> None:
    """What Django does for a kept connection when a request starts and reaches its first query."""
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()


def test_a_quiet_connection_is_kept_without_asking_the_server(kept):
    pid = backend_pid(kept)
    start_request(kept)
    assert kept.connection is not None and kept.health_check_done
    assert last_statement(pid) == "SELECT pg_backend_pid()"  # no SELECT 1 was sent
    assert backend_pid(kept) == pid  # the same session serves the request


def test_a_connection_the_server_ended_is_replaced(kept):
    old = backend_pid(kept)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [old])
    deadline = time.monotonic() + 5  # the server's last message reaches the socket soon after
    while quietly_idle(kept.connection) and time.monotonic() < deadline:
        time.sleep(0.01)
    start_request(kept)
    assert kept.connection is None  # closed by the check, not by a failed query of the request
    new = backend_pid(kept)  # reconnects on first use
    assert new != old


def test_a_connection_inside_a_transaction_gets_the_full_check(kept):
    kept.connection.execute("BEGIN")
    try:
        assert not quietly_idle(kept.connection)
    finally:
        kept.connection.execute("ROLLBACK")
    assert quietly_idle(kept.connection)
