"""Observation: the chart's vital signs, each with its LOINC code and a UCUM unit, claiming FHIR's
vital-signs profiles and US Core's.

The chart stores a blood pressure as two measurements (systolic and diastolic) taken together; FHIR
has one Observation with a component for each, so the pair is served as one resource with the systolic
row's id. The pain score is a reported score, not a vital sign: it is served as a ``survey``.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from core.fhir.providers import SearchParam
from core.fhir.search import bad_param, date_q, one_of

from ..models import Vital
from ..vitals_catalog import KINDS, UNIT_LABELS
from .coding import LOINC, UCUM, US_CORE, concept, terminology, wanted_codes
from .visibility import PATIENT_PARAM, PROVENANCE_REVINCLUDE, RecordsProvider, patient_reference

VITAL_SIGNS = terminology("observation-category", "vital-signs", "Vital Signs")
SURVEY = terminology("observation-category", "survey", "Survey")
BASE = "http://hl7.org/fhir/StructureDefinition/"
BLOOD_PRESSURE = "85354-9"

# Per vital sign: the LOINC display, FHIR's own vital-signs profile and US Core's.
VITALS = {
    "height": ("Body height", "bodyheight", "us-core-body-height"),
    "weight": ("Body weight", "bodyweight", "us-core-body-weight"),
    "bmi": ("Body mass index (BMI) [Ratio]", "bmi", "us-core-bmi"),
    "systolic": ("Blood pressure panel with all children optional", "bp", "us-core-blood-pressure"),
    "pulse": ("Heart rate", "heartrate", "us-core-heart-rate"),
    "temperature": ("Body temperature", "bodytemp", "us-core-body-temperature"),
    "spo2": ("Oxygen saturation in Arterial blood by Pulse oximetry", "oxygensat", "us-core-pulse-oximetry"),
    "respiratory_rate": ("Respiratory rate", "resprate", "us-core-respiratory-rate"),
}
PAIN = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
COMPONENTS = {"systolic": "Systolic blood pressure", "diastolic": "Diastolic blood pressure"}


def profiles_of(kind: str) -> tuple[str, ...]:
    if kind not in VITALS:
        return ()
    _display, base, us_core = VITALS[kind]
    return (f"{BASE}vitalsigns", f"{BASE}{base}", f"{US_CORE}{us_core}")


def code_of(kind: str) -> str:
    return BLOOD_PRESSURE if kind == "systolic" else KINDS[kind].loinc


def quantity(value, unit: str) -> dict:
    return {"value": value, "unit": UNIT_LABELS.get(unit, unit), "system": UCUM, "code": unit}


def partner_q(**extra) -> Exists:
    """The diastolic measurement taken with a systolic one (same patient, same moment)."""
    return Exists(
        Vital.objects.filter(
            organization_id=OuterRef("organization_id"),
            patient_id=OuterRef("patient_id"),
            measured_at=OuterRef("measured_at"),
            kind="diastolic",
            **extra,
        )
    )


class ObservationProvider(RecordsProvider):
    resource_type = "Observation"
    revincludes = PROVENANCE_REVINCLUDE
    model = Vital
    updated_field = "updated_at"
    search_params = (
        PATIENT_PARAM,
        SearchParam("category", "token", "vital-signs, survey (the pain score)."),
        SearchParam("code", "token", "A LOINC code (85354-9 for blood pressure)."),
        SearchParam("date", "date", "When it was measured."),
        SearchParam("status", "token", "final, entered-in-error."),
    )

    def every_profile(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for kind in VITALS for p in profiles_of(kind)))

    def profiles_for(self, vital) -> tuple[str, ...]:
        return profiles_of(vital.kind)

    def queryset(self, ctx):
        # The diastolic half of a blood pressure is served inside its systolic partner.
        return super().queryset(ctx).exclude(kind="diastolic")

    def shown_to_patient(self, ctx) -> Q:
        return Q(entered_in_error=False) & ~(Q(kind="systolic") & partner_q(entered_in_error=True))

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "category":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            kinds = [k for k in KINDS if ("survey" if k == "pain" else "vital-signs") in codes]
            return queryset.filter(kind__in=kinds)
        if name == "code":
            codes = wanted_codes(value, LOINC)
            return queryset.filter(kind__in=[k for k in KINDS if k != "diastolic" and code_of(k) in codes])
        if name == "date":
            return queryset.filter(date_q(name, value, "measured_at"))
        if name == "status":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            if not codes <= {
                "registered",
                "preliminary",
                "final",
                "amended",
                "corrected",
                "cancelled",
                "entered-in-error",
                "unknown",
            }:
                raise bad_param(name, value)
            found = queryset.none()
            if "final" in codes:
                found = queryset.filter(entered_in_error=False)
            if "entered-in-error" in codes:
                found = found | queryset.filter(entered_in_error=True)
            return found
        return super().filter(queryset, name, modifier, value, ctx)

    def render_many(self, objects, ctx):
        """Each page's blood pressures are completed with their diastolic halves in one query."""
        systolic = [v for v in objects if v.kind == "systolic"]
        partners: dict[tuple, list[Vital]] = {}
        if systolic:
            rows = Vital.objects.filter(
                organization_id=ctx.organization.pk,
                kind="diastolic",
                patient_id__in={v.patient_id for v in systolic},
                measured_at__in={v.measured_at for v in systolic},
            ).order_by("pk")
            for row in rows:
                partners.setdefault((row.patient_id, row.measured_at), []).append(row)
        for vital in systolic:
            # Two sets recorded at the same moment pair in the order they were written.
            candidates = partners.get((vital.patient_id, vital.measured_at), [])
            later = [d for d in candidates if d.pk > vital.pk] or candidates
            vital.diastolic = later[0] if later else None
            if vital.diastolic is not None:
                candidates.remove(vital.diastolic)
        return [self.render(obj, ctx) for obj in objects]

    def to_resource(self, vital: Vital, ctx) -> dict:
        in_error = vital.entered_in_error
        resource = {
            "status": "final",
            "subject": patient_reference(vital),
            "effectiveDateTime": vital.measured_at.astimezone(vital.clinic.tzinfo).isoformat(),
        }
        if vital.encounter_id:
            resource["encounter"] = {"reference": f"Encounter/{vital.encounter_id}"}
        if vital.kind == "pain":
            resource["category"] = [SURVEY]
            resource["code"] = concept(LOINC, vital.loinc_code, PAIN, str(KINDS["pain"].label))
            resource["valueQuantity"] = quantity(vital.value, vital.unit)
        elif vital.kind == "systolic":
            diastolic = getattr(vital, "diastolic", None)
            resource["category"] = [VITAL_SIGNS]
            resource["code"] = concept(LOINC, BLOOD_PRESSURE, VITALS["systolic"][0], _("Blood pressure"))
            resource["component"] = [
                {
                    "code": concept(LOINC, KINDS["systolic"].loinc, COMPONENTS["systolic"]),
                    "valueQuantity": quantity(vital.value, vital.unit),
                },
                _diastolic(diastolic),
            ]
            in_error = in_error or (diastolic is not None and diastolic.entered_in_error)
        else:
            kind = KINDS[vital.kind]
            codes = concept(LOINC, kind.loinc, VITALS[vital.kind][0], str(kind.label))
            if vital.kind == "spo2":
                # US Core's pulse oximetry also names the arterial saturation the reading stands for.
                codes["coding"].append(
                    {"system": LOINC, "code": "2708-6", "display": "Oxygen saturation in Arterial blood"}
                )
            resource["category"] = [VITAL_SIGNS]
            resource["code"] = codes
            resource["valueQuantity"] = quantity(vital.value, vital.unit)
        if in_error:
            resource["status"] = "entered-in-error"
        return resource


def _diastolic(diastolic: Vital | None) -> dict:
    component = {"code": concept(LOINC, KINDS["diastolic"].loinc, COMPONENTS["diastolic"])}
    if diastolic is None:
        component["dataAbsentReason"] = terminology("data-absent-reason", "unknown", "Unknown")
    else:
        component["valueQuantity"] = quantity(diastolic.value, diastolic.unit)
    return component
