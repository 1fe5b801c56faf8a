"""Appointment events reach notifications in the worker: the booking request only queues one task (an
insert into the ORM broker's queue), and a worker run of that queued package records and sends the
message. The package is taken from the broker and run by django-q's own worker and monitor code."""

from __future__ import annotations

import pytest
from django.core import mail
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Task
from django_q.signing import SignedPackage
from django_q.tasks import _sync
from django_scopes import scope

from core.plugins.events import DELIVER_TASK
from core.tenancy.services import set_module_enabled
from plugins.notifications.models import MessageType
from plugins.scheduling.services.status import cancel as cancel_appointment
from plugins.scheduling.tests.conftest import MONDAY

from .conftest import at
from .helpers import book, outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(monkeypatch):
    """Tasks go to the ORM broker's queue instead of running at once (as with a real cluster)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    get_broker().purge_queue()


def queued() -> list[str]:
    return [package.task["func"] for package in OrmQ.objects.order_by("id")]


@pytest.fixture
def work(django_capture_on_commit_callbacks):
    """Run one queued package through django-q's worker and monitor, in this process and on this test's
    database connection (which a cluster's worker would otherwise close first); what the task queues on
    commit goes to the broker, as in a worker's own transactions."""

    def run(package: str) -> None:
        task = SignedPackage.loads(package)
        task["sync"] = True
        with django_capture_on_commit_callbacks(execute=True):
            _sync(SignedPackage.dumps(task))

    return run


@pytest.fixture
def run_worker(work):
    """Take every queued package from the broker, in order, and run it; how many ran."""

    def run() -> int:
        broker = get_broker()
        ran = 0
        while tasks := broker.dequeue():
            for ack_id, package in tasks:
                work(package)
                broker.acknowledge(ack_id)
                ran += 1
        return ran

    return run


def cancel(t, appointment, capture):
    with scope(organization=t.org.pk), capture(execute=True):
        return cancel_appointment(appointment, by_patient=True, reason="Cannot come")


def test_booking_queues_one_task_and_the_worker_sends_the_confirmation(
    sched, queue, run_worker, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(Conf, "SAVE_LIMIT", 250)  # successes kept, as Q_SAVE_LIMIT can ask, to count them
    appointment = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert queued() == [DELIVER_TASK]
    assert outbox(sched) == [] and mail.outbox == []
    assert run_worker() == 2  # the event, then the message's delivery it queued
    [message] = outbox(sched)
    assert message.message_type == MessageType.APPOINTMENT_BOOKED
    assert message.related_id == appointment.pk and message.status == "sent"
    assert len(mail.outbox) == 1 and sched.patient.email in mail.outbox[0].to
    assert Task.objects.filter(func=DELIVER_TASK, success=True).count() == 1


def test_a_retried_event_records_nothing_twice(
    sched, queue, work, run_worker, django_capture_on_commit_callbacks
):
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    [(_ack, package)] = get_broker().dequeue()
    work(package)
    work(package)  # the cluster hands a package out again when a worker died before acknowledging it
    run_worker()
    assert len(outbox(sched)) == 1 and len(mail.outbox) == 1


def test_module_switched_off_before_the_worker_runs(
    sched, queue, run_worker, django_capture_on_commit_callbacks
):
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    with scope(organization=sched.org.pk):
        set_module_enabled(sched.clinic, "notifications", False)
    assert run_worker() == 1
    assert outbox(sched) == [] and mail.outbox == []


def test_modules_off_queue_nothing(sched, queue, run_worker, django_capture_on_commit_callbacks):
    """With no module listening at the clinic (notifications, analytics and the example plugin off), a
    booking queues no event task at all."""
    with scope(organization=sched.org.pk):
        for module in ("notifications", "analytics", "example"):
            set_module_enabled(sched.clinic, module, False)
    book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert DELIVER_TASK not in queued()


def test_cancelled_before_the_worker_ran_then_booked_again(
    sched, queue, run_worker, django_capture_on_commit_callbacks
):
    """The worker reads the appointment as it is when it runs: a confirmation for an appointment already
    cancelled is not sent, the cancellation is, and the new booking is confirmed."""
    first = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    cancel(sched, first, django_capture_on_commit_callbacks)
    second = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    assert queued() == [DELIVER_TASK] * 4  # booked; status changed; cancelled; booked
    run_worker()
    sent = [(m.related_id, m.message_type) for m in outbox(sched)]
    assert sent == [
        (first.pk, MessageType.APPOINTMENT_CANCELLED),
        (second.pk, MessageType.APPOINTMENT_BOOKED),
    ]
    assert len(mail.outbox) == 2


def test_cancelled_after_the_confirmation_went_out(
    sched, queue, run_worker, django_capture_on_commit_callbacks
):
    first = book(sched, at(MONDAY, 9), django_capture_on_commit_callbacks)
    run_worker()
    cancel(sched, first, django_capture_on_commit_callbacks)
    run_worker()
    assert [m.message_type for m in outbox(sched)] == [
        MessageType.APPOINTMENT_BOOKED,
        MessageType.APPOINTMENT_CANCELLED,
    ]
