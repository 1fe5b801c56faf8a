"""Demo data: services, working hours, a room, a booking policy, appointments three weeks either side of
today, and a few patients on the waitlist. Idempotent: everything is looked up before it is created."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient, PatientClinic
from core.tenancy.models import Membership

from . import availability as av
from . import waitlist
from .models import (
    Appointment,
    BookingPolicy,
    OnlineMode,
    Room,
    Service,
    ServicePractitioner,
    Status,
    WaitlistEntry,
    WorkingHours,
)
from .services.booking import book_appointment
from .services.conflicts import SlotTaken

# Names are written in the clinic's own language: a Berlin clinic's demo services read in German.
SERVICES = [
    (_("Consultation"), 30, Decimal("90.00"), 0, 5, "#2563eb"),
    (_("Follow-up visit"), 15, Decimal("45.00"), 0, 0, "#16a34a"),
    (_("Extended assessment"), 60, Decimal("160.00"), 5, 10, "#9333ea"),
]
DEMO_PRACTITIONERS = {"doctor@alpha.test", "doctor@beta.test"}
# Clinic slug -> weekdays the practitioner works there (a practitioner of two clinics splits the week).
WEEKDAYS = {"alpha-downtown": (0, 1, 2), "alpha-riverside": (3, 4), "beta-central": (0, 1, 2, 3, 4)}
HOURS = [(time(9), time(12, 30)), (time(13, 30), time(17))]
WEEKS = 3


def seed(organization, clinics, users) -> None:
    practitioners = [
        m
        for m in Membership.objects.filter(organization=organization, user__email__in=DEMO_PRACTITIONERS)
        if m.is_active
    ]
    owner_user = next((u for e, u in users.items() if e.startswith("owner@")), None)
    for slug, clinic in clinics.items():
        working_here = [m for m in practitioners if m.membershipclinic_set.filter(clinic=clinic).exists()]
        if working_here:
            with translation.override(clinic.locale):
                _seed_clinic(organization, slug, clinic, working_here, owner_user)


def _seed_clinic(organization, slug, clinic, working_here, owner_user) -> None:
    BookingPolicy.objects.get_or_create(
        organization=organization,
        clinic=clinic,
        defaults={"online_mode": OnlineMode.APPROVAL, "min_notice_minutes": 120},
    )
    Room.objects.get_or_create(organization=organization, clinic=clinic, name=str(_("Room 1")))
    services = []
    for name, minutes, price, before, after, colour in SERVICES:
        service, _created = Service.objects.get_or_create(
            organization=organization,
            clinic=clinic,
            name=str(name),
            defaults={
                "duration_minutes": minutes,
                "price": price,
                "currency": clinic.currency,
                "buffer_before_minutes": before,
                "buffer_after_minutes": after,
                "colour": colour,
            },
        )
        services.append(service)
        for membership in working_here:
            ServicePractitioner.objects.get_or_create(
                organization=organization, service=service, membership=membership
            )
    for membership in working_here:
        for weekday in WEEKDAYS.get(slug, (0, 1, 2, 3, 4)):
            for start, end in HOURS:
                WorkingHours.objects.get_or_create(
                    organization=organization,
                    clinic=clinic,
                    membership=membership,
                    weekday=weekday,
                    start_time=start,
                    defaults={"end_time": end, "valid_from": date(2024, 1, 1)},
                )
        _appointments(organization, clinic, membership, services, owner_user)
    _waitlist(organization, clinic, working_here, services, owner_user)


def _appointments(organization, clinic, membership, services, by) -> None:
    """A few appointments a day on working days, from three weeks ago to three weeks ahead. Skipped
    when this practitioner already has demo appointments at the clinic (the seed ran before)."""
    if Appointment.objects.filter(organization=organization, clinic=clinic, practitioner=membership).exists():
        return
    patients = list(
        Patient.objects.filter(
            organization=organization,
            pk__in=PatientClinic.objects.filter(clinic=clinic).values("patient_id"),
            merged_into__isnull=True,
        ).order_by("record_number")
    )
    if not patients:
        return
    tz = clinic.tzinfo
    today = timezone.now().astimezone(tz).date()
    weekdays = set(WEEKDAYS.get(clinic.slug, (0, 1, 2, 3, 4)))
    times = [time(9), time(10), time(11, 30), time(14), time(15, 30)]
    n = 0
    for offset in range(-7 * WEEKS, 7 * WEEKS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        for index, at in enumerate(times):
            if (offset + index) % 2:  # leave gaps so the calendar has free slots
                continue
            start = av.local_instant(day, at, tz)
            if start is None:
                continue
            service = services[n % len(services)]
            patient = patients[n % len(patients)]
            n += 1
            try:
                appointment = book_appointment(
                    clinic=clinic,
                    practitioner=membership,
                    patient=patient,
                    service=service,
                    start=start,
                    by=by,
                    override=True,
                )
            except SlotTaken:
                continue
            if day < today:
                final = Status.NO_SHOW if n % 9 == 0 else Status.COMPLETED
                appointment.status = final
                appointment.save(update_fields=["status"])


WAITLIST_SIZE = 3


def _waitlist(organization, clinic, practitioners, services, by) -> None:
    """A few patients waiting for an earlier slot over the next weeks, one for anyone who offers the
    service and the others for a named practitioner. Skipped when the clinic already has a waitlist."""
    if WaitlistEntry.objects.filter(organization=organization, clinic=clinic).exists():
        return
    patients = list(
        Patient.objects.filter(
            organization=organization,
            pk__in=PatientClinic.objects.filter(clinic=clinic).values("patient_id"),
            merged_into__isnull=True,
            archived=False,
        ).order_by("-record_number")[:WAITLIST_SIZE]
    )
    today = timezone.now().astimezone(clinic.tzinfo).date()
    for n, patient in enumerate(patients):
        waitlist.join(
            clinic=clinic,
            patient=patient,
            service=services[n % len(services)],
            practitioner=None if n == 0 else practitioners[n % len(practitioners)],
            earliest=today + timedelta(days=1 + n),
            latest=today + timedelta(days=14 + 7 * n),
            by=by,
            notes=str(_("Prefers mornings")) if n == 1 else "",
            today=today,
        )
