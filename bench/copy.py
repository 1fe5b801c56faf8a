"""Bulk loading with PostgreSQL COPY, through the same tables, constraints and triggers as real data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` into ``model``'s table; returns how many were written."""
    table = model._meta.db_table
    names = ", ".join(f'"{model._meta.get_field(c).column}"' for c in columns)
    sql = f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - table and columns come from model metadata
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def reserve_ids(model, count: int) -> range:
    """Reserve a block of ``count`` primary keys from the table's identity sequence (one writer only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        if count > 1:
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return range(first, first + count)
