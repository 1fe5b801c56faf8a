"""Organization rules that must hold whatever the path: owners, clinic slugs, module dependencies, audit."""

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled
from pghistory.models import Context

from core.patients.models import Patient
from core.plugins.manager import registry
from core.plugins.types import ModuleInfo
from core.tenancy.models import Clinic, ClinicModule, Membership, Organization, Role
from tests.audit.helpers import chain_now
from tests.factories import make_patient


def test_the_last_owner_cannot_be_demoted_or_deactivated(alpha, login):
    client = login(alpha.owner)
    owner = alpha.memberships["owner"]
    response = client.post(
        f"/office/settings/members/{owner.pk}/", {"role": "staff", "clinics": [alpha.clinic.pk]}
    )
    assert response.status_code == 400
    assert "at least one owner" in response.content.decode()
    client.post(f"/office/settings/members/{owner.pk}/active/", {"active": "0"})
    with scopes_disabled():
        owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active


def test_owner_changes_a_members_role_and_clinics(alpha, login):
    client = login(alpha.owner)
    staff = alpha.memberships["staff"]
    response = client.post(
        f"/office/settings/members/{staff.pk}/",
        {"role": "practitioner", "clinics": [c.pk for c in alpha.clinics]},
    )
    assert response.status_code == 302
    with scopes_disabled():
        staff.refresh_from_db()
        assert staff.role == Role.PRACTITIONER and staff.clinics.count() == 2


def test_clinic_slug_clash_is_a_form_error_and_creates_nothing(alpha, beta, login):
    client = login(alpha.owner)
    response = client.post(
        "/office/settings/clinics/new/",
        {
            "name": "Copycat",
            "slug": beta.clinic.slug,
            "timezone": "Europe/Paris",
            "locale": "en",
            "currency": "EUR",
        },
    )
    assert response.status_code == 400
    assert "already in use" in response.content.decode()
    with scopes_disabled():
        assert not Clinic.objects.filter(name="Copycat").exists()


def test_owner_creates_and_archives_a_clinic(alpha, login):
    client = login(alpha.owner)
    response = client.post(
        "/office/settings/clinics/new/",
        {
            "name": "Alpha Uptown",
            "slug": "",
            "timezone": "America/Chicago",
            "locale": "en",
            "currency": "USD",
            "country": "us",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        clinic = Clinic.objects.get(name="Alpha Uptown")
    assert clinic.slug == "alpha-uptown" and clinic.country == "US"
    client.post(f"/office/settings/clinics/{clinic.slug}/archive/", {"archived": "1"})
    with scopes_disabled():
        clinic.refresh_from_db()
    assert clinic.archived


def test_enabling_a_module_whose_dependency_is_off_is_refused(alpha, login, monkeypatch):
    modules = dict(registry().modules)
    modules["dependent"] = ModuleInfo(slug="dependent", label="Dependent", depends_on=("example",))
    monkeypatch.setattr(registry(), "modules", modules)
    client = login(alpha.owner)
    url = f"/office/settings/clinics/{alpha.clinic.slug}/modules/"
    client.post(url, {"module": "dependent", "enabled": "1"})
    refused = client.post(url, {"module": "example", "enabled": "0"})
    assert refused.status_code == 409 and "depends on Example" in refused.content.decode()
    client.post(url, {"module": "dependent", "enabled": "0"})
    assert client.post(url, {"module": "example", "enabled": "0"}).status_code == 302
    refused = client.post(url, {"module": "dependent", "enabled": "1"})
    assert refused.status_code == 409 and "needs Example switched on first" in refused.content.decode()
    with scopes_disabled():
        switch = ClinicModule.objects.get(clinic=alpha.clinic, module="example")
    assert switch.enabled is False and switch.changed_by == alpha.owner


def test_switching_a_module_off_keeps_its_data(alpha, login):
    client = login(alpha.owner)
    client.post(
        f"/office/settings/clinics/{alpha.clinic.slug}/modules/", {"module": "example", "enabled": "0"}
    )
    client.post(
        f"/office/settings/clinics/{alpha.clinic.slug}/modules/", {"module": "example", "enabled": "1"}
    )
    with scopes_disabled():
        assert ClinicModule.objects.get(clinic=alpha.clinic, module="example").enabled


def test_every_change_is_recorded_with_who_and_where(alpha, login):
    client = login(alpha.owner)
    client.post(
        f"/office/patients/{alpha.patient.pk}/edit/",
        {
            "given_name": "Erin",
            "family_name": "Renamed",
            "version": 1,
            "consent_email": "on",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    with scopes_disabled():
        event = alpha.patient.events.order_by("-pgh_id").first()
    assert event.pgh_label == "update" and event.family_name == "Renamed"
    context = Context.objects.get(pk=event.pgh_context_id).metadata
    assert context["user"] == alpha.owner.pk and context["ip"] == "203.0.113.9"
    assert context["path"] == f"/office/patients/{alpha.patient.pk}/edit/"
    chain_now()  # the audit trail is appended at commit; a test's transaction never commits
    page = client.get("/office/settings/audit/?record_type=patients.Patient").content.decode()
    assert "Renamed" in page and alpha.owner.email in page


def test_history_is_kept_even_for_bulk_updates_and_cannot_be_edited(alpha):
    from django.db import connection, transaction

    with scope(organization=alpha.org.pk):
        Patient.objects.filter(pk=alpha.patient.pk).update(family_name="Bulk")
        events = alpha.patient.events.order_by("pgh_id")
        assert events.last().family_name == "Bulk"
        event_table = events.model._meta.db_table
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {event_table} SET family_name = 'tampered'")  # noqa: S608


def test_audit_log_never_shows_another_organizations_changes(alpha, beta, login):
    with scopes_disabled():
        Patient.objects.filter(pk=beta.patient.pk).update(family_name="Betasecret")
        Patient.objects.filter(pk=alpha.patient.pk).update(family_name="Alphachanged")
    chain_now()
    page = login(alpha.owner).get("/office/settings/audit/").content.decode()
    assert "Betasecret" not in page and "Alphachanged" in page


def test_seed_demo_is_idempotent(db):
    call_command("seed_demo")
    with scopes_disabled():
        counts = (
            Organization.objects.count(),
            Clinic.objects.count(),
            Membership.objects.count(),
            Patient.objects.count(),
        )
    call_command("seed_demo")
    with scopes_disabled():
        assert counts == (
            Organization.objects.count(),
            Clinic.objects.count(),
            Membership.objects.count(),
            Patient.objects.count(),
        )
        assert counts[:2] == (2, 3)
        alpha = Organization.objects.get(name="Alpha Health")
        assert Patient.objects.filter(organization=alpha, email="patient@demo.test").count() == 1


def test_clinic_task_runs_in_the_clinics_scope_language_and_timezone(alpha):
    from django.utils import timezone, translation

    from core.tasks import clinic_task

    seen = {}

    @clinic_task(module="example")
    def probe(clinic):
        seen["clinic"] = clinic.pk
        seen["count"] = Patient.objects.count()  # scoped: only this organization's patients
        seen["tz"] = str(timezone.get_current_timezone())
        seen["lang"] = translation.get_language()

    with scopes_disabled():
        Clinic.objects.filter(pk=alpha.clinic.pk).update(timezone="Europe/Berlin", locale="de")
        make_patient(alpha.clinic, "Second", "Patient")
    probe(alpha.clinic.pk)
    assert seen == {"clinic": alpha.clinic.pk, "count": 2, "tz": "Europe/Berlin", "lang": "de"}

    with scope(organization=alpha.org.pk):
        from core.tenancy.services import set_module_enabled

        set_module_enabled(Clinic.objects.get(pk=alpha.clinic.pk), "example", False)
    seen.clear()
    probe(alpha.clinic.pk)
    assert seen == {}  # module off: skipped
    assert probe(10**12) is None  # unknown clinic id: skipped, no error


def test_tenant_command_runs_inside_one_organizations_scope(alpha, beta, capsys):
    from core.management.base import TenantCommand

    class CountPatients(TenantCommand):
        def handle_organization(self, organization, **options):
            self.stdout.write(f"{organization.name}:{Patient.objects.count()}")

    call_command(CountPatients(), organization=alpha.org.slug)
    call_command(CountPatients(), all=True)
    out = capsys.readouterr().out
    assert "Alpha:1" in out and "Beta:1" in out
