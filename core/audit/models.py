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

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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
