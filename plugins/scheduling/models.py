"""Scheduling: services, practitioners' working hours and time off, clinic closures, rooms, the booking
policy, and appointments (single or in a recurring series).

Double booking is refused by the database itself: two exclusion constraints forbid overlapping active
appointments of one practitioner (buffers included) and of one room. Every table is tenant-owned.
"""

from __future__ import annotations

from datetime import timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.patients.models import Patient
from core.tenancy.models import Clinic, Membership, TenantModel

MAX_APPOINTMENT_MINUTES = 12 * 60
MAX_BUFFER_MINUTES = 240
# Longest stretch an appointment's occupied range can have; range queries look back this far only.
MAX_OCCUPIED = timedelta(minutes=MAX_APPOINTMENT_MINUTES + 2 * MAX_BUFFER_MINUTES)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED_PATIENT = "cancelled_patient", _("Cancelled by patient")
    CANCELLED_CLINIC = "cancelled_clinic", _("Cancelled by clinic")
    NO_SHOW = "no_show", _("No-show")


# Statuses that hold the practitioner's (and the room's) time.
ACTIVE_STATUSES = (
    Status.REQUESTED,
    Status.BOOKED,
    Status.ARRIVED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
)


class Channel(models.TextChoices):
    OFFICE = "office", _("Back office")
    PORTAL = "portal", _("Patient portal")
    API = "api", _("API")


class OnlineMode(models.TextChoices):
    INSTANT = "instant", _("Booked at once")
    APPROVAL = "approval", _("Requests need approval")
    OFF = "off", _("No online booking")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


@pghistory.track()
class PractitionerSettings(TenantModel):
    """Per-practitioner scheduling switches."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    allow_overlap = models.BooleanField(
        _("allow overlapping appointments"),
        default=False,
        help_text=_("For practitioners who see several patients at once (groups, parallel treatment)."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership"], name="sched_practitioner_settings_unique"
            )
        ]


@pghistory.track()
class Service(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(MAX_APPOINTMENT_MINUTES)]
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, editable=False)
    buffer_before_minutes = models.PositiveIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)]
    )
    buffer_after_minutes = models.PositiveIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)]
    )
    practitioners = models.ManyToManyField(
        Membership, through="ServicePractitioner", related_name="+", blank=True
    )
    bookable_online = models.BooleanField(_("bookable online"), default=True)
    colour = models.CharField(_("colour"), max_length=7, default="#2563eb")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "clinic", "name"], name="sched_service_name_unique"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="sched_service_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.currency:
            self.currency = (
                Clinic.objects.filter(pk=self.clinic_id).values_list("currency", flat=True).first()
            )
        super().save(*args, **kwargs)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)


@pghistory.track()
class ServicePractitioner(TenantModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "service", "membership"], name="sched_service_practitioner_unique"
            )
        ]


@pghistory.track()
class WorkingHours(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="sched_hours_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="sched_hours_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "clinic", "membership"], name="sched_hours_lookup")]


@pghistory.track()
class TimeOff(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="sched_timeoff_end_after_start")
        ]
        indexes = [models.Index(fields=["organization", "membership", "end"], name="sched_timeoff_lookup")]

    def ehr_clinic_ids(self) -> list[int]:
        """Time off belongs to the person, so it concerns every clinic they work at."""
        from core.tenancy.models import MembershipClinic

        return list(
            MembershipClinic.objects.filter(
                organization_id=self.organization_id, membership_id=self.membership_id
            ).values_list("clinic_id", flat=True)
        )


@pghistory.track()
class ClinicClosure(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clinic closure")
        verbose_name_plural = _("clinic closures")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="sched_closure_range")
        ]
        indexes = [models.Index(fields=["organization", "clinic", "end_date"], name="sched_closure_lookup")]


@pghistory.track()
class Room(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic", "name"], name="sched_room_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class BookingPolicy(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=60)
    max_days_ahead = models.PositiveIntegerField(
        _("bookable up to (days ahead)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    slot_granularity_minutes = models.PositiveIntegerField(
        _("slot step (minutes)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    online_mode = models.CharField(
        _("online booking"), max_length=10, choices=OnlineMode.choices, default=OnlineMode.APPROVAL
    )
    cancellation_notice_hours = models.PositiveIntegerField(
        _("online cancellation up to (hours before)"),
        default=0,
        validators=[MaxValueValidator(720)],
        help_text=_(
            "Patients may cancel online until this many hours before the appointment; later, they call "
            "the clinic. 0 keeps only the minimum notice."
        ),
    )
    cancellation_policy = models.TextField(
        _("cancellation policy"),
        blank=True,
        max_length=2000,
        help_text=_("Shown to patients before they cancel, e.g. a fee for late cancellations."),
    )

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.UniqueConstraint(fields=["organization", "clinic"], name="sched_policy_one_per_clinic")
        ]


@pghistory.track()
class AppointmentSeries(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(
        _("every"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)


@pghistory.track()
class Appointment(TenantModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The span the appointment keeps the practitioner busy: start/end widened by the service's buffers.
    # Stored (not computed in the constraint) because timestamptz - interval is not immutable.
    occupied_start = models.DateTimeField(editable=False)
    occupied_end = models.DateTimeField(editable=False)
    # Copied from the practitioner's settings when booked, so the exclusion constraint can read it.
    allow_overlap = models.BooleanField(default=False, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.OFFICE)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff_notes = models.TextField(_("staff notes"), blank=True)
    cancellation_reason = models.CharField(_("cancellation reason"), max_length=300, blank=True)
    series = models.ForeignKey(
        AppointmentSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    # Bumped on every reschedule or status change; a change carries the version it was made against.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="sched_appt_end_after_start"),
            models.CheckConstraint(
                condition=Q(occupied_start__lte=F("start")) & Q(occupied_end__gte=F("end")),
                name="sched_appt_occupied_covers",
            ),
            ExclusionConstraint(
                name="sched_no_double_booking",
                expressions=[
                    ("organization", RangeOperators.EQUAL),
                    ("practitioner", RangeOperators.EQUAL),
                    (TsTzRange(F("occupied_start"), F("occupied_end"), Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES) & Q(allow_overlap=False),
            ),
            ExclusionConstraint(
                name="sched_no_room_double_booking",
                expressions=[
                    ("organization", RangeOperators.EQUAL),
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange(F("start"), F("end"), Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES) & Q(room__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "clinic", "start"], name="sched_appt_clinic_start"),
            models.Index(
                fields=["organization", "practitioner", "occupied_start"], name="sched_appt_pract_start"
            ),
            models.Index(fields=["organization", "patient", "start"], name="sched_appt_patient_start"),
            models.Index(
                fields=["organization", "clinic", "status"],
                name="sched_appt_requests",
                condition=Q(status="requested"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} {self.service_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


SLOT_CONSTRAINTS = {"sched_no_double_booking", "sched_no_room_double_booking"}


@pghistory.track(exclude=["secret_hash"])
class CalendarFeed(TenantModel):
    """A practitioner's private iCalendar address. Only a hash of its secret is kept: the address is shown
    once, when created; rotating it revokes the old one."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, so the practitioner can recognise which address is live.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership"],
                condition=Q(revoked_at__isnull=True),
                name="sched_one_live_feed_per_member",
            )
        ]

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a slot")
    BOOKED = "booked", _("Booked")
    REMOVED = "removed", _("Removed")


@pghistory.track()
class WaitlistEntry(TenantModel):
    """A patient waiting for an earlier or any free slot of a service, with one practitioner or anyone who
    offers it, between two dates (the clinic's local dates, inclusive)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    # Empty: any practitioner who offers the service.
    practitioner = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    earliest = models.DateField(_("from"))
    latest = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.OFFICE)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(latest__gte=F("earliest")), name="sched_waitlist_range"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "clinic", "service", "latest"],
                name="sched_waitlist_open",
                condition=Q(status="waiting"),
            )
        ]
