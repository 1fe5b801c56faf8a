"""A clinic's portal in several languages: the site is first written in the clinic's language, an editor
translates pages with Wagtail's "Translate" action, and visitors read each page in their language at the
same address, with a language switcher and hreflang links naming every language the page is published in."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scope
from wagtail.models import Locale

from core.patients.accounts import patient_in
from portal_site.models import ClinicHomePage
from portal_site.provisioning import editor_group_name
from tests.factories import link_patient_login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def server_far_from_every_clinic(settings):
    settings.TIME_ZONE = "Pacific/Kiritimati"


def first_home(clinic):
    return ClinicHomePage.objects.filter(clinic=clinic).order_by("pk").first()


def translate_team_page(clinic, language: str, title: str):
    """What an editor's "Translate" then "Publish" does: a copy of the team page (and of its home) in
    ``language``, published with a translated title."""
    with scope(organization=clinic.organization_id):
        team = first_home(clinic).get_children().get(slug="team").specific
        locale, _made = Locale.objects.get_or_create(
            language_code=language
        )  # a flushed test database has none
        copy = team.copy_for_translation(locale, copy_parents=True)
        copy.title = title
        copy.save_revision().publish()
    return copy


def test_a_new_clinics_site_is_filed_under_the_clinics_language(db):
    from portal_site.tests.conftest import make_tenant_with_sites
    from tests.factories import make_org

    org, (clinic,) = make_org("Praxis Mitte", clinics=("Mitte",))
    clinic.locale = "de"
    clinic.save()
    from portal_site.provisioning import provision_clinic_site

    home = provision_clinic_site(clinic)
    assert home.locale.language_code == "de"
    with scope(organization=org.pk):
        assert {page.locale.language_code for page in home.get_descendants()} == {"de"}
    assert make_tenant_with_sites  # the shared fixture makes English sites the same way


def test_visitors_read_a_translated_page_at_the_same_address(alpha):
    translate_team_page(alpha.clinic, "fr", "Notre équipe soignante")
    client = Client()
    english = client.get(f"/c/{alpha.clinic.slug}/team").content.decode()
    french = client.get(f"/c/{alpha.clinic.slug}/team", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Our team</h1>" in english or "Our team" in english
    assert "Notre équipe soignante" in french and "Notre équipe soignante" not in english
    assert "Se connecter" in french  # the portal's own words follow the same language
    # The menu names the page in the visitor's language too, on every page.
    assert "Notre équipe soignante" in client.get(f"/c/{alpha.clinic.slug}/?lang=fr").content.decode()


def test_a_page_not_translated_falls_back_to_the_clinics_own_text(alpha):
    translate_team_page(alpha.clinic, "fr", "Notre équipe soignante")
    html = Client().get(f"/c/{alpha.clinic.slug}/services?lang=fr").content.decode()
    assert "Services and prices" in html  # the clinic's own page, around French navigation
    assert "Se connecter" in html


def test_hreflang_links_name_each_published_language(alpha):
    translate_team_page(alpha.clinic, "de", "Unser Team")
    html = Client().get(f"/c/{alpha.clinic.slug}/team").content.decode()
    address = f"http://testserver/c/{alpha.clinic.slug}/team"
    assert f'<link rel="alternate" hreflang="en" href="{address}?lang=en">' in html
    assert f'<link rel="alternate" hreflang="de" href="{address}?lang=de">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{address}">' in html
    assert 'hreflang="fr"' not in html  # not published in French
    assert 'data-testid="language-switcher"' in html


def test_an_anonymous_visitor_without_a_choice_reads_the_clinics_language(alpha):
    alpha.clinic.locale = "es"
    alpha.clinic.save()
    html = Client().get(f"/c/{alpha.clinic.slug}/contact").content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "Iniciar sesión" in html


def test_a_patient_chooses_on_the_portal_and_it_is_remembered_on_their_account(alpha):
    user = make_user("erin-lang@portal.test")
    link_patient_login(alpha.patient, user)
    client = Client()
    client.force_login(user)
    response = client.post(f"/c/{alpha.clinic.slug}/language/", {"language": "ar", "next": "/c/x/"})
    assert response.status_code == 302
    user.refresh_from_db()
    with scope(organization=alpha.org.pk):
        patient = patient_in(user, alpha.org.pk)
    assert user.preferred_language == "ar" and patient.preferred_language == "ar"
    # Remembered on the account, not only in this browser.
    other_browser = Client()
    other_browser.force_login(user)
    html = other_browser.get(f"/c/{alpha.clinic.slug}/account/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_editors_may_edit_the_translated_tree_too(alpha):
    copy = translate_team_page(alpha.clinic, "fr", "Notre équipe")
    from wagtail.models import GroupPagePermission

    translated_home = copy.get_parent()
    assert GroupPagePermission.objects.filter(
        group__name=editor_group_name(alpha.clinic), page=translated_home
    ).exists()
