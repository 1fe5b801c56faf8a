"""The schema can be distributed by tenant (e.g. Citus, by organization): every tenant table carries a
NON-NULL organization column, and every unique index on it includes that column, so uniqueness can be
enforced inside one organization's shard.

Tenant tables are the tables of every model with an ``organization`` foreign key to Organization, the
pghistory event models included: their organization column is copied from the tracked row, and being
append-only logs they have no unique index besides the primary key. Primary keys are not checked here:
they are single ``id`` columns today, and docs/scaling.md describes the change Citus needs for them.
The checks read PostgreSQL's catalog (pg_index), so they cover constraints and indexes added in raw SQL as
well as those Django declares.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection, models

from core.tenancy.models import Organization


def tenant_models() -> list[type[models.Model]]:
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.is_relation and field.related_model is Organization:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def unique_indexes(table: str) -> list[tuple[str, bool, list[str | None]]]:
    """(index name, is primary key, column names in order; None for an expression) of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, x.indisprimary,
                   array_agg(a.attname ORDER BY k.position) AS columns
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
            LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
            WHERE x.indrelid = to_regclass(%s) AND x.indisunique
            GROUP BY i.relname, x.indisprimary
            ORDER BY i.relname
            """,
            [connection.ops.quote_name(table)],
        )
        return [(name, primary, list(columns)) for name, primary, columns in cursor.fetchall()]


MODELS = tenant_models()


def test_tenant_models_are_found():
    labels = {m._meta.label for m in MODELS}
    assert {"tenancy.Clinic", "patients.Patient", "domains.ClinicDomain", "accounts.ApiToken"} <= labels
    assert any(hasattr(m, "pgh_tracked_model") for m in MODELS), "pghistory event models are included"


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_organization_column_is_not_null(model):
    column = model._meta.get_field("organization").column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s "
            "AND NOT attisdropped",
            [connection.ops.quote_name(model._meta.db_table), column],
        )
        row = cursor.fetchone()
    assert row is not None, f"{model._meta.db_table} has no {column} column"
    assert row[0], f"{model._meta.db_table}.{column} allows NULL"


# Unique indexes deliberately left without the organization, each with why (docs/scaling.md lists them).
UNIQUE_WITHOUT_ORGANIZATION = {
    ("portal_site_portalsettings", "site_id"): (
        "Wagtail keys per-site settings by its platform-wide Site row (one site per clinic); under Citus "
        "this table becomes a reference table alongside wagtailcore_site"
    ),
    ("scheduling_calendarfeed", "secret_hash"): (
        "a calendar app fetches the feed with only its secret, before any organization is known, so the "
        "secret's hash names one feed platform-wide (as an API token's does)"
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_every_unique_index_includes_the_organization(model):
    table = model._meta.db_table
    column = model._meta.get_field("organization").column
    indexes = unique_indexes(table)
    assert any(primary for _name, primary, _columns in indexes), f"{table} has no primary key"
    offenders = [
        f"{name} ({', '.join(c or '<expression>' for c in columns)})"
        for name, primary, columns in indexes
        if not primary
        and column not in columns
        and not any((table, c) in UNIQUE_WITHOUT_ORGANIZATION for c in columns)
    ]
    assert not offenders, f"{table}: unique indexes without {column}: {offenders}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_many_to_many_between_tenant_tables_go_through_a_tenant_table(model):
    """An automatic many-to-many table has no organization column: use an explicit ``through`` model."""
    automatic = [f.name for f in model._meta.local_many_to_many if f.remote_field.through._meta.auto_created]
    assert not automatic, f"{model._meta.label}: {automatic} need a through model with an organization"
