"""Privacy records: a patient's erasure requests with the decision taken on each class of their data,
and the consents people gave to a privacy notice (which version, when)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import TenantModel


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    ERASED = "erased", _("Erased")
    PARTLY_ERASED = "partly_erased", _("Partly erased; the rest kept by law")
    REFUSED = "refused", _("Refused: kept by law (Art. 17(3))")


class RequestChannel(models.TextChoices):
    OFFICE = "office", _("Received by the practice")
    PORTAL = "portal", _("Sent from the patient portal")
    API = "api", _("Recorded through the API")


@pghistory.track()
class ErasureRequest(TenantModel):
    """A patient's request to have their data erased (GDPR Art. 17) and what was decided.

    ``outcome`` lists, per class of record, what was done: erased, or kept with the legal ground and
    the date it may go. At most one request per patient waits for a decision (the partial unique
    index), so two requests sent at once leave one open request, never two competing ones."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("received"), max_length=10, choices=RequestChannel.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    pack = models.CharField(_("rules applied"), max_length=20, blank=True)
    outcome = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient"],
                condition=Q(status="pending"),
                name="compliance_one_open_erasure_request",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "requested_at"], name="compl_erasure_status")
        ]

    @property
    def is_pending(self) -> bool:
        return self.status == ErasureStatus.PENDING


class ServiceConsent(models.Model):
    """A member agreed to a version of the service's terms and privacy notice when signing up.
    Append-only: a new version means a new row, never an edit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(_("version"), max_length=40)
    given_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("consent to the terms of service")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="compliance_service_consent_once")
        ]


class PrivacyNoticeConsent(TenantModel):
    """A patient's portal login agreed to a practice's privacy notice (the patient-rights text of the
    practice's country pack), in the version shown, when opening the account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(_("version"), max_length=40)
    given_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("consent to the privacy notice")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "version"], name="compliance_notice_consent_once"
            )
        ]


class ProcessingRecord(TenantModel):
    """One saved version of the organization's record of processing activities (GDPR Art. 30), which the
    owner keeps as the data controller and shows the supervisory authority on request.

    Each save adds a version (``number`` 1, 2, …) and never rewrites an earlier one, so the history of the
    record is the list of its versions. The current record is the highest number."""

    number = models.PositiveIntegerField(_("version"))
    controller = models.TextField(
        _("controller"), help_text=_("Name and contact details of the practice, and of its representative.")
    )
    dpo_contact = models.TextField(
        _("data protection officer"),
        blank=True,
        help_text=_("Name and contact details of your data protection officer, if you have one."),
    )
    purposes = models.TextField(_("purposes of the processing"))
    data_subjects = models.TextField(_("categories of data subjects"))
    data_categories = models.TextField(_("categories of personal data"))
    recipients = models.TextField(
        _("recipients"), help_text=_("Who the data is disclosed to, processors included.")
    )
    transfers = models.TextField(
        _("transfers to third countries"),
        help_text=_("Transfers outside the EU/EEA or to international organizations, and their safeguards."),
    )
    retention = models.TextField(
        _("retention periods"), help_text=_("How long each category of data is kept.")
    )
    security_measures = models.TextField(
        _("security measures"), help_text=_("The technical and organizational measures (Art. 32).")
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    # The fields of the record itself, in the order of Art. 30(1) (for forms, print and comparison).
    CONTENT_FIELDS = (
        "controller",
        "dpo_contact",
        "purposes",
        "data_subjects",
        "data_categories",
        "recipients",
        "transfers",
        "retention",
        "security_measures",
    )

    class Meta:
        verbose_name = _("record of processing activities")
        verbose_name_plural = _("records of processing activities")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="compliance_processing_record_once"
            )
        ]


class NoticeReminder(TenantModel):
    """The practice reminded a patient by email to agree to the privacy notice in force (``version``).

    At most one reminder per patient and notice version (the unique constraint): two owners clicking
    *Remind* at once, or one clicking twice, send the patient one email. ``batch`` marks the rows one
    click created, so that click queues emails for those rows only. ``sent_at`` is filled once the email
    left; it stays empty when the patient agreed before the email was due (nothing to remind then)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    version = models.CharField(_("version"), max_length=40)
    # The portal login the email goes to, and the clinic whose portal its sign-in link opens.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey("tenancy.Clinic", on_delete=models.CASCADE, related_name="+")
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(_("reminded"), default=timezone.now)
    batch = models.UUIDField(editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("privacy notice reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "patient", "version"], name="compliance_notice_reminder_once"
            )
        ]
        indexes = [models.Index(fields=["organization", "batch"], name="compl_reminder_batch")]
