"""Fixtures for the deployment tests: throwaway databases seeded by the real commands (see support.py)."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.deploy.support import UNVERIFIED_DOMAIN, VERIFIED_DOMAIN, Postgres, manage, product_env


@pytest.fixture(scope="session")
def postgres(django_db_setup, django_db_blocker) -> Postgres:
    return Postgres(connections["default"].settings_dict)


@pytest.fixture(scope="session")
def seeded_template(postgres, django_db_setup, django_db_blocker, tmp_path_factory) -> str:
    """A database migrated, with its cache table, and seeded with the demo data by the real commands
    (settings.prod)."""
    with django_db_blocker.unblock():
        test_db = connections["default"].settings_dict["NAME"]
        # A database can only be used as a template while nobody is connected to it.
        connections.close_all()
        name = postgres.clone(test_db, "ehr_deploy_seeded")
    try:
        env = product_env(postgres.url(name), tmp_path_factory.mktemp("seed-var"))
        migrated = manage(env, "migrate", "--no-input")
        assert "No migrations to apply" in migrated.stdout, migrated.stdout
        # As deploy/entrypoint.sh does before serving: settings.prod's cache lives in this table.
        manage(env, "createcachetable")
        manage(env, "seed_demo")
        # One verified and one pending custom domain for Alpha Downtown.
        postgres.query(
            name,
            """
            INSERT INTO domains_clinicdomain (organization_id, clinic_id, hostname, verified_at, created_at)
            SELECT organization_id, id, %s, now(), now() FROM tenancy_clinic WHERE slug = 'alpha-downtown'
            UNION ALL
            SELECT organization_id, id, %s, NULL, now() FROM tenancy_clinic WHERE slug = 'alpha-downtown'
            RETURNING id
            """,
            (VERIFIED_DOMAIN, UNVERIFIED_DOMAIN),
        )
    except BaseException:
        postgres.drop(name)
        raise
    yield name
    postgres.drop(name)


@pytest.fixture
def seeded_database(postgres, seeded_template):
    """A fresh copy of the seeded database for one test, dropped afterwards."""
    name = postgres.clone(seeded_template, "ehr_deploy_test")
    yield name
    postgres.drop(name)
