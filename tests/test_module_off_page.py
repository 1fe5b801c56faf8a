"""An old link to a module switched off at the member's own clinic says so; anything else stays a 404."""

import pytest
from django_scopes import scopes_disabled

from core.tenancy.services import set_module_enabled

SWITCHED_OFF = "Billing is switched off for"


def billing(clinic) -> str:
    return f"/office/c/{clinic.slug}/billing/"


@pytest.fixture
def billing_off(alpha):
    with scopes_disabled():
        for clinic in alpha.clinics:
            set_module_enabled(clinic, "billing", False)
    return alpha


@pytest.mark.django_db
def test_the_owner_is_told_and_offered_the_switch(billing_off, login):
    alpha = billing_off
    response = login(alpha.owner).get(billing(alpha.clinic))
    page = response.content.decode()
    assert response.status_code == 404
    assert f"{SWITCHED_OFF} {alpha.clinic.name}" in page
    assert f'href="/office/settings/clinics/{alpha.clinic.slug}/modules/"' in page


@pytest.mark.django_db
def test_a_member_is_told_without_the_switch(billing_off, login):
    alpha = billing_off
    client = login(alpha.staff)
    response = client.get(billing(alpha.clinic))
    page = response.content.decode()
    assert response.status_code == 404 and f"{SWITCHED_OFF} {alpha.clinic.name}" in page
    assert "/modules/" not in page
    # Nothing behind the gate runs, whatever the method.
    assert client.post(billing(alpha.clinic), {}).status_code == 404


@pytest.mark.django_db
def test_clinics_not_yours_and_missing_clinics_get_the_plain_404(billing_off, beta, login):
    alpha = billing_off
    staff = login(alpha.staff)  # works at the first clinic only
    for client, url in [
        (staff, billing(alpha.clinics[1])),
        (staff, "/office/c/no-such-clinic/billing/"),
        (login(beta.owner), billing(alpha.clinic)),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert "switched off" not in response.content.decode()


@pytest.mark.django_db
def test_the_page_speaks_the_members_language(billing_off, login):
    alpha = billing_off
    client = login(alpha.owner)
    response = client.get(billing(alpha.clinic), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert "Facturación está desactivado en" in response.content.decode()
