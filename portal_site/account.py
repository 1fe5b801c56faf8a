"""What a signed-in patient's account shows from the modules: the sections of "My appointments" and their
data download, for every organization the login is a patient of.

The login's records are found only through ``core.patients.accounts`` (the reviewed lookup across
organizations); everything after that runs inside one organization's scope at a time, and each module is
asked about the clinics of that organization where it is on.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django_scopes import scope

from core.audit.recording import saw_patient
from core.compliance.patient_export import patient_part, write_zip
from core.patients.accounts import patient_links
from core.patients.models import Patient
from core.plugins.manager import registry
from core.tenancy.models import Clinic
from core.tenancy.modules import enabled_modules, with_module_switches


def _records(user):
    """(organization id, patient) of the login's records, each yielded inside its organization's scope."""
    for organization_id, patient_id in patient_links(user):
        with scope(organization=organization_id):
            patient = (
                Patient.objects.filter(organization_id=organization_id, pk=patient_id)
                .select_related("organization")
                .first()
            )
            if patient is not None:
                saw_patient(patient)  # the access log: a page of the patient's own account showed it
                yield organization_id, patient


def account_groups(request) -> list[dict]:
    """Per organization of the login: its name and the sections modules on at its clinics contribute,
    rendered. Organizations where no module has anything to show are left out."""
    modules = registry().modules
    impls = list(reversed(registry().pm.hook.ehr_portal_account_sections.get_hookimpls()))
    groups = []
    for organization_id, patient in _records(request.user):
        clinics = list(
            with_module_switches(
                Clinic.objects.filter(organization_id=organization_id).order_by("name", "id")
            )
        )
        sections = []
        for impl in impls:
            slug = impl.plugin_name
            on = [c for c in clinics if slug not in modules or slug in enabled_modules(c)]
            if not on:
                continue
            for found in (
                impl.function(request=request, organization=patient.organization, patient=patient, clinics=on)
                or []
            ):
                sections.append((found.order, str(found.title), slug, found))
        sections.sort(key=lambda entry: entry[:2])
        if not sections:
            continue
        groups.append(
            {
                "organization": patient.organization,
                "sections": [
                    {
                        "module": slug,
                        "title": section.title,
                        "html": render_to_string(
                            section.template,
                            {
                                **section.context,
                                "clinic": request.portal_clinic,
                                "portal_base": _base(request),
                            },
                            request,
                        ),
                    }
                    for _order, _title, slug, section in sections
                ],
            }
        )
    return groups


def _base(request) -> str:
    from .routing import clinic_base_url

    return clinic_base_url(request.portal_clinic, request)


def data_export(user) -> list[dict]:
    """The login's records in every organization, each kept apart, with what every installed module
    keeps about the patient there."""
    return [patient_part(patient) for _organization_id, patient in _records(user)]


def data_zip(user):
    """The same download as a ZIP: ``data.json`` and the documents the modules hold (invoice PDFs,
    files shared from the chart)."""
    return write_zip(patient for _organization_id, patient in _records(user))
