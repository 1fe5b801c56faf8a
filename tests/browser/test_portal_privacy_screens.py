"""The patient's privacy screens in the portal, on a desktop and a phone: the practice's privacy notice
asked again after it changed, and “Erase my data” from the request to the decision with the legal ground
of what the law keeps. Screenshots are stored for review."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from core.accounts.models import User
from core.compliance import erasure
from core.compliance.consents import record_notice_consent
from core.compliance.models import ErasureRequest
from core.tenancy.models import Organization
from tests.factories import PASSWORD, link_patient_login, make_user
from tests.test_isolation_pages import make_records_objects

from .helpers import axe_violations, format_violations
from .test_schedule_screens import SIZES, fits_the_width, reachable

pytestmark = pytest.mark.django_db(transaction=True)


def portal_sign_in(page, tenant, email):
    page.goto(f"/c/{tenant.clinic.slug}/account/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def to_germany(tenant):
    with scopes_disabled():
        Organization.objects.filter(pk=tenant.org.pk).update(country="DE")


@pytest.mark.parametrize("size", SIZES)
def test_a_changed_privacy_notice_is_asked_before_the_account(new_context, alpha, screenshot, size):
    email = f"notice-{size}@alpha.test"
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user(email))  # agreed to the general notice
    to_germany(alpha)  # the practice's notice is now the German pack's
    page = new_context(viewport=SIZES[size]).new_page()
    portal_sign_in(page, alpha, email)

    expect(page.get_by_role("heading", name="Our privacy notice has changed")).to_be_visible()
    expect(page.get_by_test_id("notice-text")).to_contain_text("Art. 17")
    agree = page.get_by_test_id("agree-notice")
    reachable(page, agree)
    fits_the_width(page, SIZES[size]["width"])
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"portal-privacy-notice-changed-{size}.png")

    agree.click()
    expect(page.get_by_text("Your agreement to the privacy notice is recorded.")).to_be_visible()
    expect(page).to_have_url(f"{page.url.split('/c/')[0]}/c/{alpha.clinic.slug}/account/appointments/")


@pytest.mark.parametrize("size", SIZES)
def test_the_patient_asks_for_erasure_and_reads_the_decision(new_context, alpha, screenshot, size):
    email = f"erase-{size}@alpha.test"
    with scopes_disabled():
        link_patient_login(alpha.patient, make_user(email))
    to_germany(alpha)
    with scopes_disabled():
        record_notice_consent(User.objects.get(email=email), alpha.org, "DE-2026-01")
        with scope(organization=alpha.org.pk):
            make_records_objects(alpha)
    width = SIZES[size]["width"]
    page = new_context(viewport=SIZES[size]).new_page()
    portal_sign_in(page, alpha, email)
    page.get_by_role("link", name="Erase my data").click()

    expect(page.get_by_role("heading", name="Erase my data", level=1)).to_be_visible()
    page.get_by_label("Message to the practice (optional)").fill("I am moving abroad.")
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"portal-erasure-ask-{size}.png")
    page.get_by_role("button", name="Ask for erasure").click()

    expect(page.get_by_test_id("erasure-confirm")).to_contain_text("I am moving abroad.")
    send = page.get_by_test_id("confirm-erasure")
    reachable(page, send)
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"portal-erasure-confirm-{size}.png")
    send.click()

    expect(page.get_by_text("Your request is sent to Alpha")).to_be_visible()
    expect(page.get_by_test_id("erasure-request")).to_contain_text("Waiting for a decision")
    screenshot(page, f"portal-erasure-waiting-{size}.png")

    with scopes_disabled():
        recorded = ErasureRequest.objects.get(patient=alpha.patient)
    with scope(organization=alpha.org.pk):
        erasure.carry_out(recorded, by=alpha.owner)
    page.reload()
    outcome = page.get_by_test_id("erasure-outcome")
    expect(outcome).to_contain_text("§ 630f Abs. 3 BGB")
    expect(outcome).to_contain_text("Kept until")
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"portal-erasure-decided-{size}.png")
