"""Handing one message to the mail server or the text-message provider.

A refusal that trying again cannot fix (a refused recipient, a provider's permanent error) is raised as
``PermanentFailure``; any other error is worth another attempt later.
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .. import sms, unsubscribe
from ..models import OutboxMessage


class PermanentFailure(Exception):
    pass


def send_email(message: OutboxMessage, sender: str) -> str:
    """Send ``message`` by email from ``sender``; the Message-ID it went out with."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    message_id = make_msgid(domain=address.rpartition("@")[2] or "localhost")
    headers = {"Message-ID": message_id}
    if message.patient_id:
        # One-click unsubscribe (RFC 8058): mail programs show their own button for this link.
        link = unsubscribe.url_for(message.clinic, message.patient, message.message_type)
        headers.update(
            {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        )
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=formataddr((sender, address)),
        to=[message.recipient],
        headers=headers,
        connection=get_connection(fail_silently=False),
    )
    email.attach_alternative(message.body_html, "text/html")
    try:
        if email.send() != 1:
            raise RuntimeError("the mail server accepted nothing")
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"recipient refused: {error}") from error
    return message_id


def send_sms(message: OutboxMessage, sender: str) -> str:
    """Send ``message`` as a text from ``sender``; the provider's id for it."""
    try:
        return (
            sms.get_backend()
            .send(to=message.recipient, body=sms.fit_to_segments(message.body_text), sender=sender[:11])
            .provider_id
        )
    except sms.SmsError as error:
        if not error.retryable:
            raise PermanentFailure(str(error)) from error
        raise
