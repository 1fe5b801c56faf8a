"""Who is asking the FHIR API, for which organization, and what they may reach.

Three kinds of callers, after SMART's scope contexts:
- ``patient``: a patient app, launched for one patient record; it reaches that patient's compartment only;
- ``user``: a member of the organization (OAuth clinician app or personal API token); what the member may
  see in the back office, checked with the same permissions;
- ``system``: a backend service registered by the organization; the whole organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from core.patients.models import Patient
from core.tenancy.context import MemberContext
from core.tenancy.models import Clinic, Organization, Role
from core.tenancy.modules import is_module_enabled, with_module_switches

from .outcome import Forbidden
from .scopes import Grants


@dataclass
class FhirContext:
    request: object
    organization: Organization
    kind: str  # "patient", "user" or "system"
    grants: Grants
    user: object = None
    member: MemberContext | None = None
    patient: Patient | None = None
    client_id: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_patient(self) -> bool:
        return self.kind == "patient"

    @property
    def is_member(self) -> bool:
        return self.kind == "user"

    @cached_property
    def clinics(self) -> list[Clinic]:
        """Clinics whose data this caller reaches: a practitioner's or staff member's own clinics; every
        clinic of the organization for owners, patients (their records at any of its clinics) and
        backend services. Archived clinics stay: their history is still the patient's record."""
        clinics = Clinic.objects.filter(organization_id=self.organization.pk)
        if self.member is not None and self.member.role != Role.OWNER:
            clinics = clinics.filter(pk__in=self.member.clinic_ids)
        return list(with_module_switches(clinics).order_by("id"))

    def clinic_ids_with(self, module: str | None) -> list[int]:
        """Ids of the reachable clinics where ``module`` is on (all of them for core resources)."""
        return [c.pk for c in self.clinics if module is None or is_module_enabled(c, module)]

    def require(self, resource_type: str, interaction: str) -> None:
        """Refuse (403) an interaction the credential's scopes do not grant."""
        if not self.grants.allows(resource_type, interaction):
            raise Forbidden(
                _("The access token does not grant %(interaction)s on %(type)s.")
                % {"interaction": interaction, "type": resource_type}
            )

    def may(self, permission: str, obj) -> bool:
        """A member's permission on ``obj`` (rules); patients and backend services are decided by the
        resource provider from the compartment and the scopes."""
        return self.user is not None and self.user.has_perm(permission, obj)
