"""Reads: which patients a member may see, and searching them."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.db.models import CharField, Exists, Func, OuterRef, Q, QuerySet

from core.compiled import CompiledQuery
from core.tenancy.models import Role

from .models import Patient, PatientClinic

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y")
# The trigram index finds a name fragment only from three letters on.
TRIGRAM = 3


def visible_patients(member) -> QuerySet[Patient]:
    """Patients of the member's organization; for practitioners and staff, those of their clinics only."""
    return _patients_seen(member.organization.pk, None if member.role == Role.OWNER else member.clinic_ids)


def _patients_seen(organization_id: int, clinic_ids) -> QuerySet[Patient]:
    """Patients of the organization (not merged away); of these clinics only unless ``clinic_ids`` is None."""
    patients = Patient.objects.filter(organization_id=organization_id, merged_into__isnull=True)
    if clinic_ids is not None:
        patients = patients.filter(
            Exists(
                PatientClinic.objects.filter(
                    organization_id=organization_id, patient_id=OuterRef("pk"), clinic_id__in=clinic_ids
                )
            )
        )
    return patients


# One patient named by id, as the API's bookings, invoices and waitlist read them: compiled once
# (core/compiled.py), then only run.
_PATIENT_OF_ORGANIZATION = CompiledQuery(
    lambda organization_id, pk: _patients_seen(organization_id, None).filter(pk=pk).order_by("pk")[:1]
)
_PATIENT_OF_CLINICS = CompiledQuery(
    lambda organization_id, clinic_ids, pk: (
        _patients_seen(organization_id, clinic_ids).filter(pk=pk).order_by("pk")[:1]
    )
)


def visible_patient(member, pk) -> Patient | None:
    """The patient ``pk`` when ``member`` may see them (see ``visible_patients``); None otherwise."""
    organization_id = member.organization.pk
    if member.role == Role.OWNER:
        found = _PATIENT_OF_ORGANIZATION(organization_id=organization_id, pk=pk)
    else:
        found = _PATIENT_OF_CLINICS(organization_id=organization_id, clinic_ids=member.clinic_ids, pk=pk)
    return found[0] if found else None


def _parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _search_terms(query: str) -> tuple[str | None, Any]:
    """What a free-text query searches by, in the order it is recognised: (None, None) for nothing,
    ("born", a date of birth), ("email", the text), ("number", (its digits, the text)) for a phone or
    record number, else ("name", up to five lower-case fragments)."""
    query = (query or "").strip()[:200]
    if not query:
        return None, None
    born = _parse_date(query)
    if born:
        return "born", born
    if "@" in query:
        return "email", query
    digits = re.sub(r"[\s\-().+]", "", query)
    if digits.isdigit():
        return "number", (digits, query)
    return "name", query.lower().split()[:5]


def search_patients(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    """Narrow ``patients`` by a free-text query: a date of birth, an email, a phone or record number, or
    name fragments (every fragment must match; trigram-indexed)."""
    kind, terms = _search_terms(query)
    if kind == "born":
        return patients.filter(date_of_birth=terms)
    if kind == "email":
        return patients.filter(email__iexact=terms) | patients.filter(email__icontains=terms)
    if kind == "number":
        digits, text = terms
        condition = Q(phone__contains=digits) | Q(phone__contains=text)
        if len(digits) <= 12:
            condition |= Q(record_number=int(digits))
        return patients.filter(condition)
    for fragment in terms or ():
        patients = patients.filter(search_name__contains=fragment)
    return patients


class _SortedNotWalked(Func):
    """``column || ''``: the same value in the same order, which the planner cannot read from an index."""

    template = "(%(expressions)s || '')"
    output_field = CharField()


def in_name_order(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    """Family name, given name, record id. For a name fragment the trigram index finds the matches and
    they are sorted: walking the name index in order instead reads the organization's patients until
    enough match (thousands of rows for a name late in the alphabet), and the planner, misjudging how
    many match, takes that walk for common fragments."""
    kind, fragments = _search_terms(query)
    if kind == "name" and any(len(fragment) >= TRIGRAM for fragment in fragments):
        return patients.order_by(_SortedNotWalked("family_name"), "given_name", "id")
    return patients.order_by("family_name", "given_name", "id")


def possible_duplicates(
    organization_id: int,
    *,
    given_name: str,
    family_name: str,
    date_of_birth=None,
    email: str = "",
    phone: str = "",
    exclude_pk: int | None = None,
) -> QuerySet[Patient]:
    """Patients of the organization that look like the same person: same name and birth date, or the
    same email or phone."""
    condition = Q()
    if date_of_birth:
        condition |= Q(
            given_name__iexact=given_name.strip(),
            family_name__iexact=family_name.strip(),
            date_of_birth=date_of_birth,
        )
    if email:
        condition |= Q(email__iexact=email.strip())
    if phone:
        condition |= Q(phone=phone.strip())
    if not condition:
        return Patient.objects.none()
    found = Patient.objects.filter(organization_id=organization_id, merged_into__isnull=True).filter(
        condition
    )
    if exclude_pk:
        found = found.exclude(pk=exclude_pk)
    return found
