"""``Patient/{id}/$summary``: the International Patient Summary, a FHIR document Bundle.

A Composition first (IPS: allergies, medications and problems, each stated empty with ``emptyReason``
when nothing is recorded, and the latest vital signs when there are any), then the patient, the
organization that writes the summary, and every resource a section lists, each claiming its IPS entry
profile where it fits one (``ips.py``). The sections are read through
the same providers as a search, so what the caller may not see is not summarized either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .compartment import patient_record
from .ips import as_ips_entry
from .registry import providers
from .search import SearchParams

IPS_BUNDLE = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips"
IPS_COMPOSITION = "http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips"
LOINC = "http://loinc.org"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
# Vital signs older than this are history, not part of a summary of the patient today.
VITAL_SIGNS_WINDOW = timedelta(days=365)
SECTION_LIMIT = 1000


@dataclass(frozen=True)
class Section:
    code: str
    display: str
    title: object  # lazily translated
    resource_type: str
    params: dict
    required: bool = True
    latest_per_code: bool = False


SECTIONS = (
    Section(
        "48765-2",
        "Allergies and adverse reactions Document",
        gettext_lazy("Allergies and intolerances"),
        "AllergyIntolerance",
        {"clinical-status": ["active"]},
    ),
    Section(
        "10160-0",
        "History of Medication use Narrative",
        gettext_lazy("Medication summary"),
        "MedicationStatement",
        {"status": ["active"]},
    ),
    Section(
        "11450-4",
        "Problem list - Reported",
        gettext_lazy("Problem list"),
        "Condition",
        {"clinical-status": ["active"]},
    ),
    Section(
        "8716-3",
        "Vital signs",
        gettext_lazy("Vital signs"),
        "Observation",
        {"category": ["vital-signs"]},
        required=False,
        latest_per_code=True,
    ),
)


def _section_resources(ctx, section: Section, patient_id: str) -> list[dict]:
    provider = providers().get(section.resource_type)
    if provider is None or not ctx.grants.allows(section.resource_type, "search-type"):
        return []
    params = {**section.params, provider.compartment_param or "patient": [f"Patient/{patient_id}"]}
    if section.latest_per_code:
        since = (timezone.now() - VITAL_SIGNS_WINDOW).date().isoformat()
        params["date"] = [f"ge{since}"]
    found = provider.search(ctx, SearchParams.of(params), SECTION_LIMIT, 0).resources
    if section.latest_per_code:
        latest: dict[str, dict] = {}
        for resource in found:
            key = _code_key(resource)
            if key not in latest or resource.get("effectiveDateTime", "") > latest[key].get(
                "effectiveDateTime", ""
            ):
                latest[key] = resource
        found = sorted(latest.values(), key=lambda r: _label(r))
    return found


def _code_key(resource: dict) -> str:
    codings = (resource.get("code") or {}).get("coding") or [{}]
    return f"{codings[0].get('system')}|{codings[0].get('code')}"


def _label(resource: dict) -> str:
    """A line of the section's narrative: what the entry is, with its value where it has one."""
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    text = concept.get("text") or next((c.get("display") for c in concept.get("coding", [])), "")
    values = []
    for part in [resource, *resource.get("component", [])]:
        quantity = part.get("valueQuantity")
        if quantity:
            values.append(f"{quantity['value']} {quantity.get('unit', '')}".strip())
    if values:
        text = f"{text}: {' / '.join(values)}"
    if resource.get("dosage"):
        text = f"{text} ({resource['dosage'][0].get('text', '')})".replace(" ()", "")
    return text


def _narrative(lines: list[str]) -> dict:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'}


def summary_bundle(ctx, patient_id: str) -> dict:
    """The IPS document Bundle of patient ``patient_id`` as the caller may see it."""
    patient = patient_record(ctx, patient_id)
    base, now = ctx.base, timezone.now()
    organization = {
        "reference": f"{base}Organization/{ctx.organization.pk}",
        "display": ctx.organization.name,
    }
    sections, listed = [], []
    for section in SECTIONS:
        resources = _section_resources(ctx, section, patient["id"])
        if not resources and not section.required:
            continue
        entry = {
            "title": str(section.title),
            "code": {"coding": [{"system": LOINC, "code": section.code, "display": section.display}]},
        }
        if resources:
            entry["text"] = _narrative([_label(r) for r in resources])
            entry["entry"] = [{"reference": f"{base}{r['resourceType']}/{r['id']}"} for r in resources]
        else:
            nothing = _("Nothing recorded.")
            entry["text"] = _narrative([nothing])
            entry["emptyReason"] = {
                "coding": [{"system": EMPTY_REASON, "code": "unavailable", "display": "Unavailable"}],
                "text": nothing,
            }
        sections.append(entry)
        listed += resources
    composition_id = str(uuid.uuid4())
    composition = {
        "resourceType": "Composition",
        "id": composition_id,
        "meta": {"profile": [IPS_COMPOSITION]},
        "status": "final",
        "type": {"coding": [{"system": LOINC, "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": {"reference": f"{base}Patient/{patient['id']}"},
        "date": now.isoformat(),
        "author": [organization],
        "title": _("Patient summary"),
        "custodian": organization,
        "section": sections,
    }
    # The organization writes the document: it is part of it, whatever else the token may read.
    others = [providers()["Organization"].read(ctx, str(ctx.organization.pk))]
    entries = [{"fullUrl": f"urn:uuid:{composition_id}", "resource": composition}]
    entries += [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": as_ips_entry(r)}
        for r in [patient, *listed, *others]
    ]
    bundle_id = str(uuid.uuid4())
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"profile": [IPS_BUNDLE]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bundle_id}"},
        "type": "document",
        "timestamp": now.isoformat(),
        "entry": entries,
    }
