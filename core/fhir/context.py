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

from django.conf import settings
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
    # The patient's own data download reads what a switched-off module keeps too: the data stays theirs.
    include_switched_off: bool = False
    # Where the resources' absolute addresses start when there is no request (the data download).
    base_address: str = ""

    @property
    def base(self) -> str:
        """This server's FHIR base, ending in a slash (``https://…/fhir/R4/``)."""
        if self.request is not None:
            return self.request.build_absolute_uri("/fhir/R4/")
        return self.base_address or f"{settings.EHR_BASE_URL}/fhir/R4/"

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
        return [c.pk for c in self.clinics if self._serves(c, module)]

    @cached_property
    def organization_clinics(self) -> list[Clinic]:
        """Every clinic of the organization, with its module switches (a chart spans the patient's
        clinics: a practitioner reads what colleagues recorded at the patient's other clinics)."""
        if self.member is None or self.member.role == Role.OWNER:
            return self.clinics
        clinics = Clinic.objects.filter(organization_id=self.organization.pk)
        return list(with_module_switches(clinics).order_by("id"))

    def organization_clinic_ids_with(self, module: str | None) -> list[int]:
        """Ids of all the organization's clinics where ``module`` is on."""
        return [c.pk for c in self.organization_clinics if self._serves(c, module)]

    def _serves(self, clinic: Clinic, module: str | None) -> bool:
        return module is None or self.include_switched_off or is_module_enabled(clinic, module)

    def require(self, resource_type: str, interaction: str, *, also: tuple[str, ...] = ()) -> None:
        """Refuse (403) an interaction the credential's scopes do not grant (on ``resource_type`` or on
        one of the types in ``also`` whose grant covers it)."""
        if not any(self.grants.allows(t, interaction) for t in (resource_type, *also)):
            raise Forbidden(
                _("The access token does not grant %(interaction)s on %(type)s.")
                % {"interaction": interaction, "type": resource_type}
            )

    def may(self, permission: str, obj) -> bool:
        """A member's permission on ``obj`` (rules); patients and backend services are decided by the
        resource provider from the compartment and the scopes."""
        return self.user is not None and self.user.has_perm(permission, obj)
