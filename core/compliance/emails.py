"""Emails about patients' privacy rights: the organization's owners told of an erasure request that
arrived from the portal, each in their own language; a patient reminded to agree to the privacy notice
in force, in the patient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.accounts.language import recipient_language
from core.links import platform_url
from core.tenancy.models import Membership, Role

from .consents import has_agreed_to_current_notice
from .models import ErasureRequest, NoticeReminder


def tell_owners_of_erasure_request(erasure: ErasureRequest) -> None:
    """Queue one email per active owner for after the transaction commits (never for a request that
    was rolled back). The email names the patient's record number only: the patient's name stays in
    the office, behind the owner's sign-in."""
    organization = erasure.organization
    owners = (
        Membership.objects.filter(organization_id=organization.pk, role=Role.OWNER, is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    url = platform_url(reverse("office:erasure_request", args=[erasure.pk], urlconf="core.urls"))
    emails = []
    for owner in owners:
        language = recipient_language(owner.user.preferred_language, organization.default_locale)
        with translation.override(language):
            subject = _("A patient asked for their data to be erased")
            body = render_to_string(
                "compliance/email/erasure_request.txt",
                {
                    "organization": organization.name,
                    "record_number": erasure.patient.display_record_number,
                    "note": erasure.note,
                    "url": url,
                },
            )
        emails.append((subject, body, owner.user.email))

    def send():
        for subject, body, address in emails:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)

    transaction.on_commit(send)


def send_notice_reminder(clinic, reminder_id: int) -> bool:
    """Send one queued privacy-notice reminder (inside ``clinic``'s organization scope); True when it
    left. The row is locked and marked sent in the same transaction, so a retried task never sends a
    reminder twice after it was recorded as sent; a patient who agreed meanwhile is not written to."""
    # The portal's own address helper: a clinic's verified domain, else /c/<slug>/ on the platform.
    from portal_site.api import clinic_portal_url

    with transaction.atomic():
        reminder = (
            NoticeReminder.objects.select_for_update(of=("self",))
            .select_related("patient", "user", "organization")
            .filter(organization_id=clinic.organization_id, pk=reminder_id, sent_at__isnull=True)
            .first()
        )
        if reminder is None or not reminder.user.email:
            return False
        organization = reminder.organization
        if has_agreed_to_current_notice(reminder.user, organization):
            return False
        language = recipient_language(
            reminder.patient.preferred_language, reminder.user.preferred_language, clinic.locale
        )
        with translation.override(language):
            subject = _("Our privacy notice has changed")
            body = render_to_string(
                "compliance/email/notice_reminder.txt",
                {
                    "practice": organization.name,
                    "clinic": clinic.name,
                    "url": clinic_portal_url(clinic, "account/login/"),
                },
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.user.email], fail_silently=False)
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])
    return True
