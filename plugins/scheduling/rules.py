"""Who may do what in scheduling, built from the core's tenancy predicates.

Owners may do everything. Staff act at their own clinics. Practitioners see the calendars of their own
clinics and act on their own appointments and their own schedule. Services, rooms and the booking
policy belong to owners and the staff of the clinic.
"""

from __future__ import annotations

import rules

from core.tenancy.predicates import (
    context_for,
    is_owner,
    is_practitioner,
    is_staff_member,
    works_at_object_clinic,
)


@rules.predicate
def is_own(user, obj) -> bool:
    """The object is the member's own: an appointment they give, hours or time off of theirs.

    Asked about a clinic (to show a page or a form), it answers True; the object itself is checked when
    the change is made.
    """
    ctx = context_for(user, obj)
    if ctx is None:
        return False
    from core.tenancy.models import Clinic

    if isinstance(obj, Clinic):
        return True
    owner_id = getattr(obj, "practitioner_id", None) or getattr(obj, "membership_id", None)
    return owner_id is not None and owner_id == ctx.membership.pk


staff_here = is_staff_member & works_at_object_clinic
practitioner_here = is_practitioner & works_at_object_clinic

can_view_calendar = is_owner | staff_here | practitioner_here
can_manage_clinic_setup = is_owner | staff_here
can_act_on_appointment = is_owner | staff_here | (practitioner_here & is_own)
can_manage_schedule = is_owner | staff_here | (is_practitioner & is_own)

PERMISSIONS = {
    "scheduling.view_calendar": can_view_calendar,
    "scheduling.manage_services": can_manage_clinic_setup,
    "scheduling.manage_rooms": can_manage_clinic_setup,
    "scheduling.manage_booking_policy": can_manage_clinic_setup,
    "scheduling.manage_working_hours": can_manage_schedule,
    "scheduling.manage_time_off": can_manage_schedule,
    "scheduling.book_appointment": can_act_on_appointment,
    "scheduling.change_appointment": can_act_on_appointment,
    "scheduling.cancel_appointment": can_act_on_appointment,
    "scheduling.set_appointment_status": can_act_on_appointment,
    "scheduling.approve_request": can_act_on_appointment,
    "scheduling.manage_waitlist": is_owner | staff_here | practitioner_here,
    # A private calendar address: for members who give appointments; owners may turn off anyone's.
    "scheduling.use_calendar_feed": is_owner | is_practitioner,
    "scheduling.revoke_calendar_feeds": is_owner,
    "scheduling.revoke_calendar_feed": is_owner | ((is_owner | is_practitioner) & is_own),
    # Booking outside working hours or the booking window.
    "scheduling.override_availability": is_owner | staff_here | (practitioner_here & is_own),
}
