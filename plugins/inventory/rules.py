"""Who may do what in inventory (see docs/permissions.md, "Inventory").

The catalog (items, suppliers, reorder levels) is the owner's to edit; staff see it. Receiving, adjusting
and transferring: owners at every clinic, staff at their own clinics (a transfer is checked at both ends).
Dispensing or using stock in a visit: owners, and practitioners and staff at their own clinics.
"""

from __future__ import annotations

from core.tenancy.predicates import is_owner, is_practitioner, is_staff_member, works_at_object_clinic

staff_here = is_staff_member & works_at_object_clinic
practitioner_here = is_practitioner & works_at_object_clinic

can_view_catalog = is_owner | staff_here
can_manage_catalog = is_owner
can_view_stock = is_owner | staff_here | practitioner_here
can_move_stock = is_owner | staff_here
can_dispense = is_owner | staff_here | practitioner_here
can_view_reports = is_owner | staff_here

PERMISSIONS = {
    "inventory.view_catalog": can_view_catalog,
    "inventory.manage_catalog": can_manage_catalog,
    "inventory.view_stock": can_view_stock,
    "inventory.receive_stock": can_move_stock,
    "inventory.adjust_stock": can_move_stock,
    "inventory.transfer_stock": can_move_stock,
    "inventory.dispense_stock": can_dispense,
    "inventory.view_reports": can_view_reports,
    "inventory.manage_settings": is_owner,
}
