"""Who may do what with notifications.

Owners decide the channels (email, text messages, reminder times, quiet hours, sender). Owners and the
staff of a clinic edit its message templates, see its message log, send a failed message again and change
a patient's message preferences (patients change their own in the portal, through their own login only).
"""

from __future__ import annotations

from core.tenancy.predicates import is_owner, is_staff_member, works_at_object_clinic

staff_here = is_staff_member & works_at_object_clinic
owner_or_staff_here = is_owner | staff_here

PERMISSIONS = {
    "notifications.manage_channels": is_owner,
    "notifications.manage_templates": owner_or_staff_here,
    "notifications.view_messages": owner_or_staff_here,
    "notifications.retry_message": owner_or_staff_here,
    "notifications.change_preferences": owner_or_staff_here,
}
