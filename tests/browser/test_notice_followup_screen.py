"""The owner's follow-up of the privacy notice on a desktop and a phone: from the privacy requests page's
count to the list of patients who have not agreed to the version in force, a reminder to one patient,
then to everyone listed. Screenshots are stored for review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django_scopes import scope
from playwright.sync_api import expect

from core.compliance.models import PrivacyNoticeConsent
from core.tenancy.models import Role
from tests.factories import add_member, link_patient_login, make_org, make_patient, make_user

from .helpers import axe_violations, format_violations, sign_in
from .test_schedule_screens import SIZES, fits_the_width, reachable

pytestmark = pytest.mark.django_db(transaction=True)


def practice_with_a_changed_notice():
    """A German practice (notice DE-2026-01) whose portal patients agreed to the general notice, or never."""
    org, (clinic, other) = make_org("Praxis am See", clinics=("Am See", "Altstadt"))
    org.country = "DE"
    org.save()
    for place in (clinic, other):
        place.timezone = "Europe/Berlin"
        place.save()
    with scope(organization=org.pk):
        owner = make_user("owner@amsee.test", full_name="Dr Jana Richter")
        add_member(org, owner, Role.OWNER, [clinic, other])
        people = [
            ("Eva", "Krause", clinic, "de", "GENERIC-2026-01"),
            ("Jonas", "Becker", clinic, "de", None),
            ("Aylin", "Demir", other, "en", "GENERIC-2026-01"),
            ("Marta", "Nowak-Schleiermacher", other, "en", None),
        ]
        for given, family, place, language, agreed in people:
            patient = make_patient(place, given, family, preferred_language=language)
            login = make_user(f"{given.lower()}@example.test")
            link_patient_login(patient, login, agreed_notice=False)
            if agreed:
                PrivacyNoticeConsent.objects.create(
                    organization=org, user=login, version=agreed, given_at=datetime(2026, 2, 3, 9, tzinfo=UTC)
                )
    return org


@pytest.mark.parametrize("size", SIZES)
def test_owner_sees_who_has_not_agreed_and_reminds_them(new_context, screenshot, size):
    practice_with_a_changed_notice()
    width = SIZES[size]["width"]
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in(page, "owner@amsee.test")

    page.goto("/office/settings/privacy/")
    expect(page.get_by_test_id("notice-count")).to_have_text(
        "4 patients have not agreed to version DE-2026-01."
    )
    follow = page.get_by_test_id("notice-followup-link")
    reachable(page, follow)
    follow.click()

    expect(page.get_by_role("heading", name="Privacy notice")).to_be_visible()
    rows = page.get_by_test_id("notice-patient")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Becker, Jonas")
    expect(rows.first).to_contain_text("Never")
    expect(page.get_by_test_id("notice-patients")).to_contain_text("Version GENERIC-2026-01 on 3 Feb 2026")
    fits_the_width(page, width)
    assert not (found := axe_violations(page)), format_violations(found)
    screenshot(page, f"privacy-notice-followup-{size}.png")

    remind = rows.first.get_by_test_id("remind-one")
    reachable(page, remind)
    remind.click()
    expect(page.get_by_text("A reminder is on its way to 1 patient.")).to_be_visible()
    expect(page.get_by_test_id("notice-patient").first).to_contain_text("Reminded")
    assert [m.to for m in mail.outbox] == [["jonas@example.test"]]

    page.get_by_test_id("notice-filter").get_by_label("Clinic").select_option(label="Altstadt")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("notice-patient")).to_have_count(2)
    page.get_by_test_id("remind-all").click()
    expect(page.get_by_text("Reminders are on their way to 2 patients.")).to_be_visible()
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["aylin@example.test", "marta@example.test"]
    fits_the_width(page, width)
    screenshot(page, f"privacy-notice-reminded-{size}.png")
