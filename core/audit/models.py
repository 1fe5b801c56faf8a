"""The access log and the organization's audit trail.

``AccessEvent`` records that someone was shown a patient's data (one row per request, patient and category).
``AuditEntry`` is one link of the organization's hash chain: every change (written by django-pghistory's
triggers) and every access event gets one, appended by a database trigger at commit time, so the chain
cannot fork and the application never writes a link itself. The entry also carries what the viewer
filters on (patient, person, clinic, record type, action), so the viewer reads one indexed table.
``AuditAnchor`` keeps each day's chain head, to be copied somewhere the database's administrators cannot
rewrite. All three tables refuse UPDATE and DELETE (see ``chain_sql``).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from .vocabulary import Action, Category, Channel

# Audit rows outlive whatever they point at: no database constraint and no cascade (DO_NOTHING).
_KEEP = {"on_delete": models.DO_NOTHING, "db_constraint": False, "related_name": "+"}


class AccessEvent(models.Model):
    organization = models.ForeignKey("tenancy.Organization", **_KEEP)
    clinic = models.ForeignKey("tenancy.Clinic", null=True, blank=True, **_KEEP)
    patient = models.ForeignKey("patients.Patient", null=True, blank=True, **_KEEP)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, **_KEEP)
    actor_label = models.CharField(_("person"), max_length=254, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    request_id = models.CharField(max_length=64, blank=True)
    client_address = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("access")
        verbose_name_plural = _("accesses")


class AuditEntry(models.Model):
    organization = models.ForeignKey("tenancy.Organization", **_KEEP)
    seq = models.BigIntegerField()
    source = models.CharField(max_length=63)  # the table of the change or access row
    source_id = models.BigIntegerField()
    kind = models.CharField(max_length=6)  # "change" or "access"
    record_type = models.CharField(max_length=100)  # the changed model's label, or the access category
    action = models.CharField(max_length=40)
    patient = models.ForeignKey("patients.Patient", null=True, **_KEEP)
    clinic = models.ForeignKey("tenancy.Clinic", null=True, **_KEEP)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, **_KEEP)
    at = models.DateTimeField()
    # The source row's columns when it was chained: columns added to a table later are left out of the
    # digest, so a migration never breaks the chain of older rows.
    fields = ArrayField(models.TextField())
    digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="audit_entry_one_seq")]
        indexes = [
            models.Index(fields=["organization", "patient", "seq"], name="audit_entry_patient"),
            models.Index(fields=["organization", "actor", "seq"], name="audit_entry_actor"),
            models.Index(fields=["organization", "clinic", "seq"], name="audit_entry_clinic"),
            models.Index(fields=["organization", "record_type", "seq"], name="audit_entry_type"),
            models.Index(fields=["organization", "at"], name="audit_entry_at"),
            models.Index(fields=["source", "source_id"], name="audit_entry_source"),
        ]


class AuditAnchor(models.Model):
    """The chain head of an organization at the end of a day (UTC)."""

    organization = models.ForeignKey("tenancy.Organization", **_KEEP)
    day = models.DateField()
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "day"], name="audit_anchor_one_a_day")]


def default_break_glass_months() -> int:
    """The break-glass period of an organization that has not chosen one (a setting)."""
    return settings.EHR_BREAK_GLASS_DEFAULT_MONTHS


class AccessPolicy(models.Model):
    """How an organization guards its charts (one row per organization, created on first change)."""

    organization = models.OneToOneField("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    # A practitioner who has not cared for a patient within this many months gives a reason before
    # opening the chart; 0 switches the question off.
    break_glass_months = models.PositiveSmallIntegerField(
        _("ask for a reason after (months)"),
        default=default_break_glass_months,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "A practitioner opening the chart of a patient they have not seen in this many months gives a "
            "reason first. 0 switches this off."
        ),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("access policy")


class BreakGlassReason(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    COVERING = "covering", _("Covering for a colleague")
    REFERRAL = "referral", _("Referral")
    OTHER = "other", _("Other")


class BreakGlassAccess(models.Model):
    """A practitioner's stated reason for opening the chart of a patient outside their care; it opens the
    chart to them until ``until``. Append-only, like the rest of the audit trail."""

    organization = models.ForeignKey("tenancy.Organization", **_KEEP)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, **_KEEP)
    patient = models.ForeignKey("patients.Patient", **_KEEP)
    reason_kind = models.CharField(_("reason"), max_length=20, choices=BreakGlassReason.choices)
    reason = models.TextField(_("explanation"), max_length=1000)
    at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        indexes = [
            models.Index(
                fields=["organization", "actor", "patient", "until"], name="audit_break_glass_grant"
            ),
            models.Index(fields=["organization", "at"], name="audit_break_glass_at"),
        ]


class ChainCheck(models.Model):
    """One run of the integrity check an owner asked for, queued for the worker; the latest is shown."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        INTACT = "intact", _("Intact")
        BROKEN = "broken", _("Broken")
        FAILED = "failed", _("Could not finish")

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    checked = models.BigIntegerField(default=0)
    head_seq = models.BigIntegerField(null=True)
    # The first broken link as verification's ``Break`` fields, described in the reader's language.
    first_break = models.JSONField(null=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            # A second click while a check is waiting or running finds that one instead of queueing another.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(status__in=["queued", "running"]),
                name="audit_one_chain_check_at_a_time",
            )
        ]
        indexes = [models.Index(fields=["organization", "-requested_at"], name="audit_chain_check_latest")]


@pghistory.track()
class AuditArchive(models.Model):
    """An anchor left in the chain where ``audit_archive`` moved the oldest links to a file: the file's
    SHA-256 and the first and last positions and last hash it holds. Its own change event joins the chain,
    and the remaining chain starts after ``last_seq`` with ``last_hash`` as its previous hash."""

    organization = models.ForeignKey("tenancy.Organization", **_KEEP)
    before = models.DateField()
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    rows = models.IntegerField()
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "last_seq"], name="audit_archive_one_per_end")
        ]
