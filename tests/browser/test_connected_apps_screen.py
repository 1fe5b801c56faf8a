"""A patient opens "Connected apps" on the clinic's portal, sees the app that reads their record and takes
its access back. Screenshots at desktop (1366x900) and phone (390x844) sizes."""

import pytest
from django_scopes import scopes_disabled
from oauth2_provider.models import AccessToken
from playwright.sync_api import expect

from tests.factories import PASSWORD, link_patient_login, make_tenant, make_user
from tests.fhir.conftest import app_client

from .helpers import axe_violations, format_violations

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_the_patient_takes_an_apps_access_back(transactional_db, live_server, new_context, screenshot, size):
    with scopes_disabled():
        alpha = make_tenant("Alpha")
        login = make_user(f"apps-{size}@example.test")
        link_patient_login(alpha.patient, login)
        app_client(
            alpha.org, login, "patient", "launch/patient patient/Appointment.rs patient/Observation.rs"
        )
        name = AccessToken.objects.get(user=login).application.name

    page = new_context(SIZES[size]).new_page()
    page.goto(f"/c/{alpha.clinic.slug}/account/login/?next=/c/{alpha.clinic.slug}/account/apps/")
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Apps with access to your record")).to_be_visible()
    expect(page.get_by_test_id("connected-apps")).to_contain_text("your appointments, your vital signs")
    assert not axe_violations(page), format_violations(axe_violations(page))
    screenshot(page, f"connected-apps-{size}.png")

    page.get_by_role("button", name=f"Take access back from {name}").click()
    expect(page.get_by_text(f"{name} can no longer read your record.")).to_be_visible()
    expect(page.get_by_test_id("no-connected-apps")).to_be_visible()
    assert not AccessToken.objects.filter(user=login).exists()
    screenshot(page, f"connected-apps-revoked-{size}.png")
