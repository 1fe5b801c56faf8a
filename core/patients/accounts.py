"""A portal login's own patient records.

One login may be a patient of several owners' clinics, so its links are the single place where patient
data is reached across organizations: everything else runs inside one organization's scope.
"""

from __future__ import annotations

from django_scopes import scopes_disabled

from core.audit.recording import saw_patient

from .models import Patient, PatientAccount


def patient_links(user) -> list[tuple[int, int]]:
    """(organization id, patient id) of every verified record this login may see, across organizations."""
    if not getattr(user, "is_authenticated", False):
        return []
    # scopes_disabled: a patient's own links span the organizations they are a patient of, by design.
    with scopes_disabled():
        return list(
            PatientAccount.objects.filter(
                user=user, verified_at__isnull=False, patient__merged_into__isnull=True
            )
            .order_by("organization_id", "patient_id")
            .values_list("organization_id", "patient_id")
        )


def patient_in(user, organization_id: int) -> Patient | None:
    """The login's own, active patient record in ``organization_id`` (call inside that organization's
    scope)."""
    ids = [pid for org, pid in patient_links(user) if org == organization_id]
    if not ids:
        return None
    patient = Patient.objects.filter(organization_id=organization_id, pk__in=ids, archived=False).first()
    saw_patient(patient)  # a portal page about the patient's own record: the access log records it
    return patient
