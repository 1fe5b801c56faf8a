"""Every database connection starts with ``pgtrigger.ignore`` set to an empty list (settings.base).

Unset, each audited write raised and caught an error inside the trigger; the setting must not change
what the triggers do: nothing is skipped by default, and ``pgtrigger.ignore()`` still skips what it names.
"""

import pgtrigger
import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled

from core.patients.models import Patient
from tests.factories import make_org, make_patient


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('pgtrigger.ignore', true)")
        return cursor.fetchone()[0]


def _history_rows(patient) -> int:
    return Patient.pgh_event_model.objects.filter(pgh_obj_id=patient.pk).count()


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_ignores_no_trigger():
    connection.close()
    assert _setting() == "{}"


@pytest.mark.django_db(transaction=True)
def test_audit_history_is_written_and_an_explicit_ignore_still_applies():
    with scopes_disabled():
        _, (clinic,) = make_org("Audited")
        patient = make_patient(clinic, "Ada", "Quill")
        assert _history_rows(patient) == 1  # the insert, audited with the default setting

        with transaction.atomic(), pgtrigger.ignore("patients.Patient:update_update"):
            Patient.objects.filter(pk=patient.pk).update(given_name="Adah")
        assert _history_rows(patient) == 1  # skipped, as asked
        assert _setting() == "{}"  # and back to the default afterwards

        Patient.objects.filter(pk=patient.pk).update(given_name="Adaline")
        assert _history_rows(patient) == 2
