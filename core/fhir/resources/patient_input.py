"""Reading a Patient a client sends into the registration service's fields."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from ..outcome import Unprocessable
from ..search import reference_id

# Where the patient is registered: a Location (clinic) of the organization.
REGISTERING_CLINIC = f"{settings.EHR_BASE_URL}/fhir/StructureDefinition/registering-clinic"
SEX = {"female": "female", "male": "male", "other": "intersex", "unknown": "unknown"}


def registration_clinic(ctx, body: dict):
    """The clinic named by the ``registering-clinic`` extension, or the caller's only clinic."""
    named = [
        e.get("valueReference", {}).get("reference", "")
        for e in body.get("extension") or []
        if isinstance(e, dict) and e.get("url") == REGISTERING_CLINIC
    ]
    clinics = {c.pk: c for c in ctx.clinics if not c.archived}
    if named:
        try:
            clinic_id = reference_id("extension", str(named[0]), "Location")
        except Exception:
            clinic_id = None
        if clinic_id not in clinics:
            raise Unprocessable(_("The registering clinic is not one of your clinics."))
        return clinics[clinic_id]
    if len(clinics) == 1:
        return next(iter(clinics.values()))
    raise Unprocessable(
        _("Say which clinic registers the patient: add the extension %(url)s with a Location reference.")
        % {"url": REGISTERING_CLINIC}
    )


def _first(items, key=None):
    for item in items or []:
        if isinstance(item, dict) and (key is None or item.get(key)):
            return item
    return None


def patient_fields(body: dict) -> dict:
    """The registration fields from a FHIR Patient (official or first name, gender, birth date,
    first phone and email, first address, first language)."""
    names = [n for n in body.get("name") or [] if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    fields = {"given_name": " ".join(given).strip(), "family_name": str(name.get("family") or "").strip()}
    if not fields["given_name"] or not fields["family_name"]:
        raise Unprocessable(_("A patient needs a given name and a family name."))
    gender = body.get("gender")
    if gender is not None:
        if gender not in SEX:
            raise Unprocessable(_("gender must be female, male, other or unknown."))
        fields["sex"] = SEX[gender]
    if body.get("birthDate"):
        try:
            fields["date_of_birth"] = date.fromisoformat(str(body["birthDate"]))
        except ValueError:
            raise Unprocessable(_("birthDate must be a full date (YYYY-MM-DD).")) from None
    telecom = [t for t in body.get("telecom") or [] if isinstance(t, dict)]
    phone = next((t for t in telecom if t.get("system") in ("phone", "sms")), None)
    email = next((t for t in telecom if t.get("system") == "email"), None)
    if phone:
        fields["phone"] = str(phone.get("value") or "")[:40]
    if email:
        fields["email"] = str(email.get("value") or "")
    address = _first(body.get("address"))
    if address:
        lines = [str(line) for line in address.get("line") or []]
        fields["address_line1"] = lines[0] if lines else ""
        fields["address_line2"] = " ".join(lines[1:])
        fields["city"] = str(address.get("city") or "")
        fields["postal_code"] = str(address.get("postalCode") or "")
        fields["country"] = str(address.get("country") or "")[:2].upper()
    communication = _first(body.get("communication"))
    if communication:
        coding = _first((communication.get("language") or {}).get("coding"), "code")
        if coding:
            fields["preferred_language"] = str(coding["code"])[:10]
    return fields
