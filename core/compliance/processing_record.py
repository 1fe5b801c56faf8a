"""The organization's record of processing activities (GDPR Art. 30): the current version, a first draft
from what the product knows (the practice, its country pack's retention periods, the product's own
security measures), and saving a new version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic, Membership, Organization, Role

from .models import ProcessingRecord
from .packs import RECORD_CLASSES, pack_for


def current_record(organization) -> ProcessingRecord | None:
    return ProcessingRecord.objects.filter(organization_id=organization.pk).order_by("-number").first()


def versions(organization) -> list[ProcessingRecord]:
    """Every saved version, newest first (the record's history)."""
    return list(
        ProcessingRecord.objects.filter(organization_id=organization.pk)
        .select_related("saved_by")
        .order_by("-number")
    )


def first_draft(organization) -> dict[str, str]:
    """What the record says before the owner edits it: the practice's details, the processing this
    product does for it, the retention periods of its country pack, and the product's security measures.
    Written in the active language; the owner corrects and completes it."""
    return {
        "controller": _controller(organization),
        "dpo_contact": "",
        "purposes": _(
            "Health care of patients: diagnosis, treatment and follow-up. Appointment booking and "
            "reminders. Invoicing, payments and accounting. Keeping records as the law requires. "
            "Answering patients' requests about their data."
        ),
        "data_subjects": _("Patients; their emergency contacts; members of the practice's team."),
        "data_categories": _(
            "Identity and contact details; health data (visit notes, vitals, allergies, medications, "
            "problems, documents) — a special category under Art. 9 GDPR; appointments; invoices and "
            "payments; portal accounts, consents and message preferences; access and change logs."
        ),
        "recipients": _(
            "The practice's team, each by role; the provider hosting this service (processor); the email "
            "and text message providers sending reminders (processors); health insurers, other care "
            "providers and authorities where the patient agrees or the law requires it."
        ),
        "transfers": _(
            "None: the data is not transferred to third countries or international organizations."
        ),
        "retention": _retention(organization),
        "security_measures": _(
            "Each organization's data kept apart and every access checked by role; two-factor sign-in "
            "(may be required of every member); every change recorded by the database, every access to a "
            "patient's record logged and visible to the patient; signed notes cannot be altered; "
            "encrypted connections; backups."
        ),
    }


def _controller(organization) -> str:
    lines = [organization.name]
    clinic = Clinic.objects.filter(organization_id=organization.pk).order_by("pk").first()
    if clinic is not None:
        address = ", ".join(
            part
            for part in (clinic.address_line1, clinic.address_line2, clinic.postal_code, clinic.city)
            if part
        )
        if address:
            lines.append(address)
    owner = (
        Membership.objects.filter(organization_id=organization.pk, role=Role.OWNER, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if owner is not None:
        lines.append(owner.user.email)
    return "\n".join(lines)


def _retention(organization) -> str:
    pack = pack_for(organization)
    if pack is None:
        return _(
            "Choose the organization's country in its settings: the retention periods its law sets go here."
        )
    lines = []
    for record_class, label in RECORD_CLASSES.items():
        rule = pack.retention.get(record_class)
        if rule is None:
            continue
        if rule.years:
            line = _("%(kind)s: %(years)s years") % {"kind": label, "years": rule.years}
        else:
            line = _("%(kind)s: as long as needed for care; no period set by law") % {"kind": label}
        lines.append(f"{line} ({rule.law})" if rule.law else line)
    return "\n".join(lines)


@transaction.atomic
def save_version(organization, content: dict[str, str], *, based_on: int, by) -> ProcessingRecord:
    """Save ``content`` as the next version of the record. ``based_on`` is the version the owner edited
    (0 for the first draft): when someone saved a newer one meanwhile, nothing is saved and the owner is
    asked to look at it first. The organization's row is locked, so two saves take turns."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    latest = current_record(organization)
    latest_number = latest.number if latest else 0
    if based_on != latest_number:
        raise ValidationError(
            _(
                "Someone saved a newer version of the record meanwhile. Look at it, then save your "
                "changes again."
            ),
            code="stale",
        )
    return ProcessingRecord.objects.create(
        organization_id=organization.pk,
        number=latest_number + 1,
        saved_by=by,
        **{name: content.get(name, "") for name in ProcessingRecord.CONTENT_FIELDS},
    )
