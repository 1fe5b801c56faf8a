"""Reminding patients by email to agree to the privacy notice in force: one email per patient and notice
version, however often and however many people ask for it.

The rows come first, in the caller's transaction: ``NoticeReminder``'s unique constraint lets one row per
patient and version in, and ``INSERT … ON CONFLICT DO NOTHING`` makes a second click (or a parallel one)
add nothing. Only the rows this call added are queued for sending, found by the call's own batch id, so
the email goes once whoever wins the race.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit

from .consents import notice_version
from .models import NoticeReminder
from .notice_followup import patients_not_agreed

SEND_TASK = "core.compliance.tasks.send_notice_reminder"


@transaction.atomic
def remind_patients(organization, *, by, patient_ids: Iterable[int] | None = None, clinic=None) -> int:
    """Queue a reminder email for each patient of ``organization`` (those of ``patient_ids``, else all)
    who has not agreed to the notice in force and has not been reminded of this version yet; ``clinic``
    narrows to its patients and its portal. Returns how many emails were queued."""
    version = notice_version(organization)
    wanted = patients_not_agreed(organization, clinic=clinic, version=version).filter(
        reminded_at__isnull=True, link_clinic_id__isnull=False
    )
    if patient_ids is not None:
        wanted = wanted.filter(pk__in=list(patient_ids))
    batch = uuid.uuid4()
    now = timezone.now()
    rows = [
        NoticeReminder(
            organization_id=organization.pk,
            patient_id=found["pk"],
            version=version,
            user_id=found["login_id"],
            clinic_id=found["link_clinic_id"],
            queued_by=by,
            queued_at=now,
            batch=batch,
        )
        for found in wanted.order_by().values("pk", "login_id", "link_clinic_id")
    ]
    NoticeReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    added = list(
        NoticeReminder.objects.filter(organization_id=organization.pk, batch=batch)
        .order_by("pk")
        .values_list("pk", "clinic_id")
    )
    for reminder_id, clinic_id in added:
        enqueue_on_commit(SEND_TASK, clinic_id, reminder_id=reminder_id)
    return len(added)
