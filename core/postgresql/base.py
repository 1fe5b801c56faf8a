"""Django's PostgreSQL backend, with a health check that costs no round trip on a quiet connection.

Connections are kept between requests (``CONN_MAX_AGE``) with ``CONN_HEALTH_CHECKS`` on, so that the first
request after a database restart does not fail on a connection the server has dropped. Django checks by
sending ``SELECT 1`` before the request's first query: one more round trip on every request that uses the
database, and on a busy two-core machine a round trip also waits its turn for the CPU.

A connection the server has dropped is not silent: when PostgreSQL ends a session (a restart, a crash, an
administrator's ``pg_terminate_backend``, an idle timeout) it sends its last message and closes the socket,
so the socket reads as ready. A healthy connection between requests has nothing to read: it is idle
outside any transaction and has received every answer it asked for (this product does not LISTEN). So the
check first looks at the socket without waiting; only when something is there (or the connection is not
idle) does it send Django's ``SELECT 1``. A server that vanished without closing the socket (a host lost
from the network) is not caught by either way before the operating system's timeouts.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


def quietly_idle(connection) -> bool:
    """Is this psycopg connection open, idle outside a transaction, with nothing sent by the server
    waiting to be read? Looks at the socket without waiting; asks the server nothing."""
    if connection.closed or connection.broken:
        return False
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # anything ready (a message, end of file, an error) needs the full check
    except (OSError, ValueError):  # no socket any more
        return False


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool  # a pool hands out only healthy connections
            and quietly_idle(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
