"""Taking stock out for a patient or a visit, earliest-expiring lot first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, Lot, MovementKind, StockLevel, StockMovement
from .ledger import Delta, lock_levels, post_movements
from .negative_stock import allows_negative
from .quantities import clinic_today, parse_quantity, require_same_organization

if TYPE_CHECKING:
    from core.accounts.models import User
    from core.patients.models import Patient


@dataclass
class DispenseLine:
    item: Item
    quantity: Decimal
    lot: Lot | None = None  # a chosen lot overrides earliest-expiry picking (needs a reason)


def pick_lots(
    clinic: Clinic,
    levels: dict[tuple, StockLevel],
    line: DispenseLine,
    today: date,
    negative_ok: bool,
    override_reason: str,
    kind: str,
    **common,
) -> list[Delta]:
    """Earliest-expiring unexpired lot first (lots without expiry last); or the lot chosen, with a reason."""
    rows = [lv for (c, i, _l), lv in levels.items() if c == clinic.pk and i == line.item.pk]
    usable = [
        lv
        for lv in rows
        if lv.quantity > 0 and not (lv.lot and lv.lot.expiry_date and lv.lot.expiry_date < today)
    ]
    usable.sort(
        key=lambda lv: (lv.lot is None, (lv.lot.expiry_date if lv.lot else None) or date.max, lv.lot_id or 0)
    )
    reason = common.pop("reason", "")
    if line.lot is not None:
        if line.lot.item_id != line.item.pk:
            raise ValidationError({"lot": _("That lot is of another item.")})
        if line.lot.expiry_date and line.lot.expiry_date < today:
            raise ValidationError({"lot": _("Lot %(lot)s has expired.") % {"lot": line.lot.number}})
        first = usable[0].lot_id if usable else None
        if line.lot.pk != first and not override_reason.strip():
            raise ValidationError(
                {"reason": _("Say why another lot than the earliest-expiring one is used.")}
            )
        reason = override_reason.strip() or reason
        chosen = [lv for lv in usable if lv.lot_id == line.lot.pk]
        usable = chosen
    deltas = []
    remaining = line.quantity
    for level in usable:
        if remaining <= 0:
            break
        take = min(level.quantity, remaining)
        deltas.append(Delta(clinic.pk, line.item.pk, level.lot_id, -take, kind, reason, **common))
        remaining -= take
    if remaining > 0:
        if not negative_ok:
            available = line.quantity - remaining
            raise ValidationError(
                _("Not enough %(item)s at %(clinic)s: %(available)s %(unit)s available, %(wanted)s needed.")
                % {
                    "item": line.item.name,
                    "clinic": clinic.name,
                    "available": available.normalize(),
                    "wanted": line.quantity.normalize(),
                    "unit": line.item.get_unit_display(),
                }
            )
        deltas.append(Delta(clinic.pk, line.item.pk, None, -remaining, kind, reason, **common))
    return deltas


@transaction.atomic
def dispense(
    clinic: Clinic,
    lines: list[DispenseLine],
    *,
    by: User | None,
    patient: Patient | None = None,
    kind: str = MovementKind.DISPENSED,
    reference: str = "",
    reason: str = "",
    override_reason: str = "",
) -> list[StockMovement]:
    """Take stock out for a patient (``dispensed``) or a visit (``used``), earliest-expiring lot first."""
    if kind not in (MovementKind.DISPENSED, MovementKind.USED):
        raise ValidationError(_("Choose dispensed or used."))
    if not lines:
        raise ValidationError(_("Add at least one item."))
    require_same_organization(clinic, patient, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = parse_quantity(line.quantity)
    negative_ok = allows_negative(clinic)
    pairs = [(clinic.pk, line.item.pk) for line in lines]
    levels = lock_levels(
        clinic.organization_id, pairs, ensure=[(c, i, None) for c, i in pairs] if negative_ok else ()
    )
    today = clinic_today(clinic)
    deltas = []
    for line in lines:
        deltas += pick_lots(
            clinic,
            levels,
            line,
            today,
            negative_ok,
            override_reason,
            kind,
            reason=reason,
            reference=reference,
            patient_id=patient.pk if patient else None,
        )
    return post_movements({clinic.pk: clinic}, levels, deltas, by)
