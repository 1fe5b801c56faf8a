"""What a patient agreed to receive, and the one answer every sender asks: may this message go to this
patient on this channel?

Three things must all say yes: the clinic uses the channel, the patient's consent on their record (email,
text messages; text messages need it for every kind of message, transactional ones included), and the
patient's own choice for that kind of message (no row: yes). Changes come from the portal, the back
office, or an email's unsubscribe link.
"""

from __future__ import annotations

from django.db import transaction

from core.patients.models import Patient

from .models import PATIENT_TYPES, Channel, NotificationSettings, PatientPreference


def clinic_uses(config: NotificationSettings, channel: str) -> bool:
    return bool(config.sms_enabled if channel == Channel.SMS else config.email_enabled)


def preference_for(patient: Patient, message_type: str) -> PatientPreference | None:
    return PatientPreference.objects.filter(
        organization_id=patient.organization_id, patient=patient, message_type=message_type
    ).first()


def patient_wants(patient: Patient, preference: PatientPreference | None, channel: str) -> bool:
    """The patient's consent and their choice for one kind of message (``preference``) on ``channel``."""
    if channel == Channel.SMS:
        return bool(patient.consent_sms and (preference is None or preference.sms))
    return bool(patient.consent_email and (preference is None or preference.email))


def may_send(config: NotificationSettings, patient: Patient, message_type: str, channel: str) -> bool:
    """Asked when a message is recorded and again just before it goes out (a patient may opt out, or the
    clinic switch a channel off, while a message waits for quiet hours or a retry)."""
    if not clinic_uses(config, channel):
        return False
    return patient_wants(patient, preference_for(patient, message_type), channel)


def choices_of(patient: Patient) -> dict[str, PatientPreference]:
    return {
        p.message_type: p
        for p in PatientPreference.objects.filter(organization_id=patient.organization_id, patient=patient)
    }


@transaction.atomic
def save_choices(patient: Patient, choices: dict[str, dict[str, bool]]) -> None:
    """Store ``{message_type: {"email": bool, "sms": bool}}``; a channel left out keeps its value."""
    known = {t.value for t in PATIENT_TYPES}
    for message_type, channels in choices.items():
        if message_type not in known:
            continue
        found = (
            PatientPreference.objects.select_for_update()
            .filter(organization_id=patient.organization_id, patient=patient, message_type=message_type)
            .first()
        ) or PatientPreference(
            organization_id=patient.organization_id, patient=patient, message_type=message_type
        )
        for channel in (Channel.EMAIL, Channel.SMS):
            if channel.value in channels:
                setattr(found, channel.value, bool(channels[channel.value]))
        found.save()


def opt_out(patient: Patient, message_type: str, channel: str = Channel.EMAIL) -> None:
    """Stop ``message_type`` on ``channel`` for ``patient`` (an unsubscribe link)."""
    save_choices(patient, {message_type: {channel: False}})
