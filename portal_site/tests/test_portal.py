"""The portal: a site per clinic, routing by path and by verified domain, theme contrast, CMS narrowing,
patient registration and linking, booking, my appointments, caching."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core.compliance.consents import GENERIC_NOTICE_VERSION
from core.patients.models import PatientAccount
from core.tenancy.models import Clinic
from portal_site.models import BookingPage, ClinicHomePage, PortalSettings
from portal_site.theme import NEUTRAL_DARK, accessible_brand, contrast_with_white
from tests.factories import PASSWORD


def home_of(clinic):
    with scope(organization=clinic.organization_id):
        return ClinicHomePage.objects.get(organization_id=clinic.organization_id, clinic=clinic)


def test_new_clinic_gets_a_populated_site(alpha):
    home = home_of(alpha.clinic)
    with scope(organization=alpha.org.pk):
        slugs = sorted(p.slug for p in home.get_children())
        assert PortalSettings.objects.filter(site__root_page=home).exists()
    assert slugs == ["booking", "contact", "privacy", "services", "team", "terms"]
    assert home.organization_id == alpha.org.pk


def test_pages_served_under_clinic_path(alpha, beta):
    client = Client()
    response = client.get(f"/c/{alpha.clinic.slug}/")
    assert response.status_code == 200
    assert alpha.clinic.name in response.content.decode()
    assert beta.clinic.name not in response.content.decode()
    assert client.get(f"/c/{alpha.clinic.slug}/contact").status_code == 200
    assert client.get(f"/c/{alpha.clinic.slug}/team").status_code == 200
    assert client.get(f"/c/{alpha.clinic.slug}/nope").status_code == 404
    assert client.get("/c/no-such-clinic/").status_code == 404


def test_practitioners_page_lists_only_this_clinics_practitioners(alpha, beta):
    body = Client().get(f"/c/{alpha.clinic.slug}/team").content.decode()
    assert "Alpha Doctor" in body
    assert "Beta Doctor" not in body
    assert "Alpha Front" not in body  # staff are not practitioners


def test_verified_domain_routes_to_its_clinic_and_unknown_hosts_get_a_neutral_page(alpha, beta, settings):
    from core.domains.models import ClinicDomain

    with scopes_disabled():
        ClinicDomain.objects.create(
            organization=alpha.org,
            clinic=alpha.clinic,
            hostname="www.alpha-clinic.test",
            verified_at=timezone.now(),
        )
        ClinicDomain.objects.create(
            organization=beta.org, clinic=beta.clinic, hostname="unverified.beta.test"
        )
    client = Client()
    response = client.get("/", HTTP_HOST="www.alpha-clinic.test")
    assert response.status_code == 200 and alpha.clinic.name in response.content.decode()
    assert client.get("/contact", HTTP_HOST="www.alpha-clinic.test").status_code == 200
    settings.EHR_MAIN_HOSTS = ["testserver"]
    for host in ("unverified.beta.test", "random.example.test"):
        body = client.get("/", HTTP_HOST=host).content.decode()
        assert "No clinic site here" in body
        assert alpha.clinic.name not in body and beta.clinic.name not in body


def test_brand_colour_falls_back_to_dark_neutral_when_contrast_is_low():
    assert contrast_with_white("#1d4ed8") >= 4.5
    assert accessible_brand("#1d4ed8") == "#1d4ed8"
    assert accessible_brand("#ffeb3b") == NEUTRAL_DARK
    assert accessible_brand("not a colour") == NEUTRAL_DARK


def test_theme_applies_site_brand_colour(alpha):
    with scope(organization=alpha.org.pk):
        PortalSettings.objects.filter(organization_id=alpha.org.pk).update(brand_colour="#7c2d12")
    assert "--brand: #7c2d12" in Client().get(f"/c/{alpha.clinic.slug}/contact").content.decode()


# --- CMS ------------------------------------------------------------------------------------------------


def test_cms_editors_only_reach_their_own_clinic_tree(alpha, beta, login):
    alpha_home = home_of(alpha.clinic)
    beta_home = home_of(beta.clinic)
    beta_staff = login(beta.staff)
    assert beta_staff.get(f"/cms/pages/{beta_home.pk}/edit/").status_code == 200
    assert beta_staff.get(f"/cms/pages/{alpha_home.pk}/edit/").status_code in (403, 404)
    assert beta_staff.get(f"/cms/pages/{alpha_home.pk}/").status_code in (302, 403, 404)
    listing = beta_staff.get(f"/cms/pages/{beta_home.get_parent().pk}/").content.decode()
    assert alpha.clinic.name not in listing
    # Practitioners and patients have no CMS access.
    assert login(alpha.practitioner).get("/cms/").status_code in (302, 403)
    # Staff of Alpha Downtown are not editors of Alpha Riverside.
    riverside = home_of(alpha.clinics[1])
    assert login(alpha.staff).get(f"/cms/pages/{riverside.pk}/edit/").status_code in (403, 404)
    assert login(alpha.owner).get(f"/cms/pages/{riverside.pk}/edit/").status_code == 200


def test_new_staff_member_becomes_editor(alpha):
    from django.contrib.auth.models import Group

    from portal_site.provisioning import editor_group_name

    group = Group.objects.get(name=editor_group_name(alpha.clinic))
    members = set(group.user_set.values_list("email", flat=True))
    assert alpha.owner.email in members and alpha.staff.email in members
    assert alpha.practitioner.email not in members


def test_publish_invalidates_cached_page(alpha):
    client = Client()
    url = f"/c/{alpha.clinic.slug}/"
    assert client.get(url)["X-Portal-Cache"] == "miss"
    assert client.get(url)["X-Portal-Cache"] == "hit"
    home = home_of(alpha.clinic)
    with scope(organization=alpha.org.pk):
        home.intro = "<p>Fresh news</p>"
        home.save_revision().publish()
    response = client.get(url)
    assert response["X-Portal-Cache"] == "miss"
    assert "Fresh news" in response.content.decode()


# --- registration -------------------------------------------------------------------------------------------


def register(client, clinic, **overrides):
    data = {
        "given_name": "Nora",
        "family_name": "New",
        "date_of_birth": "1990-04-02",
        "email": "nora@example.test",
        "phone": "",
        "password": PASSWORD,
        "accept_notice": "on",
        "notice_version": GENERIC_NOTICE_VERSION,
        **overrides,
    }
    return client.post(f"/c/{clinic.slug}/account/register/", data)


def verify_from_mail(client):
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/account/verify/" in line)
    return client.get(link.replace("http://testserver", ""))


def test_registration_links_only_after_verification_and_exact_match(alpha):
    existing = alpha.patient  # Erin Alphapatient, erin@alpha.test
    with scopes_disabled():
        existing.date_of_birth = "1985-01-01"
        existing.save()
    client = Client()
    response = register(
        client,
        alpha.clinic,
        given_name="Erin",
        family_name="alphapatient",
        email="erin@alpha.test",
        date_of_birth="1985-01-01",
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not PatientAccount.objects.filter(patient=existing).exists()
    assert verify_from_mail(client).status_code == 302
    with scopes_disabled():
        assert PatientAccount.objects.get(patient=existing).user.email == "erin@alpha.test"


def test_registration_with_other_birth_date_makes_a_new_record(alpha):
    client = Client()
    register(client, alpha.clinic, given_name="Erin", family_name="Alphapatient", email="erin@alpha.test")
    verify_from_mail(client)
    with scopes_disabled():
        link = PatientAccount.objects.get(user__email="erin@alpha.test")
        assert link.patient_id != alpha.patient.pk


def test_bad_registration_input_is_refused_without_500(alpha):
    response = register(Client(), alpha.clinic, date_of_birth="2999-01-01", password="short")
    assert response.status_code == 400
    assert "date of birth" in response.content.decode()
    assert Client().get(f"/c/{alpha.clinic.slug}/account/verify/bogus/").status_code == 400


# --- booking and the patient's account ------------------------------------------------------------------
# The booking steps, "My appointments" and the data download's appointments are the scheduling module's
# (plugins/scheduling/tests/test_portal_booking.py); here, what the portal does without any module.


def test_booking_page_without_a_module_taking_bookings_says_so(alpha, django_capture_on_commit_callbacks):
    from core.tenancy.services import set_module_enabled

    with django_capture_on_commit_callbacks(execute=True), scope(organization=alpha.org.pk):
        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "scheduling", False)
    response = Client().get(f"/c/{alpha.clinic.slug}/booking/")
    assert response.status_code == 200 and "not available" in response.content.decode()
    assert "X-Portal-Cache" not in response


def test_account_page_and_data_download_of_a_patient_with_no_module_data(alpha):
    from tests.factories import link_patient_login, make_user

    with scopes_disabled():
        link_patient_login(alpha.patient, make_user("erin-portal@alpha.test"))
    client = Client()
    client.post(
        f"/c/{alpha.clinic.slug}/account/login/",
        {"username": "erin-portal@alpha.test", "password": PASSWORD},
    )
    page = client.get(f"/c/{alpha.clinic.slug}/account/appointments/").content.decode()
    assert "No appointments yet." in page
    data = client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").json()
    [part] = data["organizations"]
    assert part["organization"] == alpha.org.name and part["patient"]["family_name"] == "Alphapatient"
    assert "id" not in part["patient"] and "organization" not in part["patient"]
    assert Client().get(f"/c/{alpha.clinic.slug}/account/my-data.json").status_code == 302


def test_provision_command_is_idempotent(alpha):
    from django.core.management import call_command

    call_command("provision_portals")
    call_command("provision_portals")
    with scopes_disabled():
        assert ClinicHomePage.objects.filter(clinic=alpha.clinic).count() == 1
        assert BookingPage.objects.filter(organization=alpha.org).count() == 2
        assert Clinic.objects.count() >= 2


def test_clinic_creation_provisions_its_site_after_commit(db, django_capture_on_commit_callbacks):
    from tests.factories import make_org

    with django_capture_on_commit_callbacks(execute=True), scopes_disabled():
        org, clinics = make_org("Gamma", clinics=("Gamma Main",))
    home = home_of(clinics[0])
    assert home.title == "Gamma Main"


def test_cms_explorer_root_shows_only_own_sites(alpha, beta, login):
    body = login(beta.staff).get("/cms/pages/", follow=True).content.decode()
    assert alpha.clinic.name not in body, body[
        max(0, body.find(alpha.clinic.name) - 600) : body.find(alpha.clinic.name) + 200
    ]


def test_blocks_of_a_module_that_is_off_render_nothing(alpha, monkeypatch):
    from wagtail import blocks as wagtail_blocks

    from core.tenancy.models import ClinicModule
    from portal_site import blocks

    monkeypatch.setattr(
        blocks, "contributed_blocks", lambda: [("scheduling", "next_times", wagtail_blocks.CharBlock())]
    )
    with scope(organization=alpha.org.pk):
        assert blocks.hidden_block_names(alpha.clinic) == frozenset()
        ClinicModule.objects.create(
            organization=alpha.org, clinic=alpha.clinic, module="scheduling", enabled=False
        )
        clinic = Clinic.objects.get(pk=alpha.clinic.pk)
        assert blocks.hidden_block_names(clinic) == {"next_times"}
