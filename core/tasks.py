"""Background work: django-q2 tasks that run tenant-scoped.

Tasks receive ids only. ``clinic_task`` loads the clinic (under a short, allow-listed unscoped lookup),
re-checks that the module is still on for it, then runs the body inside the clinic's organization scope,
language and timezone, with audit context naming the task.
"""

from __future__ import annotations

import functools
import importlib
import logging

import pghistory
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone, translation
from django_q.tasks import async_task
from django_scopes import scope, scopes_disabled

from core.tenancy.modules import is_module_enabled

log = logging.getLogger(__name__)


def clinic_task(module: str | None = None):
    """Decorate ``f(clinic, **ids)`` so it is called as ``f(clinic_id, **ids)`` from a worker."""

    def decorator(func):
        @functools.wraps(func)
        def run(clinic_id: int, **kwargs):
            from core.tenancy.models import Clinic

            # scopes_disabled: a task knows only ids; the clinic row decides which scope to enter.
            with scopes_disabled():
                clinic = Clinic.objects.select_related("organization").filter(pk=clinic_id).first()
            if clinic is None or clinic.archived:
                log.info("task %s skipped: clinic %s gone or archived", func.__name__, clinic_id)
                return None
            with scope(organization=clinic.organization_id):
                if module and not is_module_enabled(clinic, module):
                    log.info("task %s skipped: module %s off at clinic %s", func.__name__, module, clinic_id)
                    return None
                with (
                    translation.override(clinic.locale),
                    timezone.override(clinic.tzinfo),
                    pghistory.context(
                        task=f"{func.__module__}.{func.__name__}", organization=clinic.organization_id
                    ),
                ):
                    return func(clinic, **kwargs)

        run.ehr_clinic_task = True
        return run

    return decorator


def enqueue_on_commit(func_path: str, *args, **kwargs) -> None:
    """Queue a task that runs once the current transaction commits (never for work that was rolled back).

    The queue is a table of the same database (django-q2's ORM broker), so inside a transaction the task's
    row is written in it: it commits with the change or not at all, the worker sees it only after the
    commit, and it costs no commit of its own (queueing after the commit did: a WAL flush, i.e. a wait
    for the disk, in every booking). A cluster that runs tasks at once instead of queueing them
    (``sync``, as in the test suite) runs it after the commit, as a worker would."""
    transaction_holds_queue(lambda: async_task(func_path, *args, **kwargs))


def transaction_holds_queue(queue) -> None:
    """Call ``queue`` (which queues tasks) inside the current transaction when the queue is a table of its
    database and tasks wait for a worker; otherwise once the transaction commits."""
    from django_q.conf import Conf

    if Conf.SYNC or Conf.ORM != DEFAULT_DB_ALIAS or not transaction.get_connection().in_atomic_block:
        transaction.on_commit(queue)
    else:
        queue()


def resolve(dotted: str):
    module_path, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module_path), name)


def fan_out(task_func: str, module: str) -> int:
    """Scheduled entry point: enqueue ``task_func`` once per active clinic where ``module`` is on."""
    from core.tenancy.models import Clinic

    # scopes_disabled: the platform-level scheduler walks every organization's clinics by id.
    with scopes_disabled():
        clinics = list(Clinic.objects.filter(archived=False).only("id", "organization_id"))
    queued = 0
    for clinic in clinics:
        with scope(organization=clinic.organization_id):
            if not is_module_enabled(clinic, module):
                continue
        async_task(task_func, clinic.pk)
        queued += 1
    return queued
