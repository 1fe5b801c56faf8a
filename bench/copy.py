"""Bulk loading with PostgreSQL COPY, through the same tables, constraints and triggers as real data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY ``rows`` (values for ``columns``) into ``model``'s table; returns how many were written.

    COPY does not know Django's defaults, so every other column gets its field's default here.
    """
    given = [model._meta.get_field(c) for c in columns]
    names = {f.name for f in given}
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.name not in names and not f.primary_key and not getattr(f, "generated", False)
    ]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    table = model._meta.db_table
    header = ", ".join(f'"{f.column}"' for f in [*given, *rest])
    sql = f"COPY {table} ({header}) FROM STDIN"  # noqa: S608 - table and columns come from model metadata
    written = 0
    batch: list[tuple] = []
    for row in rows:
        batch.append((*row, *defaults))
        if len(batch) >= BATCH:
            written += _copy(sql, batch)
            batch = []
    return written + _copy(sql, batch)


# Each batch commits on its own: the audit triggers open a subtransaction per row, and PostgreSQL slows
# down sharply once one transaction holds tens of thousands of them.
BATCH = 5000


def _copy(sql: str, batch: list[tuple]) -> int:
    if not batch:
        return 0
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in batch:
            copy.write_row(row)
    return len(batch)


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
