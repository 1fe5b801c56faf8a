"""Messages to a patient: on every channel their consent, their preferences and the clinic allow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from .. import preferences
from ..models import Channel, OutboxMessage, Status
from .config import language_for, sender_name, settings_for
from .outbox import key_used, record, with_unsubscribe
from .phones import normalize_phone
from .wording import render_for


def notify_patient(
    clinic: Clinic,
    patient: Any,
    message_type: str,
    *,
    key: str,
    context: dict,
    related: tuple[str, int | None] = ("", None),
    skip_reason: str = "",
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Record ``message_type`` for ``patient`` on every channel their consent, their preferences and the
    clinic's settings allow. ``key`` identifies the event: the same key never records twice."""
    now = now or timezone.now()
    if patient is None or key_used(clinic, key):
        return []
    config = settings_for(clinic)
    language = language_for(clinic, patient)
    preference = preferences.preference_for(patient, message_type)
    values = {
        "patient_name": patient.preferred_name or patient.full_name,
        # English greets by first name ("Hello Liam,"); languages with a formal address keep the full name.
        "patient_first_name": patient.preferred_name or patient.given_name or patient.full_name,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "sender_name": sender_name(clinic, config),
        **context,
    }
    rendered = render_for(clinic, message_type, language, values)
    common = dict(  # noqa: C408
        message_type=message_type,
        language=language,
        now=now,
        patient=patient,
        related=related,
        config=config,
    )
    wants = {
        channel: preferences.clinic_uses(config, channel)
        and preferences.patient_wants(patient, preference, channel)
        for channel in (Channel.EMAIL, Channel.SMS)
    }
    made = []
    status = Status.SKIPPED if skip_reason else Status.QUEUED
    if not (wants[Channel.EMAIL] and patient.email) and not (wants[Channel.SMS] and patient.phone):
        if any(wants.values()):
            # The patient would receive this but has no address for it: kept as "not sent: no address", so
            # the log shows it without counting it among the failures that need someone to act.
            channel = Channel.EMAIL if wants[Channel.EMAIL] else Channel.SMS
            made.append(
                record(
                    clinic,
                    key=f"{key}:{channel.value}",
                    channel=channel,
                    recipient="",
                    status=Status.SKIPPED if skip_reason else Status.NO_ADDRESS,
                    error=skip_reason
                    or (
                        _("The patient has no email address.")
                        if channel == Channel.EMAIL
                        else _("The patient has no phone number.")
                    ),
                    rendered=(
                        with_unsubscribe(rendered, clinic, patient, message_type, language)
                        if channel == Channel.EMAIL
                        else rendered
                    ),
                    **common,
                )
            )
        return [m for m in made if m is not None]
    if wants[Channel.EMAIL] and patient.email:
        made.append(
            record(
                clinic,
                key=f"{key}:email",
                channel=Channel.EMAIL,
                recipient=patient.email,
                status=status,
                error=skip_reason,
                rendered=with_unsubscribe(rendered, clinic, patient, message_type, language),
                **common,
            )
        )
    # Text messages need the patient's consent for every kind of message, transactional ones included.
    if wants[Channel.SMS] and patient.phone:
        number = normalize_phone(patient.phone, clinic, patient)
        if number is None:
            made.append(
                record(
                    clinic,
                    key=f"{key}:sms",
                    channel=Channel.SMS,
                    recipient=patient.phone,
                    status=Status.FAILED,
                    error=_("The phone number “%(phone)s” is not a valid number.") % {"phone": patient.phone},
                    rendered=rendered,
                    **common,
                )
            )
        else:
            made.append(
                record(
                    clinic,
                    key=f"{key}:sms",
                    channel=Channel.SMS,
                    recipient=number,
                    status=status,
                    error=skip_reason,
                    rendered=rendered,
                    **common,
                )
            )
    return [m for m in made if m is not None]
