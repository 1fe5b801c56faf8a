"""The benchmark's data generator: its data goes through the real constraints and triggers, keeps its
shape, and the checks it ends with catch data that breaks the rules."""

from __future__ import annotations

import json

import pghistory
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection

from bench.checks import check
from bench.copy import bulk_load, checked_after_load
from bench.management.commands.seed_scale import DEFAULTS, full_size_shape
from core.audit.verification import verify_chain
from plugins.scheduling.models import Appointment

SMALL = {
    "organizations": 3,
    "clinics": 4,
    "practitioners": 6,
    "patients": 90,
    "appointments": 600,
    "invoices": 180,
    "stock_movements": 120,
    "access_events": 300,
    "full_size_clinics": 0,
    "prefix": "seedtest",
}


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def organizations() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM tenancy_organization WHERE slug LIKE 'seedtest-org-%%' ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def seeded(db):
    call_command("seed_scale", **SMALL, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return organizations()


def count(table: str, organizations: list[int], where: str = "TRUE") -> int:
    return scalar(
        f"SELECT count(*) FROM {table} WHERE organization_id = ANY(%s) AND {where}",  # noqa: S608
        [organizations],
    )


def test_sizes_and_shape(seeded):
    assert len(seeded) == 3
    assert count("tenancy_clinic", seeded) == 4
    assert count("patients_patient", seeded) == 90
    assert count("scheduling_appointment", seeded) == 600
    # A few big organizations, a long tail of small ones: the first has the most patients.
    per_org = [count("patients_patient", [org]) for org in seeded]
    assert per_org[0] == max(per_org) > per_org[-1]
    # Invoices bill completed visits; every one was issued with a number, and most are paid.
    invoices = count("billing_invoice", seeded)
    assert 0 < invoices <= count("scheduling_appointment", seeded, "status = 'completed'")
    assert count("billing_invoice", seeded, "number IS NULL") == 0
    assert count("billing_invoice", seeded, "status = 'paid'") > invoices // 2
    assert count("inventory_stocklevel", seeded) > 0
    # The access log the audit viewer reads: every read joined its organization's hash chain.
    assert count("audit_accessevent", seeded) == 300
    assert count("audit_auditentry", seeded, "kind = 'access'") == 300
    assert verify_chain(seeded[0]).intact


def test_everything_generated_has_its_audit_history_under_the_commands_context(seeded):
    appointments = count("scheduling_appointment", seeded)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.metadata, count(*) FROM scheduling_appointmentevent e
            JOIN pghistory_context c ON c.id = e.pgh_context_id
            WHERE e.organization_id = ANY(%s) AND e.pgh_label = 'insert' GROUP BY c.metadata
            """,
            [seeded],
        )
        rows = cursor.fetchall()
    assert [(json.loads(m) if isinstance(m, str) else m, n) for m, n in rows] == [
        ({"command": "seed_scale"}, appointments)
    ]
    # Issuing and paying went through the invoices' update triggers, which recorded each change.
    updates = count("billing_invoiceevent", seeded, "pgh_label = 'update'")
    assert updates >= count("billing_invoice", seeded)


def test_checks_pass_on_generated_data_and_catch_broken_data(seeded):
    found = check(seeded)
    assert set(found.values()) == {0}
    assert len(found) == 8

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_stocklevel SET quantity = quantity + 1"
            " WHERE id = (SELECT min(id) FROM inventory_stocklevel WHERE organization_id = ANY(%s))",
            [seeded],
        )
    with pytest.raises(CommandError, match="stock levels that differ from their ledger's sum: 1$"):
        check(seeded)


def test_checks_catch_a_series_whose_next_number_skips(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_invoiceseries SET next_number = next_number + 1"
            " WHERE id = (SELECT min(id) FROM billing_invoiceseries WHERE organization_id = ANY(%s))",
            [seeded],
        )
    with pytest.raises(CommandError, match="does not follow this year's last"):
        check(seeded)


@pytest.mark.django_db
def test_bulk_load_gives_the_triggers_their_settings():
    """Unset, the audit triggers raise and catch an error per row, which makes large loads quadratic."""
    with pghistory.context(command="seed_scale") as audit, bulk_load(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('pgtrigger.ignore'), current_setting('pghistory.context_id'),"
            " current_setting('pghistory.context_metadata')"
        )
        ignore, context_id, metadata = cursor.fetchone()
    assert ignore == "{}"
    assert context_id == str(audit.id)
    assert json.loads(metadata) == {"command": "seed_scale"}


def test_full_size_shape_of_the_busiest_clinics():
    """The clinics the benchmark signs in at: 12 and 9 practitioners at full size, whatever the scale."""
    shape = full_size_shape(DEFAULTS, 6)
    assert [len(clinic) for clinic in shape][:2] == [12, 9]
    assert all(count > 0 for clinic in shape for count in clinic)


def definitions(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " UNION ALL SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = %s::regclass ORDER BY 1, 2",
            [table, table],
        )
        return cursor.fetchall()


def test_constraints_taken_off_for_a_load_come_back_and_check_every_row(seeded):
    before = definitions("scheduling_appointment")
    assert any("EXCLUDE USING gist" in d for _, d in before)
    columns = (
        'organization_id, clinic_id, practitioner_id, patient_id, service_id, start, "end", occupied_start,'
        " occupied_end, allow_overlap, status, channel, staff_notes, cancellation_reason, version,"
        " created_at, updated_at"
    )
    copy_of_a_booked_visit = (
        f"INSERT INTO scheduling_appointment ({columns}) SELECT {columns} FROM scheduling_appointment"  # noqa: S608
        " WHERE id = (SELECT min(id) FROM scheduling_appointment WHERE organization_id = ANY(%s)"
        " AND status = 'booked')"
    )
    with (
        pytest.raises(IntegrityError, match="sched_no_double_booking"),
        checked_after_load(Appointment),
        connection.cursor() as cursor,
    ):
        cursor.execute(copy_of_a_booked_visit, [seeded])
        assert not any("EXCLUDE" in d for _, d in definitions("scheduling_appointment"))
    # The load rolled back with everything it took off; a load that keeps the rules leaves them as they were.
    assert definitions("scheduling_appointment") == before
    with checked_after_load(Appointment):
        pass
    assert definitions("scheduling_appointment") == before


@pytest.mark.django_db
def test_a_run_whose_data_breaks_a_rule_leaves_nothing_behind(monkeypatch):
    checked = []

    def failing_check(generated):
        checked.append(organizations())  # the check runs with the data in place, before commit
        raise CommandError("The generated data breaks its rules: overlapping active appointments: 1")

    monkeypatch.setattr("bench.management.commands.seed_scale.check", failing_check)
    with pytest.raises(CommandError, match="overlapping active appointments"):
        call_command("seed_scale", **SMALL, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(checked[0]) == 3
    assert organizations() == []
    assert scalar("SELECT count(*) FROM scheduling_appointmentevent") == 0
