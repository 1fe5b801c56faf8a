"""DocumentReference (US Core DocumentReference): signed notes (category ``clinical-note``, ids the note's,
content the note's PDF served as ``Binary/note-<id>``; drafts are never served) and the chart's files
(``files.py``: ids ``file-<id>``, content ``Binary/file-<id>``), one type searched across both.

Members read the notes the chart shows them (the note's privacy applies) with every field; a patient app
reads the notes shared with its patient, with the fields marked clinician-only left out, as the portal's
PDF; a backend service the notes every clinician may read.
"""

from __future__ import annotations

import base64

from django.db.models import Count, Q
from django.db.models.functions import Greatest

from core.fhir.outcome import NotFound
from core.fhir.providers import (
    ID_PARAM,
    LAST_UPDATED_PARAM,
    ResourceProvider,
    SearchParam,
    SearchResult,
    reference,
)
from core.fhir.search import bad_param, date_q, one_of

from ..models import Note
from ..pdf import note_pdf
from .coding import LOINC, US_CORE, US_CORE_DOCUMENT_CATEGORY, concept, wanted_codes
from .files import FILE_PREFIX, ChartFileDocuments
from .visibility import PATIENT_PARAM, RecordsProvider, clinic_time, note_q, patient_reference

CLINICAL_NOTE = concept(US_CORE_DOCUMENT_CATEGORY, "clinical-note", "Clinical Note")
# LOINC document types: the shipped progress-style templates are progress notes; any other template a
# clinic writes is a note of no narrower kind.
PROGRESS_NOTE = ("11506-3", "Progress note")
NOTE = ("34109-9", "Note")


def document_type(note: Note) -> dict:
    template = note.template_version.template
    code, display = PROGRESS_NOTE if template.shipped_key in ("soap", "progress") else NOTE
    return concept(LOINC, code, display, template.display_name)


def binary_id(note: Note) -> str:
    return f"note-{note.pk}"


DOCUMENT_PARAMS = (
    PATIENT_PARAM,
    SearchParam("category", "token", "clinical-note (signed notes), chart-file (uploaded files)."),
    SearchParam(
        "type",
        "token",
        "A LOINC document type (11506-3 progress note, 34109-9 note); unknown (data-absent-reason): files.",
    ),
    SearchParam("date", "date", "When the note was signed or the file attached."),
    SearchParam("status", "token", "current, entered-in-error."),
)


class SignedNoteDocuments(RecordsProvider):
    """The signed notes half of DocumentReference (``DocumentReferenceProvider`` serves both)."""

    resource_type = "DocumentReference"
    model = Note
    profiles = (f"{US_CORE}us-core-documentreference",)
    updated_field = "changed_at"
    related = ("patient", "clinic", "author__user", "template_version__template", "encounter")
    search_params = DOCUMENT_PARAMS

    def queryset(self, ctx):
        return super().queryset(ctx).filter(note_q(ctx))

    def shown_to_patient(self, ctx) -> Q:
        return Q()  # note_q already keeps a patient app to the notes shared with it

    def with_related(self, rows, ctx):
        return rows.annotate(
            addenda_count=Count("addenda"),
            # Signing, locking, a co-signature or an in-error mark each change what the document says.
            changed_at=Greatest("updated_at", "locked_at", "cosigned_at", "entered_in_error_at"),
        )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "category":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            return queryset if "clinical-note" in codes else queryset.none()
        if name == "type":
            codes = wanted_codes(value, LOINC)
            progress = Q(template_version__template__shipped_key__in=["soap", "progress"])
            found = queryset.none()
            if PROGRESS_NOTE[0] in codes:
                found = queryset.filter(progress)
            if NOTE[0] in codes:
                found = found | queryset.exclude(progress)
            return found
        if name == "date":
            return queryset.filter(date_q(name, value, "signed_at"))
        if name == "status":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            if not codes <= {"current", "superseded", "entered-in-error"}:
                raise bad_param(name, value)
            found = queryset.none()
            if "current" in codes:
                found = queryset.filter(entered_in_error_at__isnull=True)
            if "entered-in-error" in codes:
                found = found | queryset.filter(entered_in_error_at__isnull=False)
            return found
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, note: Note, ctx) -> dict:
        clinic = note.clinic
        signed = clinic_time(note.signed_at, clinic)
        return {
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:sha256:{note.content_sha256}"}],
            "status": "entered-in-error" if note.entered_in_error else "current",
            "docStatus": "amended" if note.addenda_count else "final",
            "type": document_type(note),
            "category": [CLINICAL_NOTE],
            "subject": patient_reference(note),
            "date": signed,
            "author": [reference("Practitioner", note.author_id, note.author.name)],
            "authenticator": reference("Practitioner", note.author_id, note.author.name),
            "custodian": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "url": f"{ctx.base}Binary/{binary_id(note)}",
                        "title": note.template_version.template.display_name,
                        "creation": signed,
                    },
                    "format": {
                        "system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                        "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient",
                        "display": "mimeType Sufficient",
                    },
                }
            ],
            "context": {
                "encounter": [{"reference": f"Encounter/{note.encounter_id}"}],
                "period": {"start": clinic_time(note.encounter.started_at, clinic)},
            },
        }


class DocumentReferenceProvider(ResourceProvider):
    """DocumentReference: the signed notes, then the chart's files, paged as one list."""

    resource_type = "DocumentReference"
    profiles = (f"{US_CORE}us-core-documentreference",)
    # Provenance exists for signed notes (their signatures); an uploaded file has none.
    revincludes = {"Provenance:target": "Provenance"}
    compartment_param = "patient"
    search_params = DOCUMENT_PARAMS

    def __init__(self):
        self.notes = SignedNoteDocuments()
        self.files = ChartFileDocuments()

    def parts(self) -> tuple[RecordsProvider, RecordsProvider]:
        # The registry sets the module on the registered provider; its halves serve the same module.
        for part in (self.notes, self.files):
            part.module = self.module
        return self.notes, self.files

    def part_for(self, resource_id: str) -> RecordsProvider:
        notes, files = self.parts()
        return files if str(resource_id).startswith(FILE_PREFIX) else notes

    def supported_params(self):
        return (ID_PARAM, LAST_UPDATED_PARAM, *self.search_params)

    def get(self, ctx, pk, *, for_update: bool = False):
        return self.part_for(pk).get(ctx, pk, for_update=for_update)

    def read(self, ctx, resource_id: str) -> dict:
        return self.part_for(resource_id).read(ctx, resource_id)

    def search(self, ctx, params, count: int, offset: int) -> SearchResult:
        """The notes first, then the files: ``offset`` counts through both (a count query each, and a
        page query for each half the page reaches)."""
        resources: list[dict] = []
        total = 0
        for part in self.parts():
            rows = part.matching(ctx, params)
            found = rows.count()
            start = max(offset - total, 0)
            take = max(min(count - len(resources), found - start), 0)
            if take:
                resources += part.page(ctx, rows, take, start)
            total += found
        return SearchResult(resources, total)


class BinaryProvider(ResourceProvider):
    """A signed note's PDF (``Binary/note-<id>``) or a chart file (``Binary/file-<id>``), readable
    wherever its DocumentReference is."""

    resource_type = "Binary"
    interactions = ("read",)
    covered_by = ("DocumentReference",)

    def read(self, ctx, resource_id: str) -> dict:
        from core.fhir.registry import providers

        documents = providers()["DocumentReference"]
        kind, _sep, pk = resource_id.partition("-")
        if kind == "note":
            note = documents.notes.get(ctx, pk)
            data = note_pdf(note, for_patient=ctx.is_patient)
            content_type, document_id, shown = "application/pdf", pk, note
        elif kind == "file":
            record = documents.files.get(ctx, resource_id)
            with record.file.open("rb") as stored:
                data = stored.read()
            content_type, document_id, shown = record.content_type, resource_id, record
        else:
            raise NotFound
        # The access log records the document's patient (a Binary names none): see ``shown``.
        ctx.extra.setdefault("binary_documents", {})[resource_id] = {
            "resourceType": "DocumentReference",
            "id": document_id,
            "subject": {"reference": f"Patient/{shown.patient_id}"},
        }
        return {
            "resourceType": "Binary",
            "id": resource_id,
            "contentType": content_type,
            "securityContext": {"reference": f"DocumentReference/{document_id}"},
            "data": base64.b64encode(data).decode("ascii"),
        }

    def shown(self, ctx, resource: dict) -> list[dict]:
        return [ctx.extra.get("binary_documents", {}).get(resource["id"], resource)]
