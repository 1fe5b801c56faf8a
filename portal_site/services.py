"""State changes made from the portal: registering, verifying the email link (linking or creating the
patient record), and updating one's own contact details. Each runs in one transaction and raises
``ValidationError`` with a translated message when refused."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.accounts.language import shipped
from core.accounts.models import User
from core.compliance.consents import record_notice_consent
from core.patients.models import Patient, PatientAccount, PatientClinic
from core.tenancy.services import next_record_number

from .models import PortalRegistration

LINK_LIFETIME_DAYS = 3


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def register(
    clinic,
    *,
    email: str,
    password: str,
    given_name: str,
    family_name: str,
    date_of_birth,
    phone: str = "",
    notice_version: str = "",
):
    """A pending registration and its link's token, ``(registration, token)``; or ``(None, None)`` when the
    email belongs to a login whose password this is not (its owner is told by email instead, and the
    visitor sees the same page either way, so the form does not tell who has an account).

    A new login is created unable to sign in (inactive) until the emailed link is followed. An existing
    login that was never confirmed takes the newest password: nobody has proven the address yet. Nothing
    is linked to a patient record until the link is followed. The privacy notice the visitor agreed to
    is recorded with its version (``notice_version``) for the practice's organization."""
    email = email.strip().lower()
    user = User.objects.select_for_update().filter(email=email).first()
    if user is None:
        # A new login keeps the language its owner signed up in; their emails and pages follow it.
        user = User.objects.create_user(
            email,
            password,
            full_name=f"{given_name} {family_name}".strip(),
            is_active=False,
            preferred_language=shipped(get_language()) or "",
        )
    elif not user.is_active and user.last_login is None:
        user.set_password(password)
        user.save(update_fields=["password"])
    elif not user.check_password(password):
        return None, None
    token = secrets.token_urlsafe(32)
    registration = PortalRegistration.objects.create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        user=user,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        phone=phone.strip(),
        token_hash=_hash(token),
    )
    if notice_version:
        record_notice_consent(user, clinic.organization, notice_version)
    return registration, token


def send_registration_attempt_notice(clinic, email: str) -> None:
    """Tell the owner of an existing login that someone tried to register with their address."""
    from .routing import clinic_portal_url

    send_mail(
        _("Someone tried to sign up at %(clinic)s with your email") % {"clinic": clinic.name},
        _(
            "Someone tried to create an account at %(clinic)s with this email address, which already has "
            "an account. If it was you, sign in with your password, or reset it:\n\n%(link)s\n\n"
            "If it was not you, ignore this email: nothing has changed."
        )
        % {"clinic": clinic.name, "link": clinic_portal_url(clinic, "account/login/")},
        None,
        [email],
    )


def send_verification(clinic, token: str, email: str) -> None:
    from .routing import clinic_portal_url

    link = clinic_portal_url(clinic, f"account/verify/{token}/")
    send_mail(
        _("Confirm your email for %(clinic)s") % {"clinic": clinic.name},
        _(
            "Follow this link to confirm your email and finish signing up:\n\n%(link)s\n\n"
            "It is valid for %(days)s days."
        )
        % {"link": link, "days": LINK_LIFETIME_DAYS},
        None,
        [email],
    )


@transaction.atomic
def renew_verification(clinic, email: str) -> str | None:
    """A fresh link for the newest registration at ``clinic`` still waiting for ``email``'s confirmation;
    None when there is none. The old link stops working and the new one is valid for the full lifetime."""
    registration = (
        PortalRegistration.objects.select_for_update()
        .filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            user__email__iexact=email.strip(),
            verified_at__isnull=True,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if registration is None:
        return None
    token = secrets.token_urlsafe(32)
    registration.token_hash = _hash(token)
    registration.created_at = timezone.now()
    registration.save(update_fields=["token_hash", "created_at"])
    return token


def matching_patient(organization_id: int, *, email: str, date_of_birth, family_name: str) -> Patient | None:
    """The one existing record this registration may be linked to: same email, same date of birth and same
    family name (case-insensitive), not archived or merged, and not already reachable from another login.
    Any doubt (no match or several) gives None: a new record is made rather than risk someone else's."""
    candidates = list(
        Patient.objects.filter(
            organization_id=organization_id,
            email__iexact=email,
            date_of_birth=date_of_birth,
            family_name__iexact=family_name.strip(),
            archived=False,
            merged_into__isnull=True,
        ).exclude(accounts__isnull=False)[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


@transaction.atomic
def verify(clinic, token: str) -> PortalRegistration:
    registration = (
        PortalRegistration.objects.select_for_update()
        .filter(organization_id=clinic.organization_id, clinic=clinic, token_hash=_hash(str(token)[:200]))
        .select_related("user")
        .first()
    )
    if registration is None:
        raise ValidationError(_("This link is not valid."))
    if registration.verified_at:
        return registration
    if (timezone.now() - registration.created_at).days >= LINK_LIFETIME_DAYS:
        raise ValidationError(_("This link has expired. Please sign up again."))
    org = clinic.organization_id
    user = registration.user
    if not user.is_active and user.last_login is None:
        # The address is proven: the login created at registration may sign in from now on.
        user.is_active = True
        user.save(update_fields=["is_active"])
    existing_link = PatientAccount.objects.filter(organization_id=org, user=user).first()
    if existing_link:
        patient = existing_link.patient
    else:
        patient = matching_patient(
            org,
            email=user.email,
            date_of_birth=registration.date_of_birth,
            family_name=registration.family_name,
        )
        if patient is None:
            patient = Patient.objects.create(
                organization_id=org,
                record_number=next_record_number(org),
                given_name=registration.given_name,
                family_name=registration.family_name,
                date_of_birth=registration.date_of_birth,
                email=user.email,
                phone=registration.phone,
                preferred_language=user.preferred_language or clinic.locale,
            )
        PatientAccount.objects.create(
            organization_id=org, user=user, patient=patient, verified_at=timezone.now()
        )
    if not PatientClinic.objects.filter(organization_id=org, patient=patient, clinic=clinic).exists():
        PatientClinic.objects.create(organization_id=org, patient=patient, clinic=clinic)
    registration.verified_at = timezone.now()
    registration.save(update_fields=["verified_at"])
    return registration


PROFILE_FIELDS = (
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "preferred_language",
    "consent_email",
    "consent_sms",
)


@transaction.atomic
def update_profile(patient: Patient, data: dict) -> Patient:
    locked = Patient.objects.select_for_update().get(organization_id=patient.organization_id, pk=patient.pk)
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    locked.version = F("version") + 1
    locked.updated_at = timezone.now()
    locked.save()
    locked.refresh_from_db()
    return locked
