"""A patient's message preferences in a real browser: from the account menu to saved switches, and an
email's unsubscribe link followed without signing in; axe-core on both pages."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from tests.factories import PASSWORD, link_patient_login, make_user

from .helpers import axe_violations, format_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_chooses_messages_in_the_portal(new_context, alpha, screenshot):
    from plugins.notifications.models import NotificationSettings, PatientPreference

    with scopes_disabled():
        NotificationSettings.objects.create(organization=alpha.org, clinic=alpha.clinic, sms_enabled=True)
        link_patient_login(alpha.patient, make_user("erin-portal@alpha.test"))
    page = new_context().new_page()
    page.goto(f"/c/{alpha.clinic.slug}/account/login/")
    page.get_by_label("Email").fill("erin-portal@alpha.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Message preferences").click()
    expect(page.get_by_role("heading", name="Message preferences", level=1)).to_be_visible()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    page.get_by_label("I agree to receive text messages").check()
    page.get_by_label("Appointment reminder by email").uncheck()
    screenshot(page, "notifications_portal_preferences.png")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your message preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Appointment reminder by email")).not_to_be_checked()
    expect(page.get_by_label("Appointment reminder by text message")).to_be_checked()
    with scope(organization=alpha.org.pk):
        alpha.patient.refresh_from_db()
        assert alpha.patient.consent_sms
        reminder = PatientPreference.objects.get(
            organization=alpha.org, patient=alpha.patient, message_type="appointment_reminder"
        )
        assert (reminder.email, reminder.sms) == (False, True)


def test_unsubscribe_link_without_signing_in(new_context, alpha, screenshot):
    from plugins.notifications import unsubscribe
    from plugins.notifications.models import PatientPreference

    with scopes_disabled():
        token = unsubscribe.token_for(alpha.clinic, alpha.patient, "appointment_reminder")
    page = new_context().new_page()
    page.goto(f"/public/notifications/unsubscribe/{token}/")
    expect(page.get_by_role("heading", name="Stop these emails", level=1)).to_be_visible()
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_role("heading", name="You will not receive these emails any more")).to_be_visible()
    screenshot(page, "notifications_unsubscribed.png")
    with scope(organization=alpha.org.pk):
        assert not PatientPreference.objects.get(
            organization=alpha.org, patient=alpha.patient, message_type="appointment_reminder"
        ).email
