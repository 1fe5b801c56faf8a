"""Notifications: each clinic's channel settings, its edited message templates, patients' per-type
preferences, and the outbox every message passes through.

The outbox row is the message: it is written once per (recipient, channel, event) under an idempotency key
that is unique per organization, so an event fired twice still sends once.
"""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, TenantModel

DEFAULT_REMINDER_OFFSETS = [24 * 60, 2 * 60]  # minutes before the appointment


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class MessageType(models.TextChoices):
    APPOINTMENT_BOOKED = "appointment_booked", _("Appointment confirmed")
    REQUEST_RECEIVED = "request_received", _("Request received")
    REQUEST_APPROVED = "request_approved", _("Request approved")
    REQUEST_DECLINED = "request_declined", _("Request declined")
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled", _("Appointment moved")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Appointment cancelled")
    APPOINTMENT_REMINDER = "appointment_reminder", _("Appointment reminder")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist slot offered")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    PAYMENT_RECEIPT = "payment_receipt", _("Payment receipt")
    STOCK_LOW = "stock_low", _("Low stock")
    LOTS_EXPIRING = "lots_expiring", _("Lots expiring")


# Messages to the clinic's team rather than to patients: email only, no patient preferences.
TEAM_TYPES = {MessageType.STOCK_LOW, MessageType.LOTS_EXPIRING}
PATIENT_TYPES = [t for t in MessageType if t not in TEAM_TYPES]


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    # The patient would receive it but their record has no email address or phone number. Nothing went
    # wrong in sending, so it is not a failure and has no "Send again": the record needs contact details.
    NO_ADDRESS = "no_address", _("Not sent: no address")


@pghistory.track()
class NotificationSettings(TenantModel):
    """How a clinic sends messages. No row means the defaults below."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    email_enabled = models.BooleanField(_("send email"), default=True)
    sms_enabled = models.BooleanField(_("send text messages"), default=False)
    reminder_offsets = models.JSONField(
        _("reminders (minutes before)"), default=default_reminder_offsets, blank=True
    )
    quiet_hours_start = models.TimeField(_("no text messages from"), null=True, blank=True, default="21:00")
    quiet_hours_end = models.TimeField(_("until"), null=True, blank=True, default="08:00")
    sender_name = models.CharField(
        _("sender name"), max_length=60, blank=True, help_text=_("Defaults to the clinic's name.")
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic"], name="notif_settings_one_per_clinic")
        ]


@pghistory.track()
class MessageTemplate(TenantModel):
    """A clinic's own wording of one message type in one language (the shipped default otherwise)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    message_type = models.CharField(_("message"), max_length=40, choices=MessageType.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(_("email text"))
    sms_body = models.TextField(_("text message"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "message_type", "language"], name="notif_template_unique"
            )
        ]


@pghistory.track()
class PatientPreference(TenantModel):
    """A patient's wish about one message type. No row: everything their consent allows."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    message_type = models.CharField(_("message"), max_length=40, choices=MessageType.choices)
    email = models.BooleanField(_("email"), default=True)
    sms = models.BooleanField(_("text message"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient", "message_type"], name="notif_preference_unique"
            )
        ]


@pghistory.track()
class OutboxMessage(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipient = models.CharField(_("recipient"), max_length=254)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    message_type = models.CharField(_("message"), max_length=40, choices=MessageType.choices)
    related_type = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200)
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="notif_outbox_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "clinic", "-created_at"], name="notif_outbox_clinic"),
            models.Index(fields=["organization", "patient", "-created_at"], name="notif_outbox_patient"),
            models.Index(
                fields=["organization", "clinic", "next_attempt_at"],
                name="notif_outbox_due",
                condition=models.Q(status="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_type} → {self.recipient}"
