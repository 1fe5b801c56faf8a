"""Listeners marked ``in_worker`` hear ``announce_on_commit`` events in the django-q2 worker: the event
travels by ids and its rows are loaded again there, inside the clinic's organization, fail closed. (The
suite's cluster runs tasks synchronously, through django-q's own worker code, once the change commits.)"""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django_q.models import Task
from django_scopes import scope

from core.patients.models import Patient
from core.plugins.gating import DELIVER_TASK, Row, announce_on_commit, deliver_event, in_worker, pack
from core.plugins.manager import hookimpl, registry

pytestmark = pytest.mark.django_db

HEARD: list[tuple[str, object, object]] = []


class InRequest:
    @hookimpl
    def clinic_payment_received(self, clinic, payment):
        HEARD.append(("request", clinic, payment))


class InWorker:
    @hookimpl
    @in_worker
    def clinic_payment_received(self, clinic, payment):
        HEARD.append(("worker", clinic, payment))


class Failing:
    @hookimpl
    @in_worker
    def clinic_payment_received(self, clinic, payment):
        raise RuntimeError("listener broke")


@pytest.fixture
def listeners():
    pm = registry().pm
    plugins = [(InRequest(), "probe_request"), (Failing(), "probe_failing"), (InWorker(), "probe_worker")]
    for plugin, name in plugins:
        pm.register(plugin, name=name)
    HEARD.clear()
    yield
    for plugin, _name in plugins:
        pm.unregister(plugin)
    HEARD.clear()


def probes():
    return [(where, type(payment).__name__, getattr(payment, "pk", None)) for where, _c, payment in HEARD]


def test_the_event_reaches_the_worker_by_ids(alpha, listeners, django_capture_on_commit_callbacks, caplog):
    with scope(organization=alpha.org.pk):
        patient = Patient.objects.get(pk=alpha.patient.pk)
        with django_capture_on_commit_callbacks(execute=True):
            announce_on_commit(alpha.clinic, "clinic_payment_received", clinic=alpha.clinic, payment=patient)
            assert HEARD == []  # nothing before the commit
    assert sorted(probes()) == [("request", "Patient", patient.pk), ("worker", "Patient", patient.pk)]
    in_request = next(p for where, _c, p in HEARD if where == "request")
    worker_clinic, in_worker_row = next((c, p) for where, c, p in HEARD if where == "worker")
    assert in_request is patient  # heard in place: the very object
    assert in_worker_row is not patient  # loaded again in the worker
    assert worker_clinic.pk == alpha.clinic.pk and in_worker_row.organization_id == alpha.org.pk
    # One task carried both worker listeners (and the modules' own); the failing one was logged and did
    # not fail the task.
    [task] = Task.objects.filter(func=DELIVER_TASK)
    assert task.success and {"probe_worker", "probe_failing"} <= set(task.kwargs["plugins"])
    assert "probe_request" not in task.kwargs["plugins"]
    assert "listener probe_failing of clinic_payment_received failed" in caplog.text


def test_an_unsaved_object_is_heard_in_place(alpha, listeners, django_capture_on_commit_callbacks, caplog):
    unsaved = Patient(organization=alpha.org, given_name="Not", family_name="Saved")
    with scope(organization=alpha.org.pk), django_capture_on_commit_callbacks(execute=True):
        announce_on_commit(alpha.clinic, "clinic_payment_received", clinic=alpha.clinic, payment=unsaved)
    assert all(payment is unsaved for _w, _c, payment in HEARD) and len(HEARD) == 2
    assert "cannot go to the worker" in caplog.text
    assert not Task.objects.filter(func=DELIVER_TASK).exists()


def test_rows_of_another_organization_or_gone_drop_the_event(alpha, beta, listeners, caplog):
    caplog.set_level(logging.INFO)
    for payment in (Row("patients.patient", beta.patient.pk), Row("patients.patient", 10**9)):
        event = {"clinic": pack(alpha.clinic), "payment": payment}
        deliver_event(alpha.clinic.pk, name="clinic_payment_received", plugins=["probe_worker"], event=event)
    assert HEARD == []
    assert caplog.text.count("dropped") == 2


def test_pack_refuses_what_cannot_travel(alpha):
    assert pack({"a": [alpha.clinic], "n": 1}) == {"a": [Row("tenancy.clinic", alpha.clinic.pk)], "n": 1}
    assert pack({"by": AnonymousUser()}) == {"by": None}
    with pytest.raises(TypeError):
        pack({"callback": print})
