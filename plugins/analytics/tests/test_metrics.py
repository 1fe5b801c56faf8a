"""Every metric on the hand-built March of conftest.py, with the answers worked out by hand.

March 2026 against the 31 days before (29 Jan - 28 Feb), both Berlin clinics, everyone, unless a test
narrows it. The appointments (A = Downtown, B = Riverside; P works at both, Q at A only):

  Feb 10 A P p1 completed | Mar 2 A P p1 completed (10 d ahead) | Mar 3 A Q p2 completed, portal (2 d)
  Mar 4 A P p3 no-show (0.5 d) | Mar 5 A Q p4 cancelled by patient, portal (4 d)
  Mar 29 23:00 A Q p2 completed (10 d; after the DST change) | Mar 10 A P p5 open request (not counted)
  Mar 6 B P p1 completed, 60 min (1 d) | Mar 7 B P p5 cancelled by clinic (3 d)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from django_scopes import scope

from core.tenancy.models import ClinicModule
from plugins.analytics.periods import Period
from plugins.analytics.report.build import build as build_report
from plugins.analytics.report.selection import Selection

from .conftest import MARCH


def build(world, clinics=None, period=MARCH, **filters):
    with scope(organization=world.tenant.org.pk):
        selection = Selection(
            organization_id=world.tenant.org.pk,
            clinics=clinics or [world.a, world.b],
            period=period,
            today=date(2026, 11, 1),
            **filters,
        )
        return build_report(selection)


def figures(result) -> dict:
    return {f["slug"]: (f["value"], f["previous"]) for s in result.sections for f in s["figures"]}


def table(result, table_id) -> dict:
    found = result.table(table_id)
    assert found is not None, [t["id"] for s in result.sections for t in s["tables"]]
    return {row["label"]: row["values"] for row in found["rows"]}


@pytest.mark.django_db
def test_every_metric_for_both_clinics(month):
    result = build(month)
    assert result.mode == "live"  # nothing rolled up yet
    got = figures(result)
    expected = {
        # revenue: invoices of Mar 2 (100, paid), Mar 3 (80, 30 paid), Mar 6 (120, unpaid) at B; Feb 10 (60)
        # paid on Mar 1.
        "revenue_invoiced": (D("300.00"), D("60.00")),
        "revenue_collected": (D("190.00"), D("0")),
        "revenue_outstanding": (D("170.00"), D("0")),
        "revenue_credited": (D("0"), D("0")),
        "invoices_issued": (D("3"), D("1")),
        "revenue_average_invoice": (D("100.00"), D("60.00")),
        # appointments
        "appointments_booked": (D("7"), D("1")),
        "appointments_completed": (D("4"), D("1")),
        "appointments_cancelled": (D("2"), D("0")),
        "appointments_no_show": (D("1"), D("0")),
        "appointments_no_show_rate": (D("20.00"), D("0.00")),
        "appointments_online_share": (D("28.57"), D("0.00")),
        # 10 + 2 + 0.5 + 4 + 1 + 3 days, and 9 d 23 h for the one booked 10 calendar days before the
        # clocks went forward: 30.4583 / 7.
        "appointments_lead_time": (D("4.35"), D("9.00")),
        # patients: p2 is new in March (p1 was new in February); p1 and p2 seen; p1 returning
        "patients_new": (D("1"), D("1")),
        "patients_seen": (D("2"), D("1")),
        "patients_returning": (D("1"), D("0")),
        "patients_active": (D("2"), D("1")),
        "patients_retention": (D("100.0"), D("0")),
        "patients_registered": (D("1"), D("0")),
        # utilization: P 4 Mondays at A (16th closed) less 2 h off = 14 h, 4 Fridays at B = 8 h; Q 5
        # Tuesdays x 2 h = 10 h. Booked: 0.5 x 4 at A (no-show included) + 1 h at B = 3 h.
        "practitioner_booked_hours": (D("3.0000"), D("0.5000")),
        # February: 4 Mondays (16 h) and 4 Tuesdays (8 h) at A, 5 Fridays (10 h) at B.
        "practitioner_available_hours": (D("32.0000"), D("34.0000")),
        "practitioner_utilization": (D("9.38"), D("1.47")),
        # inventory: 10 bandages at 2.00 at A; 4 vaccines at 15.00 at B, expiring in 30 days
        "inventory_stock_value": (D("80.00"), None),
        "inventory_below_reorder": (D("1"), None),
        "inventory_expiring_value": (D("60.00"), None),
        "inventory_items_dispensed": (D("6.000"), D("0")),
    }
    assert {k: got[k] for k in expected} == expected


@pytest.mark.django_db
def test_breakdowns(month):
    result = build(month)
    assert table(result, "revenue-practitioner")["Alpha Doctor"][:2] == [D("220.00"), D("120.00")]
    assert table(result, "revenue-practitioner")["Quinn Second"][:2] == [D("80.00"), D("50.00")]
    # Appointment lines are named after the service, without their date.
    assert table(result, "revenue-service") == {
        "Consultation": [D("150.00")],
        "Massage": [D("120.00")],
        "Bandage": [D("30.00")],
    }
    assert table(result, "revenue-method") == {"Cash": [D("160.00")], "Card": [D("30.00")]}
    assert table(result, "revenue-clinic") == {
        "Alpha Downtown": [D("180.00"), D("190.00"), D("50.00")],
        "Alpha Riverside": [D("120.00"), D("0"), D("120.00")],
    }
    months = table(build(month, period=Period(date(2026, 1, 1), date(2026, 3, 31))), "revenue-time")
    assert months == {
        "2026-01": [D(0), D(0)],
        "2026-02": [D("60.00"), D(0)],
        "2026-03": [D("300.00"), D("190.00")],
    }

    assert table(result, "appointments-cancelled_by") == {
        "Cancelled by clinic": [D(1)],
        "Cancelled by patient": [D(1)],
    }
    assert table(result, "appointments-channel") == {"Back office": [D(5)], "Patient portal": [D(2)]}
    assert table(result, "appointments-practitioner") == {
        "Alpha Doctor": [D(4), D(2), D("33.33")],
        "Quinn Second": [D(3), D(2), D("0.00")],
    }
    days = table(result, "appointments-time")
    assert len(days) == 31
    assert days["2026-03-29"] == [D(1), D(1), D(0), D(0)]  # 23:00 after the clocks changed
    assert days["2026-03-10"] == [D(0), D(0), D(0), D(0)]  # the open request is not counted

    assert table(result, "patients-age_band") == {"0-17": [D(1)], "35-49": [D(1)]}
    assert table(result, "patients-clinic")["Alpha Riverside"] == [D(0), D(1), D(1), D(1)]

    utilization = table(result, "utilization-practitioner")
    assert utilization["Alpha Doctor"] == [D("9.09"), D("2.0000"), D("22.0000")]
    assert utilization["Quinn Second"] == [D("10.00"), D("1.0000"), D("10.0000")]
    heat = result.table("utilization-weekday_hour")["heatmap"]
    monday = heat["rows"][0]
    # Mondays 09:00-10:00: available on the 2nd, 9th and 30th (16th closed, 23rd off) = 3 h; 0.5 h booked.
    assert monday["cells"][heat["hours"].index("09:00")]["value"] == D("16.67")

    assert table(result, "inventory-item") == {"Bandage": [D(5)], "Vaccine": [D(1)]}


@pytest.mark.django_db
def test_one_clinic_and_one_practitioner(month):
    riverside = figures(build(month, clinics=[month.b]))
    assert riverside["appointments_booked"][0] == 2
    assert riverside["revenue_invoiced"][0] == D("120.00")
    assert riverside["practitioner_available_hours"][0] == D("8.0000")
    assert riverside["inventory_stock_value"][0] == D("60.00")

    quinn = build(month, practitioner=month.q.pk)
    got = figures(quinn)
    assert got["appointments_booked"] == (D(3), D(0))
    assert got["revenue_invoiced"] == (D("80.00"), D(0))
    assert got["practitioner_utilization"][0] == D("10.00")
    # Figures that cannot be narrowed to a practitioner say so instead of showing everyone's.
    unfiltered = {f["slug"] for s in quinn.sections for f in s["figures"] if f["unfiltered"]}
    assert {"inventory_stock_value", "patients_registered"} <= unfiltered
    assert got["inventory_stock_value"] == (None, None)

    massage = figures(build(month, service=month.services["massage"].pk))
    assert massage["appointments_booked"][0] == 2
    assert massage["patients_seen"][0] == 1


@pytest.mark.django_db
def test_a_module_switched_off_contributes_nothing_for_that_clinic(month):
    with scope(organization=month.tenant.org.pk):
        for module in ("billing", "scheduling"):
            ClinicModule.objects.create(
                organization=month.tenant.org, clinic=month.b, module=module, enabled=False
            )
    got = figures(build(month))
    assert got["revenue_invoiced"][0] == D("180.00")
    assert got["appointments_booked"][0] == 5
    assert got["practitioner_available_hours"][0] == D("24.0000")
    assert got["inventory_stock_value"][0] == D("80.00")  # inventory is still on at both
    only_b = build(month, clinics=[month.b])
    assert {s["slug"] for s in only_b.sections} - {"other"} == {"inventory", "patients"}


@pytest.mark.django_db
def test_empty_dst_and_year_crossing_periods(month):
    empty = figures(build(month, period=Period(date(2020, 1, 1), date(2020, 1, 31))))
    assert empty["appointments_booked"] == (D(0), D(0))
    assert empty["appointments_no_show_rate"] == (None, None)
    assert empty["revenue_average_invoice"] == (None, None)
    # The DST day alone (23 hours long) holds the late appointment.
    dst = figures(build(month, period=Period(date(2026, 3, 29), date(2026, 3, 29))))
    assert dst["appointments_booked"] == (D(1), D(0))
    # Across New Year: the previous period is the same length, ending on the day before.
    crossing = build(month, period=Period(date(2025, 12, 20), date(2026, 2, 10)))
    assert crossing.selection.period.previous() == Period(date(2025, 10, 28), date(2025, 12, 19))
    assert figures(crossing)["appointments_booked"] == (D(1), D(0))
