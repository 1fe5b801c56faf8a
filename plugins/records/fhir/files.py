"""Chart files (uploads attached to the chart or to a note) as DocumentReference, ids ``file-<id>``; the
file itself is ``Binary/file-<id>``.

Category: the product's own code ``chart-file`` (US Core's category binding is extensible and names
only ``clinical-note``, which an upload is not). Type: the ``unknown`` data-absent-reason, which US
Core's document type value set includes for a document no LOINC document code describes (a photograph,
a scanned letter); the description the clinician wrote is ``type.text``. The attachment carries the
content type, the size, the SHA-1 FHIR's ``hash`` asks for (stored with the file at upload, base64 here)
and the SHA-256 kept since upload as the identifier.

Who sees what follows the chart's Files tab: clinicians who read the chart (the front desk none), a
patient app the files marked visible to its patient and not entered in error, a backend service the
organization's files.
"""

from __future__ import annotations

import base64

from django.db.models import Q
from django.utils.translation import gettext as _

from core.fhir.identifiers import code_system
from core.fhir.providers import SearchParam, reference
from core.fhir.search import bad_param, date_q, one_of
from core.tenancy.models import Membership

from ..models import ChartFile
from .coding import TERMINOLOGY, US_CORE, concept, terminology, wanted_codes
from .visibility import PATIENT_PARAM, RecordsProvider, clinic_time, patient_reference

FILE_PREFIX = "file-"
DATA_ABSENT = f"{TERMINOLOGY}data-absent-reason"
CHART_FILE = "chart-file"


def chart_file_category() -> dict:
    return concept(code_system("document-category"), CHART_FILE, "Chart file", _("Uploaded file"))


def sha1_base64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def binary_id(record: ChartFile) -> str:
    return f"{FILE_PREFIX}{record.pk}"


class ChartFileDocuments(RecordsProvider):
    """The chart files half of DocumentReference (``documents.DocumentReferenceProvider`` serves both)."""

    resource_type = "DocumentReference"
    model = ChartFile
    profiles = (f"{US_CORE}us-core-documentreference",)
    updated_field = "updated_at"
    related = ("patient", "clinic", "note")
    search_params = (
        PATIENT_PARAM,
        SearchParam("date", "date", "When the file was attached."),
        SearchParam("status", "token", "current, entered-in-error."),
    )

    def shown_to_patient(self, ctx) -> Q:
        return Q(visible_to_patient=True, entered_in_error=False)

    def id_of(self, record) -> str:
        return binary_id(record)

    def id_q(self, text: str) -> Q | None:
        number = text[len(FILE_PREFIX) :] if text.startswith(FILE_PREFIX) else ""
        if not number.isdigit() or len(number) > 18 or int(number) == 0:
            return None
        return Q(pk=int(number))

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "category":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            return queryset if CHART_FILE in codes else queryset.none()
        if name == "type":
            return queryset if "unknown" in wanted_codes(value, DATA_ABSENT) else queryset.none()
        if name == "date":
            return queryset.filter(date_q(name, value, "created_at"))
        if name == "status":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            if not codes <= {"current", "superseded", "entered-in-error"}:
                raise bad_param(name, value)
            found = queryset.none()
            if "current" in codes:
                found = queryset.filter(entered_in_error=False)
            if "entered-in-error" in codes:
                found = found | queryset.filter(entered_in_error=True)
            return found
        return super().filter(queryset, name, modifier, value, ctx)

    def render_many(self, objects, ctx):
        """Uploaders are users; the Practitioner each one is here is found for the whole page at once."""
        users = {record.uploaded_by_id for record in objects}
        members = (
            {
                m.user_id: m
                for m in Membership.objects.filter(
                    organization_id=ctx.organization.pk, user_id__in=users
                ).select_related("user")
            }
            if users
            else {}
        )
        for record in objects:
            record.uploader = members.get(record.uploaded_by_id)
        return [self.render(record, ctx) for record in objects]

    def to_resource(self, record: ChartFile, ctx) -> dict:
        created = clinic_time(record.created_at, record.clinic)
        title = record.description or record.original_name
        attachment = {
            "contentType": record.content_type,
            "url": f"{ctx.base}Binary/{binary_id(record)}",
            "size": record.size,
            "title": title,
            "creation": created,
        }
        if record.sha1:
            attachment["hash"] = sha1_base64(record.sha1)
        resource = {
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:sha256:{record.sha256}"}],
            "status": "entered-in-error" if record.entered_in_error else "current",
            "type": {**terminology("data-absent-reason", "unknown", "Unknown"), "text": title},
            "category": [chart_file_category()],
            "subject": patient_reference(record),
            "date": created,
            "custodian": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "content": [
                {
                    "attachment": attachment,
                    "format": {
                        "system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                        "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                        "display": "mimeType Sufficient",
                    },
                }
            ],
        }
        if record.description:
            resource["description"] = record.description
        if record.uploader is not None:
            resource["author"] = [reference("Practitioner", record.uploader.pk, record.uploader.name)]
        if record.note_id is not None and not ctx.is_patient:
            # The visit the note belongs to; the note itself is named only where the caller reads it.
            resource["context"] = {"encounter": [{"reference": f"Encounter/{record.note.encounter_id}"}]}
        return resource
