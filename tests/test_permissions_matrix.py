"""docs/permissions.md as a table of (permission, object) × role → allowed. Walked with the real rules."""

from pathlib import Path

import pytest
from django_scopes import scope

from tests.factories import link_patient_login, make_patient, make_user
from tests.test_isolation_pages import make_disclosure

ROOT = Path(__file__).resolve().parent.parent

# object keys: org, clinic_a (staff works here), clinic_b (staff does not), patient_a (seen at clinic_a),
# patient_b (seen at clinic_b only), other_org (another organization's org/clinic/patient).
MATRIX = [
    # permission,                         object,      owner, practitioner, staff, patient
    ("tenancy.change_organization", "org", True, False, False, False),
    ("tenancy.export_organization", "org", True, False, False, False),
    ("tenancy.manage_clinics", "org", True, False, False, False),
    ("tenancy.manage_modules", "clinic_a", True, False, False, False),
    ("tenancy.manage_members", "org", True, False, False, False),
    ("tenancy.view_clinic", "clinic_a", True, True, True, False),
    ("tenancy.view_clinic", "clinic_b", True, True, False, False),
    ("tenancy.change_profile", "staff_profile", True, False, True, False),
    ("patients.list_patients", "org", True, True, True, False),
    ("patients.view_patient", "patient_a", True, True, True, True),
    ("patients.view_patient", "patient_b", True, True, False, False),
    ("patients.add_patient", "clinic_a", True, True, True, False),
    ("patients.add_patient", "clinic_b", True, True, False, False),
    ("patients.change_patient", "patient_a", True, True, True, False),
    ("patients.change_patient", "patient_b", True, True, False, False),
    ("patients.change_own_contact_details", "patient_a", False, False, False, True),
    ("patients.archive_patient", "patient_a", True, True, True, False),
    ("patients.merge_patients", "patient_a", True, False, True, False),
    ("patients.merge_patients", "patient_b", True, False, False, False),
    ("notifications.manage_channels", "clinic_a", True, False, False, False),
    ("notifications.manage_templates", "clinic_a", True, False, True, False),
    ("notifications.manage_templates", "clinic_b", True, False, False, False),
    ("notifications.view_messages", "clinic_a", True, False, True, False),
    ("notifications.view_messages", "clinic_b", True, False, False, False),
    ("notifications.retry_message", "clinic_a", True, False, True, False),
    ("notifications.change_preferences", "clinic_a", True, False, True, False),
    ("notifications.change_preferences", "clinic_b", True, False, False, False),
    ("audit.view_audit_log", "org", True, False, False, False),
    # Disclosures name the patient and a recipient, nothing clinical: whoever serves the patient records them.
    ("audit.view_disclosures", "patient_a", True, True, True, False),
    ("audit.view_disclosures", "patient_b", True, True, False, False),
    ("audit.record_disclosure", "patient_a", True, True, True, False),
    ("audit.record_disclosure", "patient_b", True, True, False, False),
    ("audit.mark_disclosure_in_error", "staff_disclosure", True, False, True, False),
    ("audit.change_access_policy", "org", True, False, False, False),
    # Privacy rights: the data download holds shared clinical notes, so never the front desk.
    ("compliance.export_patient_data", "patient_a", True, True, False, False),
    ("compliance.export_patient_data", "patient_b", True, True, False, False),
    ("compliance.manage_erasure_requests", "org", True, False, False, False),
    ("compliance.manage_erasure_requests", "patient_a", True, False, False, False),
    # The record of processing activities (Art. 30) is the controller's document.
    ("compliance.manage_processing_record", "org", True, False, False, False),
    # Who has not agreed to the privacy notice, and reminding them: the controller's follow-up.
    ("compliance.follow_up_privacy_notice", "org", True, False, False, False),
    ("accounts.manage_own_api_tokens", "org", True, True, True, False),
    ("fhir.manage_apps", "org", True, False, False, False),
    ("analytics.view_reports", "clinic_a", True, True, True, False),
    ("analytics.view_reports", "clinic_b", True, True, False, False),
    ("analytics.view_revenue", "clinic_a", True, False, False, False),
    ("analytics.view_operations", "clinic_a", True, False, True, False),
    ("analytics.view_operations", "clinic_b", True, False, False, False),
    ("analytics.view_own_activity", "clinic_a", False, True, False, False),
    ("analytics.download_summary", "clinic_a", True, False, False, False),
    ("billing.apply_credit", "clinic_a", True, False, True, False),
    ("billing.apply_credit", "clinic_b", True, False, False, False),
    ("billing.record_refund", "clinic_a", True, False, True, False),
    ("billing.record_refund", "clinic_b", True, False, False, False),
    ("scheduling.view_calendar", "clinic_a", True, True, True, False),
    ("scheduling.view_calendar", "clinic_b", True, True, False, False),
    ("scheduling.manage_services", "clinic_a", True, False, True, False),
    ("scheduling.manage_services", "clinic_b", True, False, False, False),
    ("scheduling.manage_rooms", "clinic_a", True, False, True, False),
    ("scheduling.manage_booking_policy", "clinic_a", True, False, True, False),
    ("scheduling.manage_working_hours", "clinic_a", True, True, True, False),
    ("scheduling.manage_time_off", "clinic_a", True, True, True, False),
    ("scheduling.book_appointment", "clinic_a", True, True, True, False),
    ("scheduling.manage_waitlist", "clinic_a", True, True, True, False),
    ("scheduling.manage_waitlist", "clinic_b", True, True, False, False),
    ("scheduling.use_calendar_feed", "clinic_a", True, True, False, False),
    ("scheduling.revoke_calendar_feeds", "clinic_a", True, False, False, False),
    # Clinical records: clinicians only; the front desk never (their pages answer 404, see records' tests).
    ("records.view_chart", "patient_a", True, True, False, False),
    ("records.view_chart", "patient_b", True, True, False, False),
    ("records.view_chart", "clinic_a", True, True, False, False),
    ("records.write_chart", "clinic_a", True, True, False, False),
    ("records.write_chart", "clinic_b", True, True, False, False),
    ("records.manage_templates", "org", True, False, False, False),
    ("records.manage_settings", "clinic_a", True, False, False, False),
]
ROLES = ["owner", "practitioner", "staff", "patient"]


@pytest.fixture
def world(alpha, beta):
    patient_user = make_user("a-patient@example.test")
    # practitioner works at both clinics, staff only at clinic_a (tests/factories.make_tenant)
    patient_b = make_patient(alpha.clinics[1], "Bea", "Otherclinic")
    link_patient_login(alpha.patient, patient_user)
    users = {
        "owner": alpha.owner,
        "practitioner": alpha.practitioner,
        "staff": alpha.staff,
        "patient": patient_user,
    }
    objects = {
        "org": alpha.org,
        "clinic_a": alpha.clinics[0],
        "clinic_b": alpha.clinics[1],
        "patient_a": alpha.patient,
        "patient_b": patient_b,
        "staff_profile": alpha.memberships["staff"],
        "staff_disclosure": make_disclosure(alpha),
    }
    others = {
        "org": beta.org,
        "clinic_a": beta.clinics[0],
        "clinic_b": beta.clinics[1],
        "patient_a": beta.patient,
        "patient_b": beta.patient,
        "staff_profile": beta.memberships["staff"],
        "staff_disclosure": make_disclosure(beta),
    }
    return users, objects, others


CASES = [
    (perm, obj, role, expected) for perm, obj, *allowed in MATRIX for role, expected in zip(ROLES, allowed)
]


@pytest.mark.parametrize(
    ("perm", "obj", "role", "expected"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]
)
def test_permission_matrix(world, perm, obj, role, expected):
    users, objects, others = world
    with_patient_clinics(objects)
    # As in a request: the acting member's organization scope is active.
    with scope(organization=objects["org"].pk):
        assert users[role].has_perm(perm, objects[obj]) is expected
        # Nobody of this organization is ever allowed anything on another organization's objects.
        assert users[role].has_perm(perm, others[obj]) is False


def with_patient_clinics(objects):
    from django_scopes import scopes_disabled

    with scopes_disabled():
        for key in ("patient_a", "patient_b"):
            objects[key] = (
                type(objects[key]).objects.prefetch_related("patientclinic_set").get(pk=objects[key].pk)
            )


def test_deactivated_member_loses_every_permission(world):
    users, objects, _ = world
    from django_scopes import scopes_disabled

    from core.tenancy.models import Membership

    with scopes_disabled():
        Membership.objects.filter(user=users["owner"]).update(is_active=False)
    owner = type(users["owner"]).objects.get(pk=users["owner"].pk)
    assert not owner.has_perm("tenancy.manage_clinics", objects["org"])


def test_docs_list_every_permission_of_the_matrix():
    text = (ROOT / "docs" / "permissions.md").read_text()
    missing = sorted({perm for perm, *_ in MATRIX if f"`{perm}`" not in text})
    assert not missing, f"docs/permissions.md does not mention {missing}"


# The FHIR API asks the same permissions through the same roads (visible patients, clinics, rules):
# what each role gets there, by interaction. Statuses: 200/201 allowed, 403 refused for a member of the
# organization, 404 where the record is outside what the role may see (as on the office pages).
FHIR_MATRIX = [
    # interaction,              owner, practitioner, staff
    ("read patient_a", 200, 200, 200),
    ("read patient_b", 200, 200, 404),
    ("register at clinic_b", 201, 201, 422),
    ("book with the doctor at clinic_a", 201, 201, 201),
    ("cancel the owner's appointment", 200, 403, 200),
    ("read a problem of patient_a", 200, 200, 404),
    ("read the practitioner's signed note", 200, 200, 404),
    ("read the owner's only-me note", 200, 404, 404),
    ("summarize patient_a", 200, 200, 200),
    ("read patient_b's privacy consent", 200, 200, 404),
    ("read a file on patient_a's chart", 200, 200, 404),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("interaction", "owner", "practitioner", "staff"), FHIR_MATRIX)
def test_fhir_permission_matrix(world, alpha, interaction, owner, practitioner, staff):
    from django_scopes import scopes_disabled

    from tests.fhir.conftest import appointment_body, make_bookable, next_day_at, token_client

    users, objects, _others = world
    with scopes_disabled():
        tenant = make_bookable(alpha)
    expected = {"owner": owner, "practitioner": practitioner, "staff": staff}
    for role, status in expected.items():
        fhir = token_client(users[role], alpha.org)
        if interaction in ("read patient_a", "read patient_b"):
            got, _body = fhir.get(f"Patient/{objects[interaction.split()[1]].pk}")
        elif interaction == "register at clinic_b":
            got, _body = fhir.send(
                "POST",
                "Patient",
                {
                    "resourceType": "Patient",
                    "name": [{"family": f"Registered{role}", "given": ["By"]}],
                    "extension": [
                        {
                            "url": "http://testserver/fhir/StructureDefinition/registering-clinic",
                            "valueReference": {"reference": f"Location/{objects['clinic_b'].pk}"},
                        }
                    ],
                },
            )
        elif interaction == "read a problem of patient_a":
            got, _body = fhir.get(f"Condition/{charted(tenant)['problem'].pk}")
        elif interaction == "read the practitioner's signed note":
            got, _body = fhir.get(f"DocumentReference/{charted(tenant)['note'].pk}")
        elif interaction == "read the owner's only-me note":
            got, _body = fhir.get(f"DocumentReference/{owners_private_note(tenant).pk}")
        elif interaction == "read patient_b's privacy consent":
            got, _body = fhir.get(f"Consent/{consent_of(objects['patient_b'])}")
        elif interaction == "read a file on patient_a's chart":
            got, _body = fhir.get(f"DocumentReference/file-{chart_file(tenant).pk}")
        elif interaction == "summarize patient_a":
            got, _body = fhir.get(f"Patient/{objects['patient_a'].pk}/$summary")
        elif interaction.startswith("book"):
            hour = {"owner": 9, "practitioner": 10, "staff": 11}[role]
            got, _body = fhir.send("POST", "Appointment", appointment_body(tenant, next_day_at(tenant, hour)))
        else:
            with scopes_disabled():
                appointment = owner_appointment(tenant, role)
            got, current = fhir.get(f"Appointment/{appointment.pk}")
            got, _body = fhir.send("PUT", f"Appointment/{appointment.pk}", {**current, "status": "cancelled"})
        assert got == status, (interaction, role, got, _body)


def consent_of(patient) -> str:
    """The Consent id of ``patient``'s agreement to the privacy notice, made once per patient."""
    from django_scopes import scopes_disabled

    from core.compliance.consents import record_notice_consent
    from core.compliance.models import PrivacyNoticeConsent
    from tests.factories import link_patient_login, make_user

    if not hasattr(patient, "consent_id"):
        with scopes_disabled():
            login = make_user()
            link_patient_login(patient, login, agreed_notice=False)
            record_notice_consent(login, patient.organization, "NOTICE-1")
            consent = PrivacyNoticeConsent.objects.get(organization_id=patient.organization_id, user=login)
        patient.consent_id = f"{consent.pk}-{patient.pk}"
    return patient.consent_id


def chart_file(tenant):
    """A file on the tenant's patient's chart, attached once per test."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_scopes import scope, scopes_disabled

    from plugins.records.services.files import attach_file

    if not hasattr(tenant, "chart_file"):
        with scopes_disabled(), scope(organization=tenant.org.pk):
            tenant.chart_file = attach_file(
                tenant.clinic, tenant.patient, SimpleUploadedFile("scan.pdf", b"%PDF-1.4 x"), by=tenant.owner
            )
    return tenant.chart_file


def charted(tenant):
    """The tenant's patient's chart, made once per test (tests/fhir/conftest.chart)."""
    from django_scopes import scopes_disabled

    from tests.fhir.conftest import chart

    if not hasattr(tenant, "chart"):
        with scopes_disabled():
            chart(tenant)
    return tenant.chart


def owners_private_note(tenant):
    """A note the owner signed for their eyes only, on the visit of the tenant's chart."""
    from django_scopes import scope, scopes_disabled

    from plugins.records.services import notes

    if not hasattr(tenant, "private_note"):
        record = charted(tenant)
        with scopes_disabled(), scope(organization=tenant.org.pk):
            note = notes.create_note(
                record["encounter"],
                record["note"].template_version,
                author=tenant.memberships["owner"],
                privacy="author",
            )
            note = notes.save_draft(
                note, {"complaint": "Private", "assessment": "Private", "plan": "Private"}, revision=None
            )
            tenant.private_note = notes.sign_note(note, by=tenant.owner)
    return tenant.private_note


def owner_appointment(tenant, role):
    """An appointment the owner gives (as a practitioner) at clinic_a, one per role asking to cancel it."""
    from plugins.scheduling.models import ServicePractitioner
    from plugins.scheduling.services.booking import book_appointment
    from tests.fhir.conftest import next_day_at

    owner = tenant.memberships["owner"]
    ServicePractitioner.objects.get_or_create(
        organization=tenant.org, service=tenant.service, membership=owner
    )
    return book_appointment(
        clinic=tenant.clinic,
        practitioner=owner,
        patient=tenant.patient,
        service=tenant.service,
        start=next_day_at(tenant, {"owner": 13, "practitioner": 14, "staff": 15}[role]),
        by=tenant.owner,
        override=True,
    )


# The patient picker and the office search follow patients.list_patients and each member's reach: the
# front desk finds patients of its own clinics only, a portal patient (no membership) is refused.
PICKER_REACH = [
    # role,          finds patient_a, finds patient_b (seen only at clinic_b)
    ("owner", True, True),
    ("practitioner", True, True),
    ("staff", True, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "finds_a", "finds_b"), PICKER_REACH)
def test_patient_picker_and_office_search_follow_the_members_reach(world, role, finds_a, finds_b):
    from tests.conftest import client_for

    users, objects, _others = world
    client = client_for(users[role])
    for patient, expected in ((objects["patient_a"], finds_a), (objects["patient_b"], finds_b)):
        picked = client.get("/office/patients/pick/", {"q": patient.family_name}).json()["results"]
        assert (patient.pk in [row["id"] for row in picked]) is expected, (role, patient)
        found = client.get("/office/search/", {"q": patient.family_name}).content.decode()
        assert (f"/office/patients/{patient.pk}/" in found) is expected, (role, patient)


@pytest.mark.django_db
def test_patient_picker_and_office_search_refuse_a_portal_patient(world):
    from tests.conftest import client_for

    users, _objects, _others = world
    client = client_for(users["patient"])
    assert client.get("/office/patients/pick/", {"q": "a"}).status_code == 403
    assert client.get("/office/search/", {"q": "a"}).status_code == 403
