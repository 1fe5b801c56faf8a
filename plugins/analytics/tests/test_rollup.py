"""Roll-ups and live queries agree on a generated dataset; events mark the days they touch and the periodic
pass recomputes them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope

from core.tenancy.models import Role
from plugins.analytics import rollup, visits
from plugins.analytics.models import DailyFigure, MonthlyFigure, PatientVisits, RolledDay
from plugins.analytics.periods import Period
from plugins.analytics.report.build import build
from plugins.analytics.report.selection import Selection
from plugins.analytics.report.sources import choose_source, visit_figures
from tests.factories import add_member, make_patient, make_user

from .conftest import at, invoice

FIRST, LAST = date(2025, 12, 1), date(2026, 4, 5)
# Across New Year (the previous period) and the March DST change (this one).
PERIOD = Period(date(2026, 2, 1), date(2026, 3, 31))


def generate(alpha, seed=7):
    """Random appointments (every status and channel), invoices with part payments, stock use and time
    off at two clinics in different time zones and currencies."""
    from plugins.inventory.models import Item, MovementKind, StockMovement
    from plugins.scheduling.models import Appointment, Service, TimeOff, WorkingHours

    rnd = random.Random(seed)
    org = alpha.org
    a, b = alpha.clinics
    a.timezone, a.currency = "Europe/Berlin", "EUR"
    b.timezone, b.currency = "America/New_York", "USD"
    a.save()
    b.save()
    p = alpha.memberships["practitioner"]
    q = add_member(org, make_user("gen-doctor@alpha.test", full_name="Gen Doctor"), Role.PRACTITIONER, [a, b])
    services = {
        a: [
            Service.objects.create(organization=org, clinic=a, name=f"A{n}", duration_minutes=30)
            for n in range(3)
        ],
        b: [
            Service.objects.create(organization=org, clinic=b, name=f"B{n}", duration_minutes=45)
            for n in range(2)
        ],
    }
    patients = [make_patient(rnd.choice([a, b]), f"Gen{n}", "Patient") for n in range(25)]
    for n, patient in enumerate(patients):
        patient.date_of_birth = date(1940 + n * 3, 1 + n % 12, 1) if n % 5 else None
        patient.save()
    for who in (p, q):
        for clinic, weekdays in ((a, (0, 2, 4)), (b, (1, 3))):
            for weekday in weekdays:
                WorkingHours.objects.create(
                    organization=org,
                    membership=who,
                    clinic=clinic,
                    weekday=weekday,
                    start_time=time(8 + rnd.randrange(3)),
                    end_time=time(15 + rnd.randrange(4)),
                    valid_from=FIRST,
                )
    TimeOff.objects.create(
        organization=org, membership=q, start=at(date(2026, 2, 9), 0), end=at(date(2026, 2, 14), 0)
    )
    statuses = ["completed"] * 6 + ["no_show", "cancelled_patient", "cancelled_clinic", "booked", "requested"]
    day = FIRST
    item = Item.objects.create(organization=org, name="Gauze", sku="GZ", cost_price=Decimal("1.50"))
    while day <= LAST:
        for who in (p, q):
            for hour in rnd.sample(range(7, 23), rnd.randrange(0, 4)):
                clinic = rnd.choice([a, b])
                # Distinct UTC hours per practitioner: never a double booking, whichever clinic's clock.
                start = datetime.combine(day, time(hour, rnd.choice([0, 10])), tzinfo=UTC)
                service = rnd.choice(services[clinic])
                end = start + timedelta(minutes=service.duration_minutes)
                status = rnd.choice(statuses)
                patient = rnd.choice(patients)
                Appointment.objects.create(
                    organization=org,
                    clinic=clinic,
                    practitioner=who,
                    patient=patient,
                    service=service,
                    start=start,
                    end=end,
                    occupied_start=start,
                    occupied_end=end,
                    status=status,
                    channel=rnd.choice(["office", "portal", "api"]),
                    created_at=start - timedelta(hours=rnd.randrange(1, 24 * 30)),
                )
                if status == "completed" and rnd.random() < 0.6:
                    amount = Decimal(rnd.randrange(40, 200))
                    paid = rnd.choice([Decimal(0), amount, (amount / 2).quantize(Decimal("0.01"))])
                    payments = [
                        (str(paid), rnd.choice(["cash", "card"]), day + timedelta(days=rnd.randrange(0, 20)))
                    ]
                    invoice_world = type("W", (), {"tenant": alpha})
                    invoice(
                        invoice_world,
                        clinic,
                        patient,
                        who,
                        day,
                        [("appointment", f"{service.name} {day:%d.%m.%Y}", str(amount))],
                        payments if paid else [],
                        currency=clinic.currency,
                    )
        if rnd.random() < 0.5:
            StockMovement.objects.create(
                organization=org,
                clinic=rnd.choice([a, b]),
                item=item,
                kind=MovementKind.DISPENSED,
                quantity=-rnd.randrange(1, 5),
                created_at=at(day, rnd.randrange(8, 18)),
            )
        day += timedelta(days=1)
    return a, b


def rolled_source(base):
    return choose_source(Selection(**base), ["appointments_booked"])[0]


def strip(result) -> list:
    """A report's content without how it was made: every section's figures and table rows."""
    return [
        (
            s["slug"],
            s["currency"],
            [(f["slug"], f["value"], f["previous"]) for f in s["figures"]],
            [(t["id"], [(r["key"], r["values"]) for r in t["rows"]]) for t in s["tables"]],
        )
        for s in result.sections
    ]


@pytest.mark.django_db
def test_rollups_and_live_queries_agree(alpha):
    with scope(organization=alpha.org.pk):
        a, b = generate(alpha)
        for clinic in (a, b):
            visits.fill(clinic)
            rollup.recompute(clinic, Period(PERIOD.previous().first, PERIOD.last).each_day())
        assert DailyFigure.objects.filter(organization=alpha.org).count() > 1000
        assert MonthlyFigure.objects.filter(organization=alpha.org, month=date(2026, 2, 1)).count() > 50
        assert PatientVisits.objects.filter(organization=alpha.org).count() > 10
        _agree(alpha, a, b)
        # A visit that turns out cancelled, and one completed later: the day recomputes keep the
        # distinct-patient roll-up exact (removed from and added to the patients' visit sets).
        from plugins.scheduling.models import Appointment

        done = Appointment.objects.filter(clinic=a, status="completed", start__date=date(2026, 3, 10)).first()
        later = Appointment.objects.filter(
            clinic=b, status="booked", start__gte=at(date(2026, 3, 2), 0)
        ).first()
        done.status, later.status = "cancelled_clinic", "completed"
        done.save()
        later.save()
        rollup.recompute(a, [done.start.astimezone(a.tzinfo).date()])
        rollup.recompute(b, [later.start.astimezone(b.tzinfo).date()])
        _agree(alpha, a, b)


def _agree(alpha, a, b):
    for period in (
        PERIOD,
        Period(date(2026, 3, 1), date(2026, 3, 31)),
        Period(date(2026, 3, 29), date(2026, 3, 29)),
    ):
        for clinics in ([a, b], [b]):
            if period.previous().first < PERIOD.previous().first:
                continue
            base = {
                "organization_id": alpha.org.pk,
                "clinics": clinics,
                "period": period,
                "today": date(2026, 11, 1),
            }
            live = build(Selection(**base, force_live=True))
            rolled = build(Selection(**base))
            assert (live.mode, rolled.mode) == ("live", "rollup")
            assert strip(rolled) == strip(live), (period, clinics)
            assert visit_figures(Selection(**base), rolled_source(base)) is not None
    both = build(
        Selection(organization_id=alpha.org.pk, clinics=[a, b], period=PERIOD, today=date(2026, 11, 1))
    )
    # Two currencies: the money sections come once per currency, never added together.
    assert [s["title"] for s in both.sections if s["slug"] == "revenue"] == [
        "Revenue · EUR",
        "Revenue · USD",
    ]
    booked = next(f for s in both.sections for f in s["figures"] if f["slug"] == "appointments_booked")
    assert booked["value"] > 50


@pytest.mark.django_db(transaction=False)
def test_events_mark_days_and_the_pass_recomputes_them(alpha, django_capture_on_commit_callbacks):
    from plugins.analytics.tasks import refresh_rollups
    from plugins.scheduling.services.booking import book_appointment
    from plugins.scheduling.services.catalogue import create_service

    org = alpha.org
    with scope(organization=org.pk):
        clinic = alpha.clinic
        service = create_service(
            clinic, practitioners=[alpha.memberships["practitioner"]], name="Checkup", duration_minutes=30
        )
        start = timezone.now().astimezone(clinic.tzinfo).replace(hour=12, minute=0, second=0, microsecond=0)
        start -= timedelta(days=3)
        with django_capture_on_commit_callbacks(execute=True):
            book_appointment(
                clinic=clinic,
                practitioner=alpha.memberships["practitioner"],
                patient=alpha.patient,
                service=service,
                start=start,
                by=alpha.owner,
                override=True,
            )
        day = start.astimezone(clinic.tzinfo).date()
        marked = RolledDay.objects.get(clinic=clinic, day=day)
        assert marked.marked_at is not None and marked.computed_at is None
        assert day in rollup.days_to_refresh(clinic)
    refresh_rollups(clinic.pk)
    with scope(organization=org.pk):
        marked.refresh_from_db()
        assert marked.computed_at >= marked.marked_at
        assert (
            DailyFigure.objects.get(clinic=clinic, day=day, metric="appointments_booked", breakdown="").value
            == 1
        )
        # Today is always part of the pass; a day already computed and untouched is not done again.
        today = timezone.now().astimezone(clinic.tzinfo).date()
        assert RolledDay.objects.filter(clinic=clinic, day=today, computed_at__isnull=False).exists()
        again = rollup.days_to_refresh(clinic)
        assert day not in again and today in again


@pytest.mark.django_db
def test_a_rollup_of_a_day_replaces_the_last_one(month):
    with scope(organization=month.tenant.org.pk):
        day = date(2026, 3, 3)
        rollup.recompute_day(month.a, day)
        first = set(
            DailyFigure.objects.filter(clinic=month.a, day=day).values_list(
                "metric", "breakdown", "key", "value"
            )
        )
        rollup.recompute_day(month.a, day)
        assert (
            set(
                DailyFigure.objects.filter(clinic=month.a, day=day).values_list(
                    "metric", "breakdown", "key", "value"
                )
            )
            == first
        )
        assert ("appointments_booked", "channel", "portal", Decimal("1.0000")) in first


@pytest.mark.django_db
def test_marking_days_is_one_statement(alpha, django_assert_num_queries):
    """The listeners run right after a booking or an invoice commits: marking costs one insert, whether
    the days are new or already known."""
    clinic = alpha.clinic
    with scope(organization=alpha.org.pk):
        rollup.recompute_day(clinic, date(2026, 3, 2))
        computed = RolledDay.objects.get(clinic=clinic, day=date(2026, 3, 2)).computed_at
        with django_assert_num_queries(1):
            rollup.mark_days(clinic.pk, alpha.org.pk, [date(2026, 3, 2), date(2026, 3, 3), None])
        rows = {r.day: r for r in RolledDay.objects.filter(clinic=clinic)}
        assert rows[date(2026, 3, 2)].computed_at == computed
        assert rows[date(2026, 3, 2)].marked_at > computed
        assert rows[date(2026, 3, 3)].computed_at is None
        assert date(2026, 3, 3) in rollup.days_to_refresh(clinic, today=date(2026, 3, 10))


@pytest.mark.django_db
def test_all_clinics_of_one_time_zone_read_the_patients_visits_anywhere(month):
    """Both clinics in Berlin and both selected: the distinct-patient figures come from one row per
    patient (PatientAllVisits) and still equal the live answers, also after a visit is cancelled."""
    from plugins.analytics.models import PatientAllVisits
    from plugins.analytics.tests.conftest import MARCH
    from plugins.scheduling.models import Appointment

    org = month.tenant.org
    with scope(organization=org.pk):
        for clinic in (month.a, month.b):
            visits.fill(clinic)
            rollup.recompute(clinic, Period(date(2025, 12, 1), MARCH.last).each_day())
        assert PatientAllVisits.objects.filter(organization=org).count() == len(
            set(PatientVisits.objects.filter(organization=org).values_list("patient_id", flat=True))
        )
        base = {
            "organization_id": org.pk,
            "clinics": [month.a, month.b],
            "period": MARCH,
            "today": MARCH.last,
        }

        def compare():
            rolled = build(Selection(**base))
            live = build(Selection(**base, force_live=True))
            assert rolled.mode == "rollup"
            assert strip(rolled) == strip(live)
            figures = visit_figures(Selection(**base), rolled_source(base))
            assert figures.everywhere == {month.a.pk, month.b.pk}
            return rolled

        first = compare()
        done = Appointment.objects.filter(
            clinic=month.a, status="completed", start__date=date(2026, 3, 2)
        ).get()
        done.status = "cancelled_patient"
        done.save()
        rollup.recompute(month.a, [date(2026, 3, 2)])
        assert strip(compare()) != strip(first)
