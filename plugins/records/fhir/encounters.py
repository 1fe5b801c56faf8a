"""Encounter (US Core Encounter): a visit, a walk-in, a phone or video call, with the practitioner, the
clinic and, for members, the reason for the visit.

A patient app sees the encounters its patient's shared notes belong to (the portal shows each shared
note's visit: when, where and with whom), without the clinician's reason for the visit.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest

from core.fhir.identifiers import code_system
from core.fhir.providers import SearchParam, reference
from core.fhir.search import bad_param, date_q, one_of

from ..models import Encounter, EncounterKind, Note
from .coding import US_CORE, concept, terminology
from .visibility import (
    PATIENT_PARAM,
    PROVENANCE_REVINCLUDE,
    RecordsProvider,
    clinic_time,
    note_q,
    patient_reference,
)

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
VIRTUAL = {EncounterKind.PHONE, EncounterKind.VIDEO}


def encounter_class(kind: str) -> dict:
    if kind in VIRTUAL:
        return {"system": ACT_CODE, "code": "VR", "display": "virtual"}
    return {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}


class EncounterProvider(RecordsProvider):
    resource_type = "Encounter"
    revincludes = PROVENANCE_REVINCLUDE
    model = Encounter
    profiles = (f"{US_CORE}us-core-encounter",)
    updated_field = "changed_at"
    related = ("patient", "clinic", "practitioner__user")
    search_params = (
        PATIENT_PARAM,
        SearchParam("date", "date", "When the encounter took place."),
        SearchParam("status", "token", "in-progress, finished."),
        SearchParam("class", "token", "AMB (in person), VR (phone or video)."),
        SearchParam("type", "token", "How the patient was seen: appointment, walk_in, phone, video, other."),
    )

    def shown_to_patient(self, ctx) -> Q:
        shared = Note.objects.filter(note_q(ctx), encounter_id=OuterRef("pk"))
        return Q(Exists(shared))

    def with_related(self, rows, ctx):
        history = Encounter.pgh_event_model.objects.filter(pgh_obj_id=OuterRef("pk")).order_by("-pgh_id")
        signed = Note.objects.filter(encounter_id=OuterRef("pk")).exclude(status="draft")
        return rows.annotate(
            # The last change history recorded (an encounter is rarely changed after it is opened).
            changed_at=Greatest(
                F("created_at"), Coalesce(Subquery(history.values("pgh_created_at")[:1]), F("created_at"))
            ),
            documented=Exists(signed),
        )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "date":
            return queryset.filter(date_q(name, value, "started_at"))
        if name == "status":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            known = {
                "planned",
                "arrived",
                "triaged",
                "in-progress",
                "onleave",
                "finished",
                "cancelled",
                "entered-in-error",
                "unknown",
            }
            if not codes <= known:
                raise bad_param(name, value)
            finished = Q(ended_at__isnull=False) | Q(documented=True)
            found = queryset.none()
            if "finished" in codes:
                found = queryset.filter(finished)
            if "in-progress" in codes:
                found = found | queryset.exclude(finished)
            return found
        if name == "class":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            kinds = [k for k in EncounterKind.values if encounter_class(k)["code"] in codes]
            return queryset.filter(kind__in=kinds)
        if name == "type":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            return queryset.filter(kind__in=codes & set(EncounterKind.values))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, encounter: Encounter, ctx) -> dict:
        clinic = encounter.clinic
        period = {"start": clinic_time(encounter.started_at, clinic)}
        if encounter.ended_at:
            period["end"] = clinic_time(encounter.ended_at, clinic)
        finished = encounter.ended_at is not None or encounter.documented
        resource = {
            "status": "finished" if finished else "in-progress",
            "class": encounter_class(encounter.kind),
            "type": [
                concept(
                    code_system("encounter-kind"),
                    encounter.kind,
                    text=str(encounter.get_kind_display()),
                )
            ],
            "subject": patient_reference(encounter),
            "participant": [
                {
                    "type": [terminology("v3-ParticipationType", "PPRF", "primary performer")],
                    "individual": reference(
                        "Practitioner", encounter.practitioner_id, encounter.practitioner.name
                    ),
                }
            ],
            "period": period,
            "location": [{"location": reference("Location", clinic.pk, clinic.name)}],
            "serviceProvider": reference("Organization", ctx.organization.pk, ctx.organization.name),
        }
        if encounter.appointment_id:
            resource["appointment"] = [{"reference": f"Appointment/{encounter.appointment_id}"}]
        if encounter.reason and not ctx.is_patient:
            resource["reasonCode"] = [{"text": encounter.reason}]
        return resource
