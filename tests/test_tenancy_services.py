"""The owner's changes to the organization, its clinics and its team go through core/tenancy/services.py,
whichever door they come in by (page or API): each refusal here leaves nothing half-written."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from core.tenancy import services
from core.tenancy.models import Clinic, Membership, Organization, Role
from tests.factories import PASSWORD, add_member, make_user


def test_the_last_active_clinic_cannot_be_archived(alpha):
    with scope(organization=alpha.org.pk):
        downtown, riverside = alpha.clinics
        services.set_clinic_archived(downtown, True)
        with pytest.raises(ValidationError, match="only active clinic"):
            services.set_clinic_archived(riverside, True)
        riverside.refresh_from_db()
        assert riverside.archived is False
        services.set_clinic_archived(downtown, False)  # restoring one makes the other archivable again
        services.set_clinic_archived(riverside, True)
        assert list(Clinic.objects.filter(organization=alpha.org, archived=False)) == [downtown]


def test_archiving_the_last_clinic_from_the_page_says_why_and_changes_nothing(alpha, login):
    client = login(alpha.owner)
    downtown, riverside = alpha.clinics
    archived = client.post(f"/office/settings/clinics/{downtown.slug}/archive/", {"archived": "1"})
    assert archived.status_code == 302
    response = client.post(
        f"/office/settings/clinics/{riverside.slug}/archive/", {"archived": "1"}, follow=True
    )
    assert "only active clinic" in response.content.decode()
    with scopes_disabled():
        riverside.refresh_from_db()
    assert riverside.archived is False


def test_the_api_refuses_archiving_the_last_clinic_with_the_uniform_error(alpha, login):
    client = login(alpha.owner)
    downtown, riverside = alpha.clinics
    assert client.post(f"/api/v1/clinics/{downtown.pk}/archive").status_code == 200
    response = client.post(f"/api/v1/clinics/{riverside.pk}/archive")
    assert response.status_code == 422
    assert "only active clinic" in response.json()["error"]["message"]


def test_clinic_edit_refuses_a_taken_short_name_and_writes_nothing(alpha, beta):
    with scope(organization=alpha.org.pk):
        clinic = alpha.clinic
        with pytest.raises(ValidationError) as refused:
            services.update_clinic(clinic, slug=beta.clinic.slug, name="Renamed")
        assert "already in use" in str(refused.value.message_dict["slug"])
        clinic.refresh_from_db()
        assert clinic.name != "Renamed"


def test_clinic_edit_validates_fields_and_refuses_fields_it_does_not_own(alpha):
    with scope(organization=alpha.org.pk):
        clinic = alpha.clinic
        with pytest.raises(ValidationError) as refused:
            services.update_clinic(clinic, timezone="Mars/Olympus")
        assert "timezone" in refused.value.message_dict
        with pytest.raises(ValidationError, match="cannot be changed here"):
            services.update_clinic(clinic, organization_id=999)
        saved = services.update_clinic(clinic, slug="alpha-main", name="Alpha Main", city="Porto")
        clinic.refresh_from_db()
        assert (
            (clinic.slug, clinic.name, clinic.city)
            == ("alpha-main", "Alpha Main", "Porto")
            == (
                saved.slug,
                saved.name,
                saved.city,
            )
        )


def test_organization_settings_refuse_an_out_of_range_idle_time(alpha):
    with pytest.raises(ValidationError) as refused:
        services.update_organization(alpha.org, name="Changed", session_idle_minutes=2)
    assert "session_idle_minutes" in refused.value.message_dict
    alpha.org.refresh_from_db()
    assert alpha.org.name == "Alpha"
    with pytest.raises(ValidationError, match="cannot be changed here"):
        services.update_organization(alpha.org, next_record_number=1)
    services.update_organization(alpha.org, name="Alpha Care", session_idle_minutes=30)
    assert Organization.objects.get(pk=alpha.org.pk).session_idle_minutes == 30


def test_organization_settings_page_saves_through_the_service(alpha, login):
    client = login(alpha.owner)
    data = {"name": "Alpha Care", "default_locale": "en", "session_idle_minutes": "45"}
    # Sign-in security changes only with the owner's password (or a current code).
    refused = client.post("/office/settings/organization/", data)
    assert refused.status_code == 400 and "Enter your password or a current code" in refused.content.decode()
    wrong = client.post("/office/settings/organization/", {**data, "confirm_password": "not-it"})
    assert wrong.status_code == 400 and "password is not correct" in wrong.content.decode()
    data["confirm_password"] = PASSWORD
    assert client.post("/office/settings/organization/", data).status_code == 302
    assert client.post("/office/settings/organization/", {**data, "name": ""}).status_code == 400
    alpha.org.refresh_from_db()
    assert (alpha.org.name, alpha.org.session_idle_minutes) == ("Alpha Care", 45)


def test_the_last_owner_cannot_be_deactivated_or_demoted_by_the_service(alpha):
    with scope(organization=alpha.org.pk):
        owner = alpha.memberships["owner"]
        with pytest.raises(ValidationError, match="at least one active owner"):
            services.set_member_active(owner, False)
        with pytest.raises(ValidationError, match="at least one owner"):
            services.change_member(owner, role=Role.STAFF)
        owner.refresh_from_db()
        assert owner.role == Role.OWNER and owner.is_active
        # With a second owner, the first may step down.
        add_member(alpha.org, make_user("second-owner@alpha.test"), Role.OWNER, alpha.clinics)
        services.change_member(owner, role=Role.STAFF)
        assert Membership.objects.get(pk=owner.pk).role == Role.STAFF


def test_a_module_that_does_not_exist_cannot_be_switched(alpha):
    with scope(organization=alpha.org.pk), pytest.raises(ValidationError, match="no module called"):
        services.set_module_enabled(alpha.clinic, "teleportation", True)


def test_profile_edits_go_through_the_service(alpha, login):
    with scope(organization=alpha.org.pk):
        staff = alpha.memberships["staff"]
        with pytest.raises(ValidationError, match="cannot be changed here"):
            services.update_profile(staff, role=Role.OWNER)
        with pytest.raises(ValidationError) as refused:
            services.update_profile(staff, title="x" * 101)
        assert "title" in refused.value.message_dict
        staff.refresh_from_db()
        assert staff.role == Role.STAFF and staff.title == ""
        client = login(alpha.staff)
        response = client.post(
            f"/office/team/{staff.pk}/",
            {"display_name": "Front Desk Fi", "title": "Receptionist", "languages": "en"},
        )
        assert response.status_code == 302
        staff.refresh_from_db()
        assert (staff.display_name, staff.title) == ("Front Desk Fi", "Receptionist")


def test_a_profile_is_edited_by_its_member_or_the_owner_only(alpha, login):
    staff = alpha.memberships["staff"]
    page = f"/office/team/{staff.pk}/"
    data = {"display_name": "Fi", "title": "Front desk", "languages": "en"}
    assert login(alpha.practitioner).post(page, data).status_code == 403
    assert login(alpha.practitioner).get(page).status_code == 403
    assert login(alpha.owner).post(page, {**data, "title": "Head of front desk"}).status_code == 302
    with scopes_disabled():
        staff.refresh_from_db()
    assert staff.title == "Head of front desk"


@pytest.mark.django_db(transaction=True)
def test_two_owners_archiving_the_last_two_clinics_at_once_leave_one_active():
    """Each archiving locks the organization first, so the second one sees the first and is refused."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from tests.factories import make_org

    with scopes_disabled():
        org, clinics = make_org("Twin", clinics=("East", "West"))
    barrier = threading.Barrier(2)

    def archive(clinic):
        try:
            with scope(organization=org.pk):
                barrier.wait(timeout=10)
                services.set_clinic_archived(clinic, True)
            return "archived"
        except ValidationError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(archive, clinics))
    assert outcomes == ["archived", "refused"]
    with scopes_disabled():
        assert Clinic.objects.filter(organization=org, archived=False).count() == 1


def test_switching_off_the_two_factor_rule_needs_the_owners_password(alpha):
    from core.office.forms import OrganizationForm

    Organization.objects.filter(pk=alpha.org.pk).update(require_two_factor=True)
    alpha.org.refresh_from_db()
    data = {
        "name": "Alpha",
        "default_locale": "en",
        "session_idle_minutes": alpha.org.session_idle_minutes or "",
    }
    refused = OrganizationForm(data, instance=alpha.org, user=alpha.owner)
    assert not refused.is_valid() and "confirm_password" in refused.errors
    allowed = OrganizationForm({**data, "confirm_password": PASSWORD}, instance=alpha.org, user=alpha.owner)
    assert allowed.is_valid(), allowed.errors
    # Renaming alone changes nothing about sign-in: no password asked.
    alpha.org.refresh_from_db()  # the forms above wrote their values onto the instance
    kept = OrganizationForm(
        {**data, "require_two_factor": "on", "name": "Alpha Care"}, instance=alpha.org, user=alpha.owner
    )
    assert kept.is_valid(), kept.errors
