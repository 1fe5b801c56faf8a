"""Arabic, right to left, as its readers see it on a desktop and on a phone: the office calendar week, the
patient chart and the portal's booking page. The page says dir="rtl", the office's sidebar sits on the
right, nothing scrolls sideways, and phone numbers keep their left-to-right digits. The same calendar is
photographed in German beside it. Each page is photographed at both sizes."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope
from playwright.sync_api import Page, expect
from wagtail.models import Locale

from core.tenancy.models import Role
from plugins.scheduling.models import BookingPolicy, OnlineMode
from plugins.scheduling.services.booking import book_appointment
from plugins.scheduling.services.catalogue import create_service
from plugins.scheduling.services.working_time import add_working_hours
from portal_site.models import BookingPage, ClinicHomePage
from portal_site.provisioning import provision_clinic_site
from tests.factories import PASSWORD, add_member, make_org, make_patient, make_user

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
DUBAI = ZoneInfo("Asia/Dubai")
_emails = itertools.count()

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"


def arabic_clinic():
    """A Dubai clinic whose people read Arabic: a doctor with a week of hours and two booked patients."""
    org, (clinic,) = make_org("Nakheel", clinics=("Marina",))  # web addresses keep Latin letters
    org.name, org.default_locale = "عيادة النخيل", "ar"
    org.save()
    clinic.name, clinic.timezone, clinic.locale = "دبي مارينا", "Asia/Dubai", "ar"
    clinic.phone = "+971 4 123 4567"
    clinic.save()
    provision_clinic_site(clinic)
    doctor_email = f"doctor-{next(_emails)}@nakheel.test"
    day = datetime.now(DUBAI).date() + timedelta(days=7)
    day -= timedelta(days=day.weekday() - 1)
    with scope(organization=org.pk):
        doctor = add_member(
            org,
            make_user(doctor_email, full_name="د. ليلى حداد", preferred_language="ar"),
            Role.PRACTITIONER,
            [clinic],
        )
        for weekday in range(7):
            add_working_hours(clinic, doctor, weekday=weekday, start_time=time(8), end_time=time(18))
        BookingPolicy.objects.create(
            organization=org, clinic=clinic, min_notice_minutes=0, online_mode=OnlineMode.INSTANT
        )
        service = create_service(
            clinic, practitioners=[doctor], name="فحص عام", duration_minutes=30, price=250
        )
        patient = make_patient(clinic, "سارة", "العلي", phone="+971 50 765 4321")
        book_appointment(
            clinic=clinic,
            practitioner=doctor,
            patient=patient,
            service=service,
            start=datetime.combine(day, time(10), tzinfo=DUBAI),
        )
    return clinic, doctor, patient, day, doctor_email


def clinic_home_of(clinic):
    from django.db.models import Q

    home = ClinicHomePage.objects.filter(clinic=clinic).order_by("pk").first()
    return Q(path__startswith=home.path)


def sign_in_arabic(page: Page, email: str) -> None:
    page.goto("/accounts/login/?lang=ar")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/office/")


def reads_right_to_left(page: Page, width: int) -> None:
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    assert page.evaluate("() => document.documentElement.lang") == "ar"
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways ({scroll}px wide at {width}px)"


def sidebar_on_the_right(page: Page) -> None:
    aside, main = page.locator("aside").bounding_box(), page.locator("main#main").bounding_box()
    assert aside["x"] > main["x"], f"sidebar {aside} is not right of the content {main}"


@pytest.mark.parametrize("size", SIZES)
def test_office_calendar_week_and_chart_in_arabic(new_context, screenshot, size):
    clinic, doctor, patient, day, doctor_email = arabic_clinic()
    width = SIZES[size]["width"]
    page = new_context(viewport=SIZES[size]).new_page()
    sign_in_arabic(page, doctor_email)

    page.goto(f"/office/c/{clinic.slug}/scheduling/?view=week&date={day.isoformat()}")
    reads_right_to_left(page, width)
    if size == "desktop":
        sidebar_on_the_right(page)
        # The hour axis is the first column, which in Arabic is the rightmost one.
        axis = page.locator(".cal-axis").first.bounding_box()
        column = page.locator("[data-drop-column]").first.bounding_box()
        assert axis["x"] > column["x"], "the hour axis is not on the right"
    expect(page.locator("[data-appointment]").first).to_contain_text("سارة")
    screenshot(page, f"rtl_calendar_week_{size}.png")

    page.goto(f"/office/patients/{patient.pk}/")
    reads_right_to_left(page, width)
    phone = page.locator("bdi", has_text="+971 50 765 4321").first
    expect(phone).to_be_visible()
    assert phone.get_attribute("dir") == "ltr"
    if size == "desktop":
        sidebar_on_the_right(page)
    screenshot(page, f"rtl_patient_chart_{size}.png")


@pytest.mark.parametrize("size", SIZES)
def test_portal_booking_page_in_arabic(new_context, screenshot, size):
    clinic, _doctor, _patient, _day, _email = arabic_clinic()
    with scope(organization=clinic.organization_id):  # the editor's "Translate", then "Publish"
        booking = BookingPage.objects.get(clinic_home_of(clinic))
        arabic = booking.copy_for_translation(
            Locale.objects.get_or_create(language_code="ar")[0], copy_parents=True
        )
        arabic.title = "احجز موعداً"
        arabic.save_revision().publish()
    page = new_context(viewport=SIZES[size]).new_page()
    page.goto(f"/c/{clinic.slug}/booking?lang=ar")  # the address hreflang names for Arabic
    reads_right_to_left(page, SIZES[size]["width"])
    expect(page.get_by_role("heading", level=1)).to_have_text("احجز موعداً")
    expect(page.get_by_role("navigation")).to_contain_text("تسجيل الدخول")  # "Sign in"
    footer_phone = page.locator("footer bdi").first
    assert footer_phone.get_attribute("dir") == "ltr" and footer_phone.inner_text() == "+971 4 123 4567"
    screenshot(page, f"rtl_portal_booking_{size}.png")


def test_office_calendar_week_in_german_for_comparison(new_context, screenshot):
    clinic, doctor, _patient, day, doctor_email = arabic_clinic()
    doctor.user.preferred_language = "de"
    doctor.user.save()
    page = new_context(viewport=SIZES["desktop"]).new_page()
    sign_in_arabic(page, doctor_email)
    page.goto(f"/office/c/{clinic.slug}/scheduling/?view=week&date={day.isoformat()}")
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [
        "de",
        "ltr",
    ]
    expect(page.locator("aside")).to_contain_text("Abmelden")
    screenshot(page, "de_calendar_week_desktop.png")
