"""Patient permissions (docs/permissions.md, "patients" rows)."""

import rules
from django_scopes import scope

from core.tenancy.predicates import (
    context_for,
    is_owner,
    is_staff_member,
    is_team_member_at_clinic,
    works_at_object_clinic,
)


@rules.predicate
def is_the_patient(user, patient) -> bool:
    """The signed-in person is this patient (through a verified portal link)."""
    if not getattr(user, "is_authenticated", False) or patient is None:
        return False
    from .models import Patient, PatientAccount

    if not isinstance(patient, Patient):
        return False
    # The link lives in the patient's own organization; a portal request may carry no scope yet.
    with scope(organization=patient.organization_id):
        return PatientAccount.objects.filter(
            organization_id=patient.organization_id, user=user, patient=patient, verified_at__isnull=False
        ).exists()


@rules.predicate
def is_any_member(user, obj) -> bool:
    return context_for(user, obj) is not None


team_sees_patient = is_owner | is_team_member_at_clinic

rules.add_perm("patients.list_patients", is_any_member)
rules.add_perm("patients.view_patient", team_sees_patient | is_the_patient)
rules.add_perm("patients.add_patient", team_sees_patient)
rules.add_perm("patients.change_patient", team_sees_patient)
# Patients edit their own contact details from the portal, nothing else of the record.
rules.add_perm("patients.change_own_contact_details", is_the_patient)
rules.add_perm("patients.archive_patient", team_sees_patient)
rules.add_perm("patients.merge_patients", is_owner | (is_staff_member & works_at_object_clinic))
