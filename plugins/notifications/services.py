"""Recording messages in the outbox and delivering them.

A message is rendered when it is recorded (so it says what was true when the event happened), written
under its idempotency key, and handed to a worker once the transaction commits. Delivery runs with the
row locked, so two workers never send the same message; a failed attempt is retried with exponential
backoff by the periodic ``send_due`` scan until the last attempt, after which the message is "failed".
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime, timedelta
from email.utils import formataddr, make_msgid, parseaddr

import phonenumbers
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.tasks import enqueue_on_commit
from core.tenancy.models import Clinic

from . import preferences, sms, unsubscribe
from .defaults import DEFAULTS, FALLBACK_LANGUAGE
from .models import (
    Channel,
    MessageTemplate,
    MessageType,
    NotificationSettings,
    OutboxMessage,
    Status,
)
from .rendering import Rendered, render_message

log = logging.getLogger(__name__)

SEND_TASK = "plugins.notifications.tasks.send_message"


def max_attempts() -> int:
    """``NOTIFICATIONS_MAX_ATTEMPTS`` (a setting or the environment variable), 5 unless set."""
    return max(1, int(sms.setting("NOTIFICATIONS_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4, 8 ... minutes, at most 6 hours. The base is
    ``NOTIFICATIONS_RETRY_BASE_SECONDS`` (a setting or the environment variable)."""
    base = float(sms.setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


# --- settings, language, templates ----------------------------------------------------------------------


def settings_for(clinic: Clinic) -> NotificationSettings:
    """The clinic's settings, or unsaved defaults when it has never changed them."""
    found = NotificationSettings.objects.filter(organization_id=clinic.organization_id, clinic=clinic).first()
    return found or NotificationSettings(organization_id=clinic.organization_id, clinic=clinic)


def sender_name(clinic: Clinic, config: NotificationSettings) -> str:
    return config.sender_name or clinic.name


def language_for(clinic: Clinic, patient=None) -> str:
    for candidate in (getattr(patient, "preferred_language", ""), clinic.locale, FALLBACK_LANGUAGE):
        code = (candidate or "").split("-")[0].lower()
        if code in DEFAULTS["appointment_booked"]:
            return code
    return FALLBACK_LANGUAGE


def custom_template(clinic: Clinic, message_type: str, language: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, message_type=message_type, language=language
    ).first()


@transaction.atomic
def save_template(
    clinic: Clinic, message_type: str, language: str, *, subject: str, body: str, sms_body: str = ""
) -> MessageTemplate:
    """Store the clinic's wording of ``message_type`` in ``language``; a template that does not render is
    refused with a message per field."""
    from django.core.exceptions import ValidationError

    from .rendering import template_errors

    problems = template_errors(subject, body, sms_body)
    if problems:
        raise ValidationError(problems)
    template, _created = MessageTemplate.objects.update_or_create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        message_type=message_type,
        language=language,
        defaults={"subject": subject, "body": body, "sms_body": sms_body, "updated_at": timezone.now()},
    )
    return template


@transaction.atomic
def reset_template(clinic: Clinic, message_type: str, language: str) -> bool:
    """Back to the shipped wording; False when the clinic had none of its own."""
    deleted, _detail = MessageTemplate.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, message_type=message_type, language=language
    ).delete()
    return bool(deleted)


def render_for(clinic: Clinic, message_type: str, language: str, context: dict) -> Rendered:
    return render_message(
        message_type, language, context, custom=custom_template(clinic, message_type, language)
    )


# --- quiet hours and phone numbers ----------------------------------------------------------------------


def quiet_until(config: NotificationSettings, clinic: Clinic, now: datetime) -> datetime | None:
    """When the clinic's text-message quiet hours end, if ``now`` falls inside them (clinic-local time)."""
    start, end = config.quiet_hours_start, config.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    tz = clinic.tzinfo
    local = now.astimezone(tz)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= moment < end, local.date()
    else:  # overnight, e.g. 21:00 - 08:00
        inside = moment >= start or moment < end
        end_day = local.date() + timedelta(days=1) if moment >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def normalize_phone(raw: str, clinic: Clinic, patient=None) -> str | None:
    """The number in E.164 form, or None when it is not a valid phone number."""
    region = (getattr(patient, "country", "") or clinic.country or "").upper() or None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- recording ------------------------------------------------------------------------------------------


def with_unsubscribe(
    rendered: Rendered, clinic: Clinic, patient, message_type: str, language: str
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


def _record(
    clinic: Clinic,
    *,
    key: str,
    channel: str,
    recipient: str,
    message_type: str,
    language: str,
    rendered: Rendered,
    now: datetime,
    patient=None,
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


def _key_used(clinic: Clinic, key: str) -> bool:
    return OutboxMessage.objects.filter(
        organization_id=clinic.organization_id, idempotency_key__startswith=f"{key}:"
    ).exists()


def notify_patient(
    clinic: Clinic,
    patient,
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
    if patient is None or _key_used(clinic, key):
        return []
    config = settings_for(clinic)
    language = language_for(clinic, patient)
    preference = preferences.preference_for(patient, message_type)
    values = {
        "patient_name": patient.preferred_name or patient.full_name,
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
            # The patient would receive this but has no address for it: kept as failed, so the front desk
            # sees it in the log and can send it again once the record has an email or a phone number.
            channel = Channel.EMAIL if wants[Channel.EMAIL] else Channel.SMS
            made.append(
                _record(
                    clinic,
                    key=f"{key}:{channel.value}",
                    channel=channel,
                    recipient="",
                    status=Status.SKIPPED if skip_reason else Status.FAILED,
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
            _record(
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
                _record(
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
                _record(
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


def team_recipients(clinic: Clinic) -> list[tuple[int, str]]:
    """(membership id, email) of the clinic's owners and its staff."""
    from django.db.models import Q

    from core.tenancy.models import Membership, Role

    members = (
        Membership.objects.filter(organization_id=clinic.organization_id, is_active=True)
        .filter(Q(role=Role.OWNER) | Q(role=Role.STAFF, membershipclinic__clinic=clinic))
        .select_related("user")
        .distinct()
    )
    return [(m.pk, m.user.email) for m in members if m.user.email]


def notify_team(
    clinic: Clinic, message_type: str, *, key: str, context: dict, related=("", None), now=None
) -> list[OutboxMessage]:
    """Email ``message_type`` to the owners and staff of ``clinic`` (in the clinic's language)."""
    now = now or timezone.now()
    config = settings_for(clinic)
    if not config.email_enabled:
        return []
    language = language_for(clinic)
    values = {
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "sender_name": sender_name(clinic, config),
    }
    rendered = render_for(clinic, message_type, language, {**values, **context})
    made = [
        _record(
            clinic,
            key=f"{key}:member{member_id}:email",
            channel=Channel.EMAIL,
            recipient=email,
            message_type=message_type,
            language=language,
            rendered=rendered,
            now=now,
            related=related,
        )
        for member_id, email in team_recipients(clinic)
    ]
    return [m for m in made if m is not None]


# --- delivery -------------------------------------------------------------------------------------------


class PermanentFailure(Exception):
    pass


def _send_email(message: OutboxMessage, sender: str) -> str:
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


def _send_sms(message: OutboxMessage, sender: str) -> str:
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


def _reminder_still_due(message: OutboxMessage) -> bool:
    """A reminder is not sent for an appointment cancelled since it was recorded."""
    from .reminders import appointment_model

    model = appointment_model(message.clinic)
    if model is None or message.related_id is None:
        return True
    return model.objects.filter(
        organization_id=message.organization_id, pk=message.related_id, status="booked"
    ).exists()


def refusal(message: OutboxMessage, config: NotificationSettings) -> str:
    """Why ``message`` may no longer go out (empty when it may): the clinic switched its channel off, or
    the patient withdrew consent or opted out of this kind of message since it was recorded."""
    if not preferences.clinic_uses(config, message.channel):
        return _("The clinic no longer sends messages on this channel.")
    if message.patient_id and not preferences.may_send(
        config, message.patient, message.message_type, message.channel
    ):
        return _("The patient no longer wants this message on this channel.")
    return ""


def deliver(message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Send one queued message if it is due. Safe to call twice: a sent message is never sent again."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("clinic", "patient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.status != Status.QUEUED:
            return message
        # Only a retry waits out its backoff; a first attempt goes as soon as a worker has it.
        if message.attempts and message.next_attempt_at and message.next_attempt_at > now:
            return message
        clinic = message.clinic
        config = settings_for(clinic)
        refused = refusal(message, config)
        if refused:
            message.status, message.last_error, message.next_attempt_at = Status.SKIPPED, refused, None
            message.save(update_fields=["status", "last_error", "next_attempt_at"])
            return message
        if message.channel == Channel.SMS:
            later = quiet_until(config, clinic, now)
            if later:
                message.next_attempt_at = later
                message.save(update_fields=["next_attempt_at"])
                return message
        if message.message_type == MessageType.APPOINTMENT_REMINDER and not _reminder_still_due(message):
            message.status = Status.SKIPPED
            message.last_error = _("The appointment is no longer booked.")
            message.save(update_fields=["status", "last_error"])
            return message
        message.attempts += 1
        sender = sender_name(clinic, config)
        try:
            if message.channel == Channel.EMAIL:
                message.provider_id = _send_email(message, sender)[:200]
            else:
                message.provider_id = _send_sms(message, sender)[:200]
        except PermanentFailure as error:
            message.status, message.last_error, message.next_attempt_at = Status.FAILED, str(error), None
        except Exception as error:  # any transport error: try again later, up to the last attempt
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts():
                message.status, message.next_attempt_at = Status.FAILED, None
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        else:
            message.status, message.sent_at, message.last_error = Status.SENT, now, ""
            message.next_attempt_at = None
        message.save(
            update_fields=["status", "attempts", "provider_id", "last_error", "sent_at", "next_attempt_at"]
        )
        log.info("message %s: %s after %s attempt(s)", message.pk, message.status, message.attempts)
        return message


def send_due(clinic: Clinic, now: datetime | None = None, limit: int = 200) -> int:
    """Send every queued message of ``clinic`` whose time has come (retries and quiet-hours deferrals)."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(
            organization_id=clinic.organization_id,
            clinic=clinic,
            status=Status.QUEUED,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for message_id in due:
        deliver(message_id, now=now)
    return len(due)


def retry(message: OutboxMessage, now: datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the queue for a fresh round of attempts (the back office's button)."""
    from django.core.exceptions import ValidationError

    now = now or timezone.now()
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(
            organization_id=message.organization_id, pk=message.pk
        )
        if locked.status != Status.FAILED:
            raise ValidationError(_("Only failed messages can be sent again."))
        refused = refusal(locked, settings_for(locked.clinic))
        if refused:
            raise ValidationError(refused)
        if locked.channel == Channel.SMS and locked.patient_id:
            number = normalize_phone(locked.patient.phone, locked.clinic, locked.patient)
            if number is None:
                raise ValidationError(_("The phone number is still not valid. Correct the patient's number."))
            locked.recipient = number
        elif locked.channel == Channel.EMAIL and locked.patient_id:
            # The address may have been added or corrected since: send to the one on the record now.
            if not locked.patient.email:
                raise ValidationError(_("The patient still has no email address. Add one to their record."))
            locked.recipient = locked.patient.email
        locked.status, locked.attempts, locked.next_attempt_at = Status.QUEUED, 0, now
        locked.save(update_fields=["status", "attempts", "next_attempt_at", "recipient"])
        enqueue_on_commit(SEND_TASK, locked.clinic_id, message_id=locked.pk)
    return locked
