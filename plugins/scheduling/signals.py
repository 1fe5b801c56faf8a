"""Signals sent (after the transaction commits) when an appointment's life changes.

Every signal is sent with ``sender=Appointment`` and ``appointment`` (the saved row); ``by`` is the user
who made the change when known. Extra arguments are listed per signal.
"""

from django.dispatch import Signal

# A new appointment (or an online request, status "requested"). Extra: ``series`` (or None).
appointment_booked = Signal()
# A request was approved and is now booked.
appointment_approved = Signal()
# Moved to another time, practitioner or room. Extra: ``previous_start``, ``previous_practitioner_id``.
appointment_rescheduled = Signal()
# Cancelled by the patient or the clinic (a declined request too). Extra: ``reason``.
appointment_cancelled = Signal()
# The patient did not come.
appointment_no_show = Signal()
# The visit took place.
appointment_completed = Signal()
# Any status change, including the ones above. Extra: ``previous_status``.
appointment_status_changed = Signal()
