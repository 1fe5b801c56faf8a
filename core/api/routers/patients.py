"""Patients: search, register (with a duplicate check), read, edit (optimistic locking), archive, link
to another clinic, merge duplicates. The same permissions as the back office's patient pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from core.api.types import BoundedDate
from core.audit.recording import record_list
from core.audit.vocabulary import Category
from core.patients import services
from core.patients.access import access_patient
from core.patients.models import Patient, PatientClinic
from core.patients.selectors import search_patients, visible_patients
from core.tenancy.access import check_perm, require_member, visible_clinics

from ..common import PageParams, choose_visible_clinic, page_of, paginate, requires, responses
from ..errors import ApiConflict
from ..schemas import ErrorDetail, StrictSchema

router = Router(tags=["Patients"])

LANGUAGE_CODES = ["", *(code for code, _label in settings.LANGUAGES)]
SexName = Literal["female", "male", "intersex", "unknown", ""]
DUPLICATES_SHOWN = 5
LIST_FIELDS = (
    "id",
    "organization_id",
    "record_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "email",
    "archived",
)


# --- schemas ---------------------------------------------------------------------------------------------


class PatientSummaryOut(Schema):
    id: int
    record_number: int
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: BoundedDate | None
    phone: str
    email: str
    archived: bool
    clinic_ids: list[int]

    @staticmethod
    def resolve_clinic_ids(patient):
        return sorted(patient.ehr_clinic_ids())


PatientPage = page_of(PatientSummaryOut)


class PatientOut(PatientSummaryOut):
    sex: str
    gender_identity: str
    address_line1: str
    address_line2: str
    city: str
    postal_code: str
    country: str
    emergency_contact_name: str
    emergency_contact_phone: str
    preferred_language: str
    consent_email: bool
    consent_sms: bool
    merged_into_id: int | None
    version: int = Field(description="Send it back with a change: a change to an older version is refused.")
    created_at: datetime
    updated_at: datetime


class DuplicateOut(Schema):
    id: int
    record_number: int
    given_name: str
    family_name: str
    date_of_birth: BoundedDate | None


class PatientCreatedOut(PatientOut):
    possible_duplicates: list[DuplicateOut] = Field(
        description="Registered patients that look like this one (registration went ahead as confirmed)."
    )


class DuplicatesErrorDetail(ErrorDetail):
    possible_duplicates: list[DuplicateOut]


class DuplicatesErrorOut(Schema):
    error: DuplicatesErrorDetail


class StaleErrorDetail(ErrorDetail):
    current_version: int


class StaleErrorOut(Schema):
    error: StaleErrorDetail


class PatientFields(StrictSchema):
    """A patient's details; on a change only the fields sent are applied."""

    given_name: str = None
    family_name: str = None
    preferred_name: str = None
    date_of_birth: BoundedDate | None = None
    sex: SexName = None
    gender_identity: str = None
    email: str = None
    phone: str = None
    address_line1: str = None
    address_line2: str = None
    city: str = None
    postal_code: str = None
    country: str = Field(None, description="Two-letter country code.")
    emergency_contact_name: str = None
    emergency_contact_phone: str = None
    preferred_language: str = Field(None, description=f"Empty, or one of {', '.join(LANGUAGE_CODES[1:])}.")
    consent_email: bool = None
    consent_sms: bool = None

    @field_validator("given_name", "family_name")
    @classmethod
    def _name(cls, value):
        if not value.strip():
            raise ValueError(_("This field cannot be blank."))
        return value.strip()

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value):
        if value and value > timezone.localdate():
            raise ValueError(_("The date of birth cannot be in the future."))
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        value = value.strip()
        if value:
            try:
                validate_email(value)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value):
        return value.strip().upper()

    @field_validator("preferred_language")
    @classmethod
    def _language(cls, value):
        if value not in LANGUAGE_CODES:
            raise ValueError(_("Select a valid choice. That choice is not one of the available choices."))
        return value


class PatientCreateIn(PatientFields):
    clinic_id: int = Field(description="The clinic registering the patient: one the caller works at.")
    given_name: str
    family_name: str
    confirm_duplicate: bool = Field(
        False, description="Register even though patients that look the same exist (otherwise 409)."
    )


class PatientPatchIn(PatientFields):
    version: Annotated[int, Field(ge=1, description="The version the change was made against.")]


class PatientFilters(PageParams):
    q: Annotated[str, Field(max_length=200)] = Field(
        "", description="Name fragments, a date of birth, an email, a phone or a record number."
    )
    clinic_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Only patients seen at this clinic.")
    archived: bool = Field(False, description="List archived records instead of current ones.")


class ClinicLinkIn(StrictSchema):
    clinic_id: int


class MergeIn(StrictSchema):
    duplicate_id: int = Field(description="The duplicate record, folded into this one and then archived.")


# --- helpers ---------------------------------------------------------------------------------------------


def _with_clinics(patients):
    return patients.prefetch_related(
        Prefetch("patientclinic_set", queryset=PatientClinic.objects.only("id", "patient_id", "clinic_id"))
    )


def _duplicate(patient: Patient) -> dict:
    return DuplicateOut.model_validate(patient).model_dump(mode="json")


def _reloaded(patient: Patient) -> Patient:
    return _with_clinics(Patient.objects.filter(organization_id=patient.organization_id)).get(pk=patient.pk)


# --- operations ------------------------------------------------------------------------------------------


@router.get(
    "/patients",
    response=responses({200: PatientPage}),
    operation_id="patients_list",
    openapi_extra=requires("patients.list_patients"),
)
def list_patients(request, filters: Query[PatientFilters]):
    """Patients the caller may see (owners: all; others: those of their clinics), by name."""
    ctx = require_member(request)
    check_perm(request, "patients.list_patients", ctx.organization)
    patients = visible_patients(ctx)
    if filters.clinic_id is not None:
        patients = patients.filter(
            Exists(
                PatientClinic.objects.filter(
                    organization_id=ctx.organization.pk,
                    patient_id=OuterRef("pk"),
                    clinic_id=filters.clinic_id,
                    clinic__in=visible_clinics(request),
                )
            )
        )
    patients = search_patients(patients.filter(archived=filters.archived), filters.q)
    patients = _with_clinics(patients.order_by("family_name", "given_name", "id").only(*LIST_FIELDS))
    page = paginate(request, patients, filters)
    record_list(page["items"], Category.DEMOGRAPHICS)
    return page


@router.post(
    "/patients",
    response=responses({201: PatientCreatedOut, 409: DuplicatesErrorOut}),
    operation_id="patients_create",
    openapi_extra=requires("patients.add_patient"),
)
def create_patient(request, payload: PatientCreateIn):
    """Register a patient at one of the caller's clinics with the next medical record number.

    When patients that look the same exist (same name and birth date, or same email or phone) nothing is
    registered: 409 with ``possible_duplicates``, unless ``confirm_duplicate`` is true."""
    ctx = require_member(request)
    clinic = choose_visible_clinic(request, payload.clinic_id)
    check_perm(request, "patients.add_patient", clinic)
    data = payload.model_dump(exclude_unset=True, exclude={"clinic_id", "confirm_duplicate"})
    # Field errors first, as the registration page does, so a duplicate warning is never about bad input.
    Patient(organization_id=ctx.organization.pk, **data).clean_fields(
        exclude=["organization", "record_number", "search_name", "merged_into"]
    )
    try:
        patient, duplicates = services.register_patient(
            clinic, confirm_duplicate=payload.confirm_duplicate, duplicates_shown=DUPLICATES_SHOWN, **data
        )
    except services.PossibleDuplicates as refused:
        raise ApiConflict(
            _(
                "This patient may already be registered. Check the possible duplicates, then send again "
                "with confirm_duplicate set to true if this is a different person."
            ),
            code="possible_duplicates",
            extra={"possible_duplicates": [_duplicate(d) for d in refused.duplicates]},
        ) from None
    patient = _reloaded(patient)
    patient.possible_duplicates = duplicates
    return Status(201, patient)


@router.get(
    "/patients/{patient_id}",
    response=responses({200: PatientOut}),
    operation_id="patients_get",
    openapi_extra=requires("patients.view_patient"),
)
def get_patient_detail(request, patient_id: int):
    return access_patient(request, patient_id)


@router.patch(
    "/patients/{patient_id}",
    response=responses({200: PatientOut, 409: StaleErrorOut}),
    operation_id="patients_update",
    openapi_extra=requires("patients.change_patient"),
)
def update_patient(request, patient_id: int, payload: PatientPatchIn):
    """Change a patient's details. ``version`` is the one the change was made against: if the record was
    saved since, nothing is changed (409 with ``current_version``); reload and apply the change again."""
    patient = access_patient(request, patient_id, permission="patients.change_patient")
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    try:
        with transaction.atomic():
            patient = services.update_patient(patient, version, **data)
    except services.StaleEdit as error:
        current = Patient.objects.filter(pk=patient.pk, organization_id=patient.organization_id).values_list(
            "version", flat=True
        )
        raise ApiConflict(
            " ".join(error.messages), code="stale_version", extra={"current_version": current.first()}
        ) from None
    return _reloaded(patient)


def _set_archived(request, patient_id: int, archived: bool) -> Patient:
    patient = access_patient(request, patient_id, permission="patients.archive_patient")
    with transaction.atomic():
        services.set_archived(patient, archived)
    return _reloaded(patient)


@router.post(
    "/patients/{patient_id}/archive",
    response=responses({200: PatientOut}),
    operation_id="patients_archive",
    openapi_extra=requires("patients.archive_patient"),
)
def archive_patient(request, patient_id: int):
    """Archive a record: it leaves the default list but is kept, and can be restored."""
    return _set_archived(request, patient_id, True)


@router.post(
    "/patients/{patient_id}/unarchive",
    response=responses({200: PatientOut}),
    operation_id="patients_unarchive",
    openapi_extra=requires("patients.archive_patient"),
)
def unarchive_patient(request, patient_id: int):
    """Restore an archived record."""
    return _set_archived(request, patient_id, False)


@router.post(
    "/patients/{patient_id}/clinics",
    response=responses({200: PatientOut}),
    operation_id="patients_link_clinic",
    openapi_extra=requires("patients.change_patient"),
)
def link_clinic(request, patient_id: int, payload: ClinicLinkIn):
    """Let the patient be seen at another of the caller's clinics as well."""
    patient = access_patient(request, patient_id, permission="patients.change_patient")
    clinic = choose_visible_clinic(request, payload.clinic_id)
    with transaction.atomic():
        services.link_to_clinic(patient, clinic)
    return _reloaded(patient)


@router.post(
    "/patients/{patient_id}/merge",
    response=responses({200: PatientOut}),
    operation_id="patients_merge",
    openapi_extra=requires("patients.merge_patients"),
)
def merge_patient(request, patient_id: int, payload: MergeIn):
    """Fold a duplicate record into this one (owners, and staff of the patients' clinics). The duplicate's
    clinics and portal login move here, blanks here are filled from it, and it is archived, not deleted."""
    keep = access_patient(request, patient_id, permission="patients.merge_patients")
    try:
        duplicate = access_patient(request, payload.duplicate_id, permission="patients.merge_patients")
    except (Http404, PermissionDenied):
        raise ValidationError({"duplicate_id": _("No patient you can merge has that id.")}) from None
    with transaction.atomic():
        keep = services.merge_patients(keep, duplicate)
    return _reloaded(keep)
