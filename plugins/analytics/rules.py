"""Who may see which reports (docs/permissions.md, "Analytics"; PERMISSIONS.md: owners everything, staff
the operational reports of their clinics, practitioners their own activity). Asked about a clinic."""

from __future__ import annotations

from core.tenancy.predicates import is_owner, is_practitioner, is_staff_member, works_at_object_clinic

staff_here = is_staff_member & works_at_object_clinic
practitioner_here = is_practitioner & works_at_object_clinic

PERMISSIONS = {
    # Open the reports at all (what is shown then depends on the permissions below).
    "analytics.view_reports": is_owner | staff_here | practitioner_here,
    # Revenue: invoiced, collected, outstanding.
    "analytics.view_revenue": is_owner,
    # Appointments, patients, utilization and stock of every practitioner of the clinic.
    "analytics.view_operations": is_owner | staff_here,
    # The same, narrowed to the member's own appointments and patients.
    "analytics.view_own_activity": practitioner_here,
    # The printable monthly summary of a clinic (it includes revenue).
    "analytics.download_summary": is_owner,
}
