"""A small hand-built month (March 2026, Europe/Berlin: clocks go forward on the 29th) at Alpha's two
clinics, whose right answers are worked out by hand in test_metrics.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scope

from core.patients.models import PatientClinic
from core.tenancy.models import Role
from plugins.analytics.periods import Period
from tests.conftest import alpha, beta, login  # noqa: F401
from tests.factories import add_member, make_patient, make_user

BERLIN = ZoneInfo("Europe/Berlin")
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


@dataclass
class Month:
    tenant: object
    a: object
    b: object
    p: object  # practitioner at both clinics
    q: object  # second practitioner, clinic A only
    patients: list = field(default_factory=list)
    services: dict = field(default_factory=dict)


def appointment(world, clinic, who, patient, service, start, minutes, status, channel="office", lead_days=1):
    from plugins.scheduling.models import Appointment

    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        organization=world.tenant.org,
        clinic=clinic,
        practitioner=who,
        patient=patient,
        service=service,
        start=start,
        end=end,
        occupied_start=start,
        occupied_end=end,
        status=status,
        channel=channel,
        created_at=start - timedelta(days=lead_days),
    )


def invoice(world, clinic, patient, who, issued: date, lines, payments=(), status=None, currency="EUR"):
    """An issued invoice built as a draft with its lines, then issued (the order the triggers demand)."""
    from plugins.billing.models import Invoice, InvoiceLine, Payment

    org = world.tenant.org
    inv = Invoice.objects.create(
        organization=org, clinic=clinic, patient=patient, practitioner=who, currency=currency, status="draft"
    )
    gross = Decimal(0)
    for position, (kind, description, amount) in enumerate(lines, start=1):
        amount = Decimal(amount)
        gross += amount
        InvoiceLine.objects.create(
            organization=org,
            invoice=inv,
            position=position,
            kind=kind,
            description=description,
            quantity=1,
            unit_price=amount,
            net_amount=amount,
            tax_amount=0,
            gross_amount=amount,
        )
    paid = sum((Decimal(a) for a, _m, _d in payments), Decimal(0))
    if status is None:
        status = "paid" if paid >= gross else ("partly_paid" if paid else "issued")
    Invoice.objects.filter(pk=inv.pk).update(
        status=status,
        number=f"A-{inv.pk}",
        issue_date=issued,
        net_total=gross,
        gross_total=gross,
        paid_total=paid,
        balance=gross - paid,
    )
    for amount, method, on in payments:
        Payment.objects.create(
            organization=org,
            clinic=clinic,
            invoice=inv,
            method=method,
            amount=Decimal(amount),
            applied_amount=Decimal(amount),
            currency=currency,
            date=on,
        )
    return inv


@pytest.fixture
def month(alpha):  # noqa: F811
    from plugins.inventory.models import Item, Lot, MovementKind, ReorderRule, StockLevel, StockMovement
    from plugins.scheduling.models import ClinicClosure, Service, TimeOff, WorkingHours

    org = alpha.org
    with scope(organization=org.pk):
        for clinic in alpha.clinics:
            clinic.timezone, clinic.currency = "Europe/Berlin", "EUR"
            clinic.save()
        a, b = alpha.clinics
        p = alpha.memberships["practitioner"]
        q = add_member(
            org, make_user("second-doctor@alpha.test", full_name="Quinn Second"), Role.PRACTITIONER, [a]
        )
        world = Month(alpha, a, b, p, q)
        consult = Service.objects.create(organization=org, clinic=a, name="Consultation", duration_minutes=30)
        massage = Service.objects.create(organization=org, clinic=b, name="Massage", duration_minutes=60)
        world.services = {"consultation": consult, "massage": massage}
        p1 = alpha.patient
        p1.date_of_birth = date(1990, 5, 1)
        p1.save()
        p2 = make_patient(a, "Pia", "Young", date_of_birth=date(2010, 4, 1))
        p3 = make_patient(a, "Paul", "Missed")
        p4 = make_patient(a, "Petra", "Cancelled")
        p5 = make_patient(b, "Pete", "Requested")
        world.patients = [p1, p2, p3, p4, p5]
        PatientClinic.objects.filter(patient=p2, clinic=a).update(created_at=at(date(2026, 3, 3), 10))
        PatientClinic.objects.exclude(patient=p2).update(created_at=at(date(2025, 6, 1), 10))

        d = date
        # Clinic A
        appointment(world, a, p, p1, consult, at(d(2026, 2, 10), 9), 30, "completed", lead_days=9)
        appointment(world, a, p, p1, consult, at(d(2026, 3, 2), 9), 30, "completed", lead_days=10)
        appointment(world, a, q, p2, consult, at(d(2026, 3, 3), 10), 30, "completed", "portal", lead_days=2)
        appointment(world, a, p, p3, consult, at(d(2026, 3, 4), 11), 30, "no_show", lead_days=0.5)
        appointment(world, a, q, p4, consult, at(d(2026, 3, 5), 12), 30, "cancelled_patient", "portal", 4)
        # After the clocks went forward, late in the evening: still the 29th in Berlin (21:00 UTC).
        appointment(world, a, q, p2, consult, at(d(2026, 3, 29), 23), 30, "completed", lead_days=10)
        appointment(world, a, p, p5, consult, at(d(2026, 3, 10), 9), 30, "requested", "portal", lead_days=1)
        # Clinic B
        appointment(world, b, p, p1, massage, at(d(2026, 3, 6), 14), 60, "completed", lead_days=1)
        appointment(world, b, p, p5, massage, at(d(2026, 3, 7), 14), 60, "cancelled_clinic", lead_days=3)

        # Working hours: P Mondays 9-13 at A, Fridays 14-16 at B; Q Tuesdays 10-12 at A.
        hours = [(p, a, 0, 9, 13), (p, b, 4, 14, 16), (q, a, 1, 10, 12)]
        for who, clinic, weekday, start, end in hours:
            WorkingHours.objects.create(
                organization=org,
                membership=who,
                clinic=clinic,
                weekday=weekday,
                start_time=time(start),
                end_time=time(end),
                valid_from=d(2026, 1, 1),
            )
        ClinicClosure.objects.create(
            organization=org, clinic=a, start_date=d(2026, 3, 16), end_date=d(2026, 3, 16)
        )
        TimeOff.objects.create(
            organization=org, membership=p, start=at(d(2026, 3, 23), 9), end=at(d(2026, 3, 23), 11)
        )

        # Billing (all EUR)
        invoice(
            world,
            a,
            p1,
            p,
            d(2026, 3, 2),
            [("appointment", "Consultation 02.03.2026", "100.00")],
            [("100.00", "cash", d(2026, 3, 2))],
        )
        invoice(
            world,
            a,
            p2,
            q,
            d(2026, 3, 3),
            [("appointment", "Consultation 03.03.2026", "50.00"), ("free", "Bandage", "30.00")],
            [("30.00", "card", d(2026, 3, 4))],
        )
        invoice(world, b, p1, p, d(2026, 3, 6), [("appointment", "Massage 06.03.2026", "120.00")])
        invoice(
            world,
            a,
            p1,
            p,
            d(2026, 2, 10),
            [("appointment", "Consultation 10.02.2026", "60.00")],
            [("60.00", "cash", d(2026, 3, 1))],
        )

        # Inventory: stock right now, and what was used in March.
        bandage = Item.objects.create(organization=org, name="Bandage", sku="BAN", cost_price=Decimal("2.00"))
        vaccine = Item.objects.create(
            organization=org, name="Vaccine", sku="VAC", cost_price=Decimal("15.00"), lot_tracked=True
        )
        lot = Lot.objects.create(
            organization=org, item=vaccine, number="L1", expiry_date=timezone.localdate() + timedelta(days=30)
        )
        StockLevel.objects.create(organization=org, clinic=a, item=bandage, quantity=10)
        StockLevel.objects.create(organization=org, clinic=b, item=vaccine, lot=lot, quantity=4)
        ReorderRule.objects.create(
            organization=org,
            clinic=a,
            item=bandage,
            reorder_level=12,
            reorder_quantity=20,
            below_reorder_since=timezone.now(),
        )
        for clinic, item, kind, quantity, when in (
            (a, bandage, MovementKind.DISPENSED, -3, at(d(2026, 3, 3), 10)),
            (a, bandage, MovementKind.USED, -2, at(d(2026, 3, 20), 15)),
            (b, vaccine, MovementKind.DISPENSED, -1, at(d(2026, 3, 6), 14)),
            (a, bandage, MovementKind.RECEIVED, 15, at(d(2026, 3, 1), 8)),
        ):
            StockMovement.objects.create(
                organization=org, clinic=clinic, item=item, kind=kind, quantity=quantity, created_at=when
            )
    return world


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
