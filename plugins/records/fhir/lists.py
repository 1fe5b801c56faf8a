"""The patient's lists: Condition (the problem list, US Core Problems and Health Concerns),
AllergyIntolerance (US Core) and MedicationStatement (medications the patient takes or took).

An entry struck through as entered in error stays in the chart's history: members see it with the
status ``entered-in-error``, a patient app does not see it (as in the portal's data download).
"""

from __future__ import annotations

from core.fhir.providers import SearchParam
from core.fhir.search import bad_param, date_q, day_q, one_of

from .. import icd10
from ..models import Allergy, AllergyStatus, Medication, MedicationStatus, Problem, ProblemStatus
from .coding import ICD10CM, US_CORE, terminology, wanted_codes
from .visibility import PATIENT_PARAM, PROVENANCE_REVINCLUDE, RecordsProvider, clinic_time, patient_reference

PROBLEM_LIST_ITEM = terminology("condition-category", "problem-list-item", "Problem List Item")


def _statuses(name: str, value: str, known: set[str]) -> set[str]:
    wanted = {code.rpartition("|")[2] for code in one_of(value)}
    if not wanted <= known:
        raise bad_param(name, value)
    return wanted


class ConditionProvider(RecordsProvider):
    resource_type = "Condition"
    revincludes = PROVENANCE_REVINCLUDE
    model = Problem
    profiles = (f"{US_CORE}us-core-condition-problems-health-concerns",)
    updated_field = "updated_at"
    version_field = "version"
    search_params = (
        PATIENT_PARAM,
        SearchParam("category", "token", "problem-list-item (the problem list is all there is)."),
        SearchParam("clinical-status", "token", "active, resolved."),
        SearchParam("code", "token", "An ICD-10-CM code (http://hl7.org/fhir/sid/icd-10-cm|J45.909)."),
        SearchParam("onset-date", "date", "When the problem began."),
        SearchParam("recorded-date", "date", "When the problem was put on the list."),
    )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "category":
            codes = {code.rpartition("|")[2] for code in one_of(value)}
            return queryset if "problem-list-item" in codes else queryset.none()
        if name == "clinical-status":
            known = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
            wanted = _statuses(name, value, known)
            return queryset.filter(
                status__in=[s for s in ProblemStatus.values if s in wanted], entered_in_error=False
            )
        if name == "code":
            return queryset.filter(icd10_code__in={c.upper() for c in wanted_codes(value, ICD10CM)})
        if name == "onset-date":
            return queryset.filter(day_q(name, value, "onset_date"))
        if name == "recorded-date":
            return queryset.filter(date_q(name, value, "created_at"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, problem: Problem, ctx) -> dict:
        code = {"text": problem.description}
        if problem.icd10_code:
            code["coding"] = [
                {"system": ICD10CM, "code": problem.icd10_code, "display": icd10.title_of(problem.icd10_code)}
            ]
        resource = {
            "category": [PROBLEM_LIST_ITEM],
            "code": code,
            "subject": patient_reference(problem),
            "recordedDate": clinic_time(problem.created_at, problem.clinic),
        }
        if problem.entered_in_error:
            # A struck-through entry carries no clinical status (con-5).
            resource["verificationStatus"] = terminology("condition-ver-status", "entered-in-error")
        else:
            resource["clinicalStatus"] = terminology("condition-clinical", problem.status)
            if problem.status == ProblemStatus.RESOLVED and problem.resolved_date:
                resource["abatementDateTime"] = problem.resolved_date.isoformat()
        if problem.onset_date:
            resource["onsetDateTime"] = problem.onset_date.isoformat()
        return resource


class AllergyIntoleranceProvider(RecordsProvider):
    resource_type = "AllergyIntolerance"
    revincludes = PROVENANCE_REVINCLUDE
    model = Allergy
    profiles = (f"{US_CORE}us-core-allergyintolerance",)
    updated_field = "updated_at"
    version_field = "version"
    search_params = (
        PATIENT_PARAM,
        SearchParam("clinical-status", "token", "active, inactive, resolved."),
        SearchParam("date", "date", "When the allergy was recorded."),
    )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "clinical-status":
            wanted = _statuses(name, value, set(AllergyStatus.values))
            return queryset.filter(status__in=wanted, entered_in_error=False)
        if name == "date":
            return queryset.filter(date_q(name, value, "created_at"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, allergy: Allergy, ctx) -> dict:
        resource = {
            "type": "intolerance" if allergy.is_intolerance else "allergy",
            # The chart's severity is how much the allergy matters to whoever treats the patient.
            "criticality": "high" if allergy.severity == "severe" else "low",
            "code": {"text": allergy.substance},
            "patient": patient_reference(allergy),
            "recordedDate": clinic_time(allergy.created_at, allergy.clinic),
        }
        if allergy.entered_in_error:
            resource["verificationStatus"] = terminology(
                "allergyintolerance-verification", "entered-in-error"
            )
        else:
            resource["clinicalStatus"] = terminology("allergyintolerance-clinical", allergy.status)
        if allergy.reaction:
            resource["reaction"] = [
                {"manifestation": [{"text": allergy.reaction}], "severity": allergy.severity}
            ]
        return resource


MEDICATION_STATUS = {
    MedicationStatus.ACTIVE: "active",
    MedicationStatus.STOPPED: "stopped",
    MedicationStatus.COMPLETED: "completed",
}


class MedicationStatementProvider(RecordsProvider):
    resource_type = "MedicationStatement"
    revincludes = PROVENANCE_REVINCLUDE
    model = Medication
    updated_field = "updated_at"
    version_field = "version"
    search_params = (
        PATIENT_PARAM,
        SearchParam("status", "token", "active, stopped, completed, entered-in-error."),
        SearchParam("effective", "date", "When the patient started taking it."),
    )

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "status":
            wanted = _statuses(name, value, {*MEDICATION_STATUS.values(), "entered-in-error", "intended"})
            ours = [s for s, code in MEDICATION_STATUS.items() if code in wanted]
            found = queryset.filter(status__in=ours, entered_in_error=False)
            if "entered-in-error" in wanted:
                found = found | queryset.filter(entered_in_error=True)
            return found
        if name == "effective":
            return queryset.filter(day_q(name, value, "start_date"))
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, medication: Medication, ctx) -> dict:
        resource = {
            "status": "entered-in-error"
            if medication.entered_in_error
            else MEDICATION_STATUS[medication.status],
            "medicationCodeableConcept": {"text": medication.name},
            "subject": patient_reference(medication),
            "dateAsserted": clinic_time(medication.created_at, medication.clinic),
        }
        period = {}
        if medication.start_date:
            period["start"] = medication.start_date.isoformat()
        if medication.stop_date:
            period["end"] = medication.stop_date.isoformat()
        if period:
            resource["effectivePeriod"] = period
        how = " ".join(filter(None, [medication.dose, medication.frequency]))
        if how or medication.route:
            dosage = {"text": how} if how else {}
            if medication.route:
                dosage["route"] = {"text": medication.route}
            resource["dosage"] = [dosage]
        return resource
