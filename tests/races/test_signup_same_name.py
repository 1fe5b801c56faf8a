"""Practices of the same name signed up at the same instant each get their own address."""

import pytest
from django_scopes import scopes_disabled

from core.tenancy.models import Organization
from tests.parallel_http import fire, status_counts

SIGNUPS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_signups_of_one_practice_name_all_open(live_server):
    bodies = [
        {
            "full_name": f"Owner {n}",
            "email": f"owner{n}@same-name.test",
            "password": "a-very-good-passphrase",
            "organization_name": "Same Name Physio",
            "clinic_name": f"Same Name Centre {n}",
            "timezone": "Europe/Paris",
            "currency": "EUR",
            "accept_terms": "on",
        }
        for n in range(SIGNUPS)
    ]

    responses = fire("POST", f"{live_server.url}/accounts/signup/", bodies, form=True)

    counts = status_counts(responses)
    print(f"{SIGNUPS} parallel sign-ups of one practice name: {dict(counts)}")
    assert counts == {200: SIGNUPS}
    with scopes_disabled():
        slugs = list(Organization.objects.filter(name="Same Name Physio").values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == SIGNUPS
