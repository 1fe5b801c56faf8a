"""Reading stored instants that lie outside the accepted years (``core.dates``).

Rows written before dates were bounded may hold a year BC or 9999, which psycopg cannot load ("timestamp
too small") or which overflows once shifted to a clinic's zone. Every timestamp the database returns
passes through here, so the calendar, availability and time-off pages read such a row as the nearest
accepted instant (with a log line) instead of failing.
"""

from __future__ import annotations

import logging

from django.db.backends.signals import connection_created
from psycopg import DataError
from psycopg.types.datetime import TimestamptzLoader

from .dates import FIRST_INSTANT, LAST_INSTANT, clamp_instant

logger = logging.getLogger(__name__)


class BoundedTimestamptzLoader(TimestamptzLoader):
    # Django compares this with the connection's zone before each cursor; UTC is what it sets.
    timezone = None

    def load(self, data):
        try:
            value = super().load(data)
        except DataError:
            text = bytes(data).decode(errors="replace")
            logger.warning("A stored time beyond what can be read was read as the nearest bound: %s", text)
            return FIRST_INSTANT if ("BC" in text or "too small" in text) else LAST_INSTANT
        value = clamp_instant(value)
        return value.replace(tzinfo=self.timezone) if self.timezone is not None else value


def use_bounded_timestamps(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    zone = connection.timezone

    class Loader(BoundedTimestamptzLoader):
        timezone = zone

    connection.connection.adapters.register_loader("timestamptz", Loader)


def connect() -> None:
    connection_created.connect(use_bounded_timestamps, dispatch_uid="core.stored_times")
