"""Emails about patients' privacy rights: the organization's owners told of an erasure request that
arrived from the portal, each in their own language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.accounts.language import recipient_language
from core.links import platform_url
from core.tenancy.models import Membership, Role

from .models import ErasureRequest


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
