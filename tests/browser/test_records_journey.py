"""The practitioner's visit, charted: from today's list they start the visit, write a SOAP note from the
template (autosaved: a reload keeps the typing), record vitals and an allergy, sign the note with their
password, and add an addendum that shows next to the untouched original. Screens are kept at desktop
(1366x900) and phone (390x844) sizes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Page, expect

from plugins.records.models import Addendum, Allergy, Note, Vital
from tests.factories import PASSWORD, link_patient_login, make_tenant, make_user

from .conftest import SCREENSHOTS
from .helpers import axe_violations, format_violations, sign_in

PATIENT_EMAIL = "erin-portal@linden.test"
WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def todays_visit():
    from plugins.scheduling.models import Service, ServicePractitioner
    from plugins.scheduling.services.booking import book_appointment

    tenant = make_tenant("Linden")
    link_patient_login(tenant.patient, make_user(PATIENT_EMAIL))
    with scope(organization=tenant.org.pk):
        doctor = tenant.memberships["practitioner"]
        service = Service.objects.create(
            organization=tenant.org,
            clinic=tenant.clinic,
            name="Consultation",
            duration_minutes=30,
            price="60.00",
        )
        ServicePractitioner.objects.create(organization=tenant.org, service=service, membership=doctor)
        start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
        appointment = book_appointment(
            clinic=tenant.clinic,
            practitioner=doctor,
            patient=tenant.patient,
            service=service,
            start=start,
            by=tenant.owner,
            override=True,
        )
    return tenant, appointment


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"records-{name}.png"))


def test_practitioner_charts_a_visit(new_context, live_server):
    tenant, appointment = todays_visit()
    page = new_context(WIDE).new_page()
    sign_in(page, tenant.practitioner.email)

    page.goto(f"/office/c/{tenant.clinic.slug}/scheduling/today/")
    page.get_by_role("button", name="Start visit").click()
    expect(page.get_by_test_id("encounter")).to_contain_text("Consultation")
    expect(page.get_by_test_id("chart-header")).to_contain_text("No known allergies")

    # Vitals and an allergy first, as they are taken at the start of the visit.
    vitals = page.get_by_test_id("vitals-form")
    vitals.get_by_label("Height (cm)").fill("172")
    vitals.get_by_label("Weight (kg)").fill("-70")
    vitals.get_by_role("button", name="Record").click()
    expect(page.locator(".field-error").first).to_contain_text("not possible")
    page.get_by_label("Weight (kg)").fill("70")
    page.get_by_label("Systolic blood pressure (mmHg)").fill("128")
    page.get_by_label("Diastolic blood pressure (mmHg)").fill("82")
    page.get_by_test_id("vitals-form").get_by_role("button", name="Record").click()
    expect(page.get_by_text("Vitals recorded.")).to_be_visible()
    encounter_url = page.url

    page.get_by_test_id("chart-tabs").get_by_role("link", name="Allergies").click()
    form = page.get_by_test_id("add-allergies")
    form.get_by_label("Substance").fill("Penicillin")
    form.get_by_label("Reaction").fill("Hives")
    form.get_by_label("Severity").select_option("severe")
    form.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("chart-facts")).to_contain_text("Penicillin (Severe)")
    shoot(page, "allergies-1366")

    # The SOAP note, autosaved while typing.
    page.goto(encounter_url)
    page.get_by_label("Template").select_option(label="SOAP note")
    page.get_by_role("button", name="Write note").click()
    editor = page.get_by_test_id("note-editor")
    editor.locator("#id_f_complaint").fill("Low back pain for a week after lifting.")
    editor.get_by_label("Examination findings").fill("Paraspinal tenderness L4-5, no neurological signs.")
    editor.get_by_label("Pain score").fill("6")
    editor.locator("#id_f_assessment").fill("Mechanical low back pain.")
    editor.locator("#id_f_plan").fill("Exercises, review in two weeks.")
    expect(page.locator("[data-autosave-status]")).to_contain_text("Draft saved", timeout=10_000)
    page.wait_for_timeout(1500)  # the last keystrokes' save
    page.reload()
    expect(page.locator("#id_f_complaint")).to_have_value("Low back pain for a week after lifting.")
    expect(page.locator("#id_f_plan")).to_have_value("Exercises, review in two weeks.")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    shoot(page, "note-editor-1366")
    page.get_by_test_id("sign-form").scroll_into_view_if_needed()
    shoot(page, "note-editor-sign-1366")

    page.get_by_label("Your password").fill("wrong password")
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("That password is not right.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_test_id("note-status")).to_have_text("Locked")
    expect(page.get_by_test_id("signatures")).to_contain_text("Signed by the author")

    addendum = page.get_by_test_id("addendum-form")
    addendum.get_by_label("Reason").fill("X-ray report arrived")
    addendum.get_by_label("Addendum").fill(
        "Plan: Exercises and physiotherapy, review in two weeks.\nX-ray report: no fracture."
    )
    addendum.get_by_label("Your password").fill(PASSWORD)
    addendum.get_by_role("button", name="Sign addendum").click()
    expect(page.get_by_test_id("addendum")).to_contain_text("X-ray report arrived")
    expect(page.get_by_test_id("note-body")).to_contain_text("Mechanical low back pain.")
    page.get_by_text("Compare with the original").click()
    expect(page.get_by_test_id("addendum-diff")).to_contain_text("- Plan: Exercises, review in two weeks.")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    shoot(page, "signed-note-1366")
    page.get_by_test_id("addendum").scroll_into_view_if_needed()
    shoot(page, "addendum-1366")

    page.get_by_role("button", name="Share with the patient").click()
    expect(page.get_by_text("The patient can now read this note in their portal.")).to_be_visible()

    # The patient reads the shared note in the portal (the clinician-only field left out) and its PDF.
    patient = new_context(PHONE).new_page()
    patient.goto(f"/c/{tenant.clinic.slug}/account/login/")
    patient.get_by_label("Email").fill(PATIENT_EMAIL)
    patient.get_by_label("Password").fill(PASSWORD)
    patient.get_by_role("button", name="Sign in").click()
    patient.get_by_role("navigation", name="Your account").get_by_role("link", name="My visit notes").click()
    patient.get_by_role("link", name="SOAP note").click()
    shared = patient.get_by_test_id("shared-note")
    expect(shared).to_contain_text("Mechanical low back pain.")
    expect(shared).to_contain_text("X-ray report: no fracture.")
    expect(shared).not_to_contain_text("Differential diagnosis")
    violations = axe_violations(patient)
    assert not violations, format_violations(violations)
    shoot(patient, "portal-note-390")
    with patient.expect_download() as download_info:
        patient.get_by_role("link", name="Download PDF").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    phone = new_context(PHONE).new_page()
    sign_in(phone, tenant.practitioner.email)
    phone.goto(page.url)
    expect(phone.get_by_test_id("note-body")).to_be_visible()
    phone.get_by_test_id("note-body").scroll_into_view_if_needed()
    shoot(phone, "signed-note-390")
    phone.get_by_test_id("addendum").scroll_into_view_if_needed()
    shoot(phone, "addendum-390")
    phone.goto(f"/office/patients/{tenant.patient.pk}/")
    phone.get_by_test_id("chart-tabs").scroll_into_view_if_needed()
    shoot(phone, "chart-390")
    page.goto(f"/office/c/{tenant.clinic.slug}/records/patients/{tenant.patient.pk}/timeline/")
    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    shoot(page, "timeline-1366")
    page.goto(f"/office/c/{tenant.clinic.slug}/records/patients/{tenant.patient.pk}/vitals/")
    shoot(page, "vitals-1366")

    with scope(organization=tenant.org.pk):
        note = Note.objects.get(patient=tenant.patient)
        assert note.status == "locked" and note.content["pain"] == "6"
        assert Addendum.objects.filter(note=note).count() == 1
        assert Allergy.objects.filter(patient=tenant.patient, substance="Penicillin").exists()
        assert set(Vital.objects.filter(patient=tenant.patient).values_list("kind", flat=True)) == {
            "height",
            "weight",
            "bmi",
            "systolic",
            "diastolic",
        }
