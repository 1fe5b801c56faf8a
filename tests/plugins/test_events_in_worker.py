"""``in_worker`` events travel to the django-q2 worker as one queued task carrying the typed payload (plain
values only); the worker calls the listeners inside the clinic's organization scope, language and time zone,
only for modules still on there, and a failing listener is logged without failing the others. (The suite's
cluster runs tasks synchronously, through django-q's own worker code, once the change commits.)"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Task
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from core.patients.models import Patient
from core.plugins import events
from core.plugins.events import DELIVER_TASK, deliver_in_worker, emit
from core.plugins.manager import hookimpl, registry

pytestmark = pytest.mark.django_db

HEARD: list[tuple[str, object, object]] = []


class Listening:
    @hookimpl
    def clinic_payment_received(self, clinic, event):
        # Runs in the clinic's scope: a tenant query needs no scope of its own here.
        HEARD.append((clinic.pk, event, timezone.get_current_timezone_name(), Patient.objects.count()))


class Failing:
    @hookimpl
    def clinic_payment_received(self, clinic, event):
        raise RuntimeError("listener broke")


@pytest.fixture
def listeners():
    pm = registry().pm
    plugins = [(Failing(), "probe_failing"), (Listening(), "probe_listening")]
    for plugin, name in plugins:
        pm.register(plugin, name=name)
    HEARD.clear()
    yield
    for plugin, _name in plugins:
        pm.unregister(plugin)
    HEARD.clear()


def payment(invoice_id: int = 7) -> events.PaymentReceived:
    return events.PaymentReceived(
        payment_id=1,
        invoice_id=invoice_id,
        invoice_number="AD-2031-0001",
        invoice_issue_date=date(2031, 3, 3),
        patient_id=None,
        amount=Decimal("12.50"),
        currency="EUR",
        received_on=date(2031, 3, 4),
    )


def test_the_event_reaches_the_worker_once_the_change_commits(
    alpha, listeners, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    monkeypatch.setattr(Conf, "SAVE_LIMIT", 250)  # successes kept, as Q_SAVE_LIMIT can ask, to read it back
    alpha.clinic.timezone = "Asia/Tokyo"
    alpha.clinic.save()
    with scope(organization=alpha.org.pk):
        with django_capture_on_commit_callbacks(execute=True):
            emit(alpha.clinic, payment())
            assert HEARD == []  # nothing before the commit
            assert not Task.objects.filter(func=DELIVER_TASK).exists()
        patients = Patient.objects.filter(organization=alpha.org).count()
    [(clinic_id, heard, zone, counted)] = HEARD
    assert clinic_id == alpha.clinic.pk and heard == payment()
    assert zone == "Asia/Tokyo" and counted == patients
    # One task carried every listener at the clinic; the failing one was logged and did not fail it.
    [task] = Task.objects.filter(func=DELIVER_TASK)
    assert task.success and {"probe_listening", "probe_failing"} <= set(task.kwargs["plugins"])
    assert "listener probe_failing of clinic_payment_received failed" in caplog.text


def test_the_worker_skips_listeners_whose_module_was_switched_off_meanwhile(alpha, listeners):
    from core.tenancy.services import set_module_enabled

    with scope(organization=alpha.org.pk):
        set_module_enabled(alpha.clinic, "example", False)
    import ehr_example

    ehr_example.HEARD.clear()
    deliver_in_worker(alpha.clinic.pk, event=payment(), plugins=["example", "probe_listening"])
    assert len(HEARD) == 1
    assert ehr_example.HEARD == []


def test_a_worker_listener_outside_the_clinic_scope_fails_closed(alpha, beta, listeners):
    """The task names only the clinic: listeners run in that clinic's organization and no other."""
    deliver_in_worker(alpha.clinic.pk, event=payment(), plugins=["probe_listening"])
    with scopes_disabled():
        alpha_patients = Patient.objects.filter(organization=alpha.org).count()
    assert HEARD[0][3] == alpha_patients
    with pytest.raises(ScopeError):
        Patient.objects.count()  # back outside any scope once the task is done


def test_an_event_committed_after_its_scope_ended_is_still_delivered(
    alpha, listeners, django_capture_on_commit_callbacks
):
    """A management command's transaction commits after its ``with scope`` has ended: delivery enters the
    clinic's scope itself."""
    with django_capture_on_commit_callbacks(execute=True):
        with scope(organization=alpha.org.pk):
            emit(alpha.clinic, payment())
        assert HEARD == []
    assert [clinic_id for clinic_id, *_rest in HEARD] == [alpha.clinic.pk]


@pytest.fixture
def queued_for_a_worker(monkeypatch):
    """The cluster as in production: tasks wait in the database queue for a worker (not run at once)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


def test_with_a_worker_the_task_is_written_in_the_change_s_transaction(
    alpha, listeners, queued_for_a_worker, django_capture_on_commit_callbacks
):
    """The task's row commits with the change (no commit of its own after it), and a change rolled back
    takes its task with it; nobody hears anything in the request."""
    from django.db import transaction
    from django_q.models import OrmQ

    with scope(organization=alpha.org.pk), django_capture_on_commit_callbacks() as after_commit:
        with transaction.atomic():
            emit(alpha.clinic, payment(invoice_id=1))
        try:
            with transaction.atomic():
                emit(alpha.clinic, payment(invoice_id=2))
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass
    assert after_commit == []  # nothing left to do once the change commits
    [queued] = OrmQ.objects.all()
    assert queued.func() == DELIVER_TASK and queued.task["kwargs"]["event"] == payment(invoice_id=1)
    assert HEARD == []
