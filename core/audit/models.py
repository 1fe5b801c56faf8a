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
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from core.tenancy.models import TenantModel

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
    # Which formula of ``link_hash`` the hash follows: 1 for links written before the entry's own columns
    # were covered (kept as they were, still verifiable), 2 for every link written since. The chain function
    # writes 2 itself; the default is for a writer that names no version, i.e. an older chain function
    # still installed while a migrate runs, whose links follow version 1.
    version = models.SmallIntegerField(db_default=1)
    # A change's context (django-pghistory's metadata: user, address, path, command) as it was when the
    # link was written; covered by the hash from version 2 on (why a copy: see chain_sql.CHAIN_FUNCTIONS).
    context = models.JSONField(null=True)

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


class DisclosurePurpose(models.TextChoices):
    """Why a patient's information left the practice. Treatment, payment and health care operations are
    recorded like the others but left out of the patient's accounting (HIPAA §164.528(a)(1)(i))."""

    TREATMENT = "treatment", _("Treatment")
    PAYMENT = "payment", _("Payment")
    OPERATIONS = "operations", _("Health care operations")
    REQUIRED_BY_LAW = "required_by_law", _("Required by law")
    PUBLIC_HEALTH = "public_health", _("Public health")
    HEALTH_OVERSIGHT = "health_oversight", _("Health oversight")
    JUDICIAL = "judicial", _("Judicial or administrative proceedings")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    RESEARCH = "research", _("Research")
    OTHER = "other", _("Other")


# Purposes a patient's accounting of disclosures leaves out.
NOT_ACCOUNTED = frozenset(
    {DisclosurePurpose.TREATMENT, DisclosurePurpose.PAYMENT, DisclosurePurpose.OPERATIONS}
)


# The columns of what was recorded, which no update may change.
_DISCLOSURE_RECORDED = (
    "id",
    "organization_id",
    "clinic_id",
    "patient_id",
    "disclosed_on",
    "recipient_name",
    "recipient_address",
    "description",
    "purpose",
    "legal_basis",
    "recorded_by_id",
    "recorded_at",
)


@pghistory.track()
class Disclosure(TenantModel):
    """Information about a patient given to someone outside the practice: to whom, when, what and why.

    Append-only (migration 0002's trigger): a disclosure is never edited or deleted. A mistaken one is
    marked entered in error, with a reason, once; it stays on record and leaves the patient's accounting.
    Tracked by django-pghistory, so recording it and marking it join the organization's audit chain.
    """

    clinic = models.ForeignKey(
        "tenancy.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clinic"),
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    disclosed_on = models.DateField(_("date of disclosure"))
    recipient_name = models.CharField(_("recipient"), max_length=200)
    recipient_address = models.CharField(_("recipient's address or organization"), max_length=300, blank=True)
    description = models.CharField(_("what was disclosed"), max_length=1000)
    purpose = models.CharField(_("purpose"), max_length=20, choices=DisclosurePurpose.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    entered_in_error_at = models.DateTimeField(_("marked entered in error"), null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    entered_in_error_reason = models.CharField(_("reason it is in error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-disclosed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(recipient_name="") & ~models.Q(description=""),
                name="audit_disclosure_named",
            ),
            # Marked in error all at once (when, by whom, why), or not at all.
            models.CheckConstraint(
                condition=(
                    models.Q(entered_in_error_at__isnull=True)
                    & models.Q(entered_in_error_by__isnull=True)
                    & models.Q(entered_in_error_reason="")
                )
                | (
                    models.Q(entered_in_error_at__isnull=False)
                    & models.Q(entered_in_error_by__isnull=False)
                    & ~models.Q(entered_in_error_reason="")
                ),
                name="audit_disclosure_error_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "patient", "-disclosed_on"], name="audit_disclosure_patient")
        ]
        # Whatever road a change takes (the ORM, raw SQL, a console): never deleted, and the only update
        # is the one-time entered-in-error mark; everything recorded stays as it was written.
        triggers = [
            pgtrigger.Protect(name="audit_disclosure_kept", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="audit_disclosure_fixed",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.entered_in_error_at IS NOT NULL OR ("
                    + ", ".join(f"OLD.{c}" for c in _DISCLOSURE_RECORDED)
                    + ") IS DISTINCT FROM ("
                    + ", ".join(f"NEW.{c}" for c in _DISCLOSURE_RECORDED)
                    + ")"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_name} ({self.disclosed_on})"

    @property
    def entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def accountable(self) -> bool:
        """Whether the patient's accounting lists it (its purpose is not treatment, payment or operations)."""
        return self.purpose not in NOT_ACCOUNTED and not self.entered_in_error


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


class BreakGlassSummary(models.Model):
    """That an organization's owners were sent the summary of one day's break-glass accesses: the daily job
    sends each day once, whenever and however often it runs."""

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="audit_break_glass_summary_once")
        ]
