"""Emails the core sends itself (before and without the notifications module)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.links import platform_url


def send_invitation_email(invitation, token: str, inviter) -> None:
    """Queue the invitation email for after the transaction commits (never for a rolled-back invite).
    The link is on the platform's address whatever host the owner invited from."""
    url = platform_url(reverse("accounts:accept_invitation", args=[token], urlconf="core.urls"))
    language = invitation.organization.default_locale or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("You are invited to join %(organization)s") % {
            "organization": invitation.organization.name
        }
        body = render_to_string(
            "accounts/email/invitation.txt",
            {
                "inviter": inviter.full_name or inviter.email,
                "organization": invitation.organization.name,
                "role": invitation.get_role_display(),
                "url": url,
            },
        )
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email], fail_silently=False)
    )
