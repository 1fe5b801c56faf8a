"""A clinic's home page built from the clinic's own data: the welcome, its team with "Book with" links
that open the booking page with the practitioner chosen, opening hours, prices in the clinic's currency,
the address with a map link; what search engines read (the conditions Lighthouse's SEO audit checks);
sections of a module that is off vanish; the practitioners' photos; and older home pages given the same
sections by a data migration that never overwrites an editor's work."""

from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_scopes import scope, scopes_disabled
from PIL import Image

from core.tenancy.models import Clinic, Membership
from core.tenancy.services import set_module_enabled
from portal_site.models import ClinicHomePage

pytestmark = pytest.mark.django_db

GENERIC_LINK_TEXT = {
    "click here",
    "click this",
    "go",
    "here",
    "this",
    "start",
    "right here",
    "more",
    "learn more",
}
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class PageReader(HTMLParser):
    """The parts of a page search engines and Lighthouse read: html lang, title, meta tags, head links,
    links with their text, and images."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.title = ""
        self.meta: dict[str, str] = {}
        self.head_links: list[dict] = []
        self.links: list[dict] = []
        self.images: list[dict] = []
        self._in_title = False
        self._link: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")
        elif tag == "link":
            self.head_links.append(attrs)
        elif tag == "a":
            self._link = {**attrs, "text": ""}
        elif tag == "img":
            self.images.append(attrs)
            if self._link is not None:
                self._link["text"] += attrs.get("alt", "")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._link is not None:
            self._link["text"] += data


def read(response) -> PageReader:
    reader = PageReader()
    reader.feed(response.content.decode())
    return reader


def give_clinic_details(tenant) -> Clinic:
    with scopes_disabled():
        Clinic.objects.filter(pk=tenant.clinic.pk).update(
            address_line1="12 Harbour Street",
            postal_code="10001",
            city="New York",
            country="US",
            phone="+1 212 555 0100",
            email="hello@alpha-downtown.test",
        )
        Membership.objects.filter(pk=tenant.memberships["practitioner"].pk).update(
            display_name="Daniel Adams", title="Dr.", specialty="General practice"
        )
        return Clinic.objects.get(pk=tenant.clinic.pk)


def home_url(tenant) -> str:
    return f"/c/{tenant.clinic.slug}/"


def test_a_new_clinics_home_page_shows_its_team_hours_prices_and_address(alpha, bookable):
    give_clinic_details(alpha)
    doctor = alpha.memberships["practitioner"]
    response = Client().get(home_url(alpha))
    assert response.status_code == 200
    body = response.content.decode()
    # The welcome: the clinic's name, its editable introduction and the booking button.
    assert f'<h1 id="hero-title">{alpha.clinic.name}</h1>' in body
    assert "We look forward to seeing you." in body
    assert 'class="hero-placeholder"' in body  # no photo chosen yet
    # The team, with a link that opens the booking page with the practitioner chosen.
    assert "Dr. Daniel Adams" in body and "General practice" in body
    assert (
        f'href="/c/{alpha.clinic.slug}/booking/?practitioner={doctor.pk}">Book with Dr. Daniel Adams</a>'
        in body
    )
    # Opening hours from the working hours, and the price in the clinic's currency.
    assert "Opening hours" in body and "00:00–23:59" in body and "Times in" in body
    assert "Check-up</td><td>30 min</td><td>$40.00</td>" in body
    # The address as the country writes it, with a plain link to the map; phone and email.
    assert "12 Harbour Street<br>New York 10001" in body
    assert (
        'href="https://www.openstreetmap.org/search?query=12+Harbour+Street%2C+10001%2C+New+York%2C+US"'
        in body
    )
    assert 'href="tel:+1 212 555 0100"' in body and 'href="mailto:hello@alpha-downtown.test"' in body
    assert "<iframe" not in body and "<script" not in body


def test_the_home_page_meets_what_search_engines_check(alpha, bookable):
    give_clinic_details(alpha)
    response = Client().get(home_url(alpha))
    assert response.status_code == 200
    page = read(response)
    assert page.lang == "en"
    assert page.meta["viewport"] == "width=device-width, initial-scale=1"
    assert "noindex" not in page.meta.get("robots", "")
    # A descriptive title, and a description made from the clinic's name and city until an editor writes one.
    assert page.title == f"{alpha.clinic.name} · Clinic in New York"
    assert page.meta["description"].startswith(f"{alpha.clinic.name} in New York: our team, opening hours")
    # Every link can be followed by a crawler and says where it leads.
    assert page.links
    for link in page.links:
        href = link.get("href", "")
        assert href and not href.startswith("javascript:"), link
        text = (link["text"] or link.get("aria-label", "")).strip().lower()
        assert text and text not in GENERIC_LINK_TEXT, link
    for image in page.images:
        assert "alt" in image, image
    rels = {}
    for link in page.head_links:
        rels.setdefault(link.get("rel"), []).append(link)
    # hreflang: shipped language codes (or x-default), each an absolute address.
    for alternate in rels["alternate"]:
        assert alternate["hreflang"] in LANGUAGE_CODES | {"x-default"}, alternate
        assert alternate["href"].startswith("http://testserver/"), alternate
    assert [link["href"] for link in rels["canonical"]] == [f"http://testserver{home_url(alpha)}"]
    (icon,) = rels["icon"]
    assert icon["type"] == "image/svg+xml" and icon["href"].endswith("portal/favicon.svg")
    assert finders.find("portal/favicon.svg")


def test_an_editors_search_description_and_title_win(alpha):
    with scope(organization=alpha.org.pk):
        home = ClinicHomePage.objects.get(clinic=alpha.clinic)
        home.search_description = "Family doctors by the harbour, open on Saturdays."
        home.seo_title = "Alpha Downtown family doctors"
        home.save_revision().publish()
    page = read(Client().get(home_url(alpha)))
    assert page.meta["description"] == "Family doctors by the harbour, open on Saturdays."
    assert page.title == "Alpha Downtown family doctors"
    # Other pages describe themselves too.
    team = read(Client().get(f"{home_url(alpha)}team/"))
    assert team.meta["description"].startswith(alpha.clinic.name)


def test_sections_of_a_module_that_is_off_vanish(alpha, bookable, django_capture_on_commit_callbacks):
    give_clinic_details(alpha)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        clinic = Clinic.objects.get(pk=alpha.clinic.pk)
        set_module_enabled(clinic, "scheduling", False)
        # The test suite's example module serves a booking page too.
        set_module_enabled(clinic, "example", False)
    body = Client().get(home_url(alpha)).content.decode()
    assert "Dr. Daniel Adams" in body and "12 Harbour Street" in body
    assert "Book with" not in body and "booking/" not in body
    assert 'class="card opening-hours"' not in body and "$40.00" not in body


def test_no_booking_link_when_the_clinic_takes_no_online_bookings(alpha, bookable):
    from plugins.scheduling.models import BookingPolicy, OnlineMode

    with scopes_disabled():
        BookingPolicy.objects.filter(clinic=alpha.clinic).update(online_mode=OnlineMode.OFF)
    body = Client().get(home_url(alpha)).content.decode()
    assert "Book with" not in body


def test_a_practitioners_link_opens_the_booking_page_with_them_chosen(alpha, beta, bookable):
    doctor = alpha.memberships["practitioner"]
    url = f"{home_url(alpha)}booking/"
    body = Client().get(url, {"practitioner": doctor.pk}).content.decode()
    assert f'<input type="hidden" name="practitioner" value="{doctor.pk}">' in body
    assert "Choose a service to see their free times." in body
    # The next step shows that practitioner chosen, with their free times.
    body = Client().get(url, {"practitioner": doctor.pk, "service": bookable.pk}).content.decode()
    assert f'<option value="{doctor.pk}" selected>' in body
    # Someone who is not a practitioner taking online bookings here is ignored, never an error.
    for other in (beta.memberships["practitioner"].pk, alpha.memberships["staff"].pk, "abc", "-1", "9" * 30):
        response = Client().get(url, {"practitioner": other})
        assert response.status_code == 200
        assert 'name="practitioner" value=' not in response.content.decode()


def photo_file(name="photo.png") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (30, 60, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_practitioners_photos_are_served_for_the_clinics_team_only(alpha, beta, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        for tenant in (alpha, beta):
            for role in ("practitioner", "staff"):
                member = tenant.memberships[role]
                member.photo = photo_file()
                member.save()
    doctor = alpha.memberships["practitioner"]
    body = Client().get(home_url(alpha)).content.decode()
    found = re.search(rf'src="(/c/{alpha.clinic.slug}/people/{doctor.pk}/photo/\?v=\w+)"', body)
    assert found, body
    assert 'alt="Photo of Alpha Doctor"' in body
    response = Client().get(found.group(1))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # A staff member's photo, another organization's practitioner, or a practitioner of another clinic
    # asked for at this one: the same 404 as a photo that does not exist.
    for clinic_slug, member_id in [
        (alpha.clinic.slug, alpha.memberships["staff"].pk),
        (alpha.clinic.slug, beta.memberships["practitioner"].pk),
        (beta.clinic.slug, doctor.pk),
        (alpha.clinic.slug, 999999999),
    ]:
        assert Client().get(f"/c/{clinic_slug}/people/{member_id}/photo/").status_code == 404


def test_older_home_pages_get_the_sections_unless_an_editor_started_on_them(alpha, beta):
    migration = importlib.import_module("portal_site.migrations.0006_existing_home_pages_get_sections")
    with scopes_disabled():
        untouched = ClinicHomePage.objects.get(clinic=alpha.clinic)
        untouched.body = []
        untouched.save_revision().publish()
        edited = ClinicHomePage.objects.get(clinic=alpha.clinics[1])
        edited.body = [("paragraph", "<p>Our own words</p>")]
        edited.save_revision().publish()
        drafted = ClinicHomePage.objects.get(clinic=beta.clinic)
        drafted.body = []
        drafted.save_revision().publish()
        drafted.body = [("paragraph", "<p>Work in progress</p>")]
        drafted.save_revision()  # a draft, not published
        drafted = ClinicHomePage.objects.get(pk=drafted.pk)
        drafted.body = []
        ClinicHomePage.objects.filter(pk=drafted.pk).update(body=[])

        assert migration.give_home_pages_their_sections(django_apps, None) == 1

        untouched = ClinicHomePage.objects.get(pk=untouched.pk)
        assert [block.block_type for block in untouched.body] == [
            "team",
            "opening_hours",
            "price_list",
            "contact",
        ]
        # The editor sees in the CMS what visitors see.
        latest = untouched.get_latest_revision_as_object()
        assert [block.block_type for block in latest.body] == [
            "team",
            "opening_hours",
            "price_list",
            "contact",
        ]
        assert [block.block_type for block in ClinicHomePage.objects.get(pk=edited.pk).body] == ["paragraph"]
        assert len(ClinicHomePage.objects.get(pk=drafted.pk).body) == 0
    body = Client().get(home_url(alpha)).content.decode()
    assert "Our team" in body and "Find us" in body
