"""Writing messages to the outbox.

A message is rendered when it is recorded (so it says what was true when the event happened), written under
its idempotency key, and handed to a worker once the transaction commits.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.tasks import enqueue_on_commit
from core.tenancy.models import Clinic

from .. import unsubscribe
from ..models import Channel, NotificationSettings, OutboxMessage, Status
from ..rendering import Rendered
from .quiet_hours import quiet_until

log = logging.getLogger(__name__)

# Queued by path: a rename here would strand messages already waiting in the queue.
SEND_TASK = "plugins.notifications.tasks.send_message"


def with_unsubscribe(
    rendered: Rendered, clinic: Clinic, patient: Any, message_type: str, language: str
) -> Rendered:
    """The email with its unsubscribe link added below the clinic's wording (which cannot remove it)."""
    link = unsubscribe.url_for(clinic, patient, message_type)
    with translation.override(language):
        note = _("You receive this because you are a patient of %(clinic)s.") % {"clinic": clinic.name}
        action = _("Stop these emails")
    text = f"{rendered.text}\n\n--\n{note}\n{action}: {link}"
    footer = (
        '<p style="margin-top:2em;font-size:12px;color:#555">'
        f'{escape(note)} <a href="{escape(link)}">{escape(action)}</a></p>'
    )
    html = rendered.html.replace("</body>", f"{footer}</body>", 1)
    return Rendered(rendered.subject, text, html, rendered.sms, list(rendered.fell_back))


def record(
    clinic: Clinic,
    *,
    key: str,
    channel: str,
    recipient: str,
    message_type: str,
    language: str,
    rendered: Rendered,
    now: datetime,
    patient: Any = None,
    related: tuple[str, int | None] = ("", None),
    status: str = Status.QUEUED,
    error: str = "",
    config: NotificationSettings | None = None,
) -> OutboxMessage | None:
    """Write one outbox row under ``key``; None when the key was used before (the event was handled)."""
    next_attempt_at = now
    if status == Status.QUEUED and channel == Channel.SMS and config is not None:
        next_attempt_at = quiet_until(config, clinic, now) or now
    fields = dict(  # noqa: C408 - keyword form mirrors the model fields
        organization_id=clinic.organization_id,
        clinic=clinic,
        patient=patient,
        recipient=recipient[:254],
        channel=channel,
        message_type=message_type,
        related_type=related[0],
        related_id=related[1],
        idempotency_key=key[:200],
        language=language,
        status=status,
        last_error=error,
        next_attempt_at=next_attempt_at if status == Status.QUEUED else None,
    )
    if channel == Channel.SMS:
        fields.update(body_text=rendered.sms)
    else:
        fields.update(subject=rendered.subject, body_text=rendered.text, body_html=rendered.html)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(**fields)
    except IntegrityError:
        return None
    if rendered.fell_back:
        log.warning("message %s used the default wording for %s", message.pk, ", ".join(rendered.fell_back))
    if status == Status.QUEUED and next_attempt_at <= now:
        enqueue_on_commit(SEND_TASK, clinic.pk, message_id=message.pk)
    return message


def key_used(clinic: Clinic, key: str) -> bool:
    """Whether any channel's message was already recorded for the event ``key``."""
    return OutboxMessage.objects.filter(
        organization_id=clinic.organization_id, idempotency_key__startswith=f"{key}:"
    ).exists()
