"""The owner's "Verify integrity" button: the check runs in the worker, the page shows the latest result.

Recomputing a chain of millions of links takes longer than a web request may, so the button only queues a
``ChainCheck``; the worker runs ``verify_chain`` and writes the outcome on it. A partial unique constraint
allows one queued-or-running check per organization: a second click finds the one already waiting.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope

from core.tasks import enqueue_on_commit

from .models import ChainCheck
from .verification import Break, verify_chain

log = logging.getLogger(__name__)

# A large chain takes longer than the cluster's default task timeout; a check still waiting or running
# after STALE_AFTER was lost with its worker and no longer holds the next one back.
CHECK_TIMEOUT = 3600
STALE_AFTER = timedelta(seconds=2 * CHECK_TIMEOUT)


def latest_check(organization_id: int) -> ChainCheck | None:
    """The organization's most recent check (waiting, running or done)."""
    return ChainCheck.objects.filter(organization_id=organization_id).order_by("-requested_at", "-pk").first()


def request_check(organization_id: int, user) -> tuple[ChainCheck, bool]:
    """Queue a check of the organization's chain unless one is already waiting or running;
    returns (the check, whether it is new)."""
    try:
        with transaction.atomic():
            check = ChainCheck.objects.create(organization_id=organization_id, requested_by=user)
            enqueue_on_commit(
                "core.audit.chain_check.run_check",
                organization_id,
                check.pk,
                q_options={"timeout": CHECK_TIMEOUT},
            )
    except IntegrityError:
        waiting = ChainCheck.objects.filter(
            organization_id=organization_id, status__in=[ChainCheck.Status.QUEUED, ChainCheck.Status.RUNNING]
        ).first()
        if waiting is None:  # finished between the refusal and this read: ask again
            return request_check(organization_id, user)
        if waiting.requested_at < timezone.now() - STALE_AFTER:
            ChainCheck.objects.filter(pk=waiting.pk, status=waiting.status).update(
                status=ChainCheck.Status.FAILED, finished_at=timezone.now()
            )
            return request_check(organization_id, user)
        return waiting, False
    return check, True


def run_check(organization_id: int, check_id: int) -> str:
    """Worker entry point: verify the organization's chain and record the outcome on the check."""
    with scope(organization=organization_id):
        with transaction.atomic():
            check = (
                ChainCheck.objects.select_for_update()
                .filter(pk=check_id, status=ChainCheck.Status.QUEUED)
                .first()
            )
            if check is None:  # already run (a retried task)
                return "done"
            check.status = ChainCheck.Status.RUNNING
            check.save(update_fields=["status"])
        try:
            report = verify_chain(organization_id)
        except Exception:
            log.exception("audit chain check %s failed", check_id)
            check.status, check.finished_at = ChainCheck.Status.FAILED, timezone.now()
            check.save(update_fields=["status", "finished_at"])
            raise
        check.status = ChainCheck.Status.INTACT if report.intact else ChainCheck.Status.BROKEN
        check.checked, check.head_seq = report.checked, report.head_seq
        check.first_break = asdict(report.first_break) if report.first_break else None
        check.finished_at = timezone.now()
        check.save(update_fields=["status", "checked", "head_seq", "first_break", "finished_at"])
    return check.status


def describe_break(check: ChainCheck) -> str:
    """Where the check found the chain first broken, in the reader's language ("" when intact)."""
    return Break(**check.first_break).describe() if check.first_break else ""
