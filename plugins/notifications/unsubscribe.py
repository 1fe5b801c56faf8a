"""The unsubscribe link at the foot of every email to a patient: a signed token naming one patient and one
kind of message, which works without signing in.

The token is signed with the site's secret (``django.core.signing``), so it cannot be forged or altered; it
names its organization, so the public page opens exactly that organization's scope and never looks across
organizations. It only ever turns messages off, so it does not expire.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    organization_id: int
    clinic_id: int
    patient_id: int
    message_type: str


def token_for(clinic, patient, message_type: str) -> str:
    return signing.dumps(
        [clinic.organization_id, clinic.pk, patient.pk, str(message_type)], salt=SALT, compress=True
    )


def read(token: str) -> Unsubscribe | None:
    """What a token names, or None for anything forged, altered or malformed."""
    try:
        value = signing.loads(str(token)[:500], salt=SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 4):
        return None
    organization_id, clinic_id, patient_id, message_type = value
    if not all(isinstance(v, int) and v > 0 for v in (organization_id, clinic_id, patient_id)):
        return None
    if not isinstance(message_type, str):
        return None
    return Unsubscribe(organization_id, clinic_id, patient_id, message_type)


def url_for(clinic, patient, message_type: str) -> str:
    """The absolute address of the unsubscribe page (emails are read outside the site)."""
    path = reverse("public_notifications:unsubscribe", args=[token_for(clinic, patient, message_type)])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
