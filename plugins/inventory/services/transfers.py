"""Moving stock between two clinics of one organization, in one or two steps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, Lot, MovementKind, StockLevel, Transfer, TransferLine, TransferStatus
from .dispensing import DispenseLine, pick_lots
from .ledger import Delta, lock_levels, post_movements
from .quantities import clinic_today, parse_quantity, require_same_organization

if TYPE_CHECKING:
    from core.accounts.models import User


@dataclass
class TransferItem:
    item: Item
    quantity: Decimal
    lot: Lot | None = None


def _check_ends(source, destination) -> None:
    if destination is None:
        raise ValidationError({"destination": _("Choose the clinic the stock goes to.")})
    if source.organization_id != destination.organization_id:
        raise ValidationError(
            {"destination": _("Stock can only move between clinics of your own organization.")}
        )
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("Choose another clinic than the one the stock leaves from.")})
    if destination.archived:
        raise ValidationError({"destination": _("That clinic is archived.")})


def _send_deltas(source, levels, lines, today, transfer_ref) -> tuple[list[Delta], list[tuple]]:
    """Take each line from the source, earliest-expiring lot first (or the named lot); no negative stock
    leaves on a transfer, whatever the clinic allows."""
    deltas, sent = [], []
    for line in lines:
        picked = pick_lots(
            source,
            levels,
            DispenseLine(line.item, line.quantity, line.lot),
            today,
            False,
            "-",
            MovementKind.TRANSFER_OUT,
            reference=transfer_ref,
        )
        for d in picked:
            deltas.append(d)
            sent.append((line.item.pk, d.lot_id, -d.quantity))
    return deltas, sent


@transaction.atomic
def send_transfer(
    source: Clinic, destination: Clinic | None, lines: list[TransferItem], *, by: User | None, note: str = ""
) -> Transfer:
    """Stock leaves ``source`` and is in transit until ``receive_transfer``."""
    _check_ends(source, destination)
    if not lines:
        raise ValidationError(_("Add at least one item."))
    require_same_organization(source, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = parse_quantity(line.quantity)
    transfer = Transfer.objects.create(
        organization_id=source.organization_id,
        source=source,
        destination=destination,
        note=(note or "")[:300],
        sent_by=by,
    )
    levels = lock_levels(source.organization_id, [(source.pk, line.item.pk) for line in lines])
    deltas, sent = _send_deltas(source, levels, lines, clinic_today(source), f"transfer:{transfer.pk}")
    post_movements({source.pk: source}, levels, deltas, by)
    TransferLine.objects.bulk_create(
        [
            TransferLine(
                organization_id=source.organization_id,
                transfer=transfer,
                item_id=i,
                lot_id=lot,
                quantity_sent=q,
            )
            for i, lot, q in sent
        ]
    )
    return transfer


def _arrival_deltas(transfer, lines, received: dict[int, Decimal], notes: dict[int, str]) -> list[Delta]:
    deltas = []
    ref = f"transfer:{transfer.pk}"
    dest = transfer.destination_id
    for line in lines:
        got = received.get(line.pk, line.quantity_sent)
        got = parse_quantity(got, f"line_{line.pk}", allow_zero=True)
        line.quantity_received = got
        line.discrepancy_note = (notes.get(line.pk) or "")[:300]
        deltas.append(
            Delta(dest, line.item_id, line.lot_id, line.quantity_sent, MovementKind.TRANSFER_IN, "", ref)
        )
        diff = got - line.quantity_sent
        if diff:
            why = _("Transfer discrepancy") + (f": {line.discrepancy_note}" if line.discrepancy_note else "")
            kind = MovementKind.WRITTEN_OFF if diff < 0 else MovementKind.ADJUSTED
            deltas.append(Delta(dest, line.item_id, line.lot_id, diff, kind, why, ref))
    return deltas


@transaction.atomic
def receive_transfer(
    transfer: Transfer, *, by: User | None, received: dict | None = None, notes: dict | None = None
) -> Transfer:
    """The stock arrives at the destination. ``received`` maps line id to the quantity that arrived (the
    quantity sent when left out); a shortfall is written off there and a surplus added, each with a reason."""
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("destination")
        .get(pk=transfer.pk, organization_id=transfer.organization_id)
    )
    if transfer.status != TransferStatus.SENT:
        raise ValidationError(_("This transfer has already been received."))
    lines = list(transfer.lines.all())
    dest = transfer.destination
    levels = lock_levels(
        transfer.organization_id,
        [(dest.pk, line.item_id) for line in lines],
        ensure=[(dest.pk, line.item_id, line.lot_id) for line in lines],
    )
    deltas = _arrival_deltas(transfer, lines, received or {}, notes or {})
    post_movements({dest.pk: dest}, levels, deltas, by)
    TransferLine.objects.bulk_update(lines, ["quantity_received", "discrepancy_note"])
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = by
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    return transfer


@transaction.atomic
def transfer_now(
    source: Clinic, destination: Clinic | None, lines: list[TransferItem], *, by: User | None, note: str = ""
) -> Transfer:
    """Send and receive in one transaction (for someone who may act at both clinics)."""
    _check_ends(source, destination)
    if not lines:
        raise ValidationError(_("Add at least one item."))
    require_same_organization(source, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = parse_quantity(line.quantity)
    transfer = Transfer.objects.create(
        organization_id=source.organization_id,
        source=source,
        destination=destination,
        note=(note or "")[:300],
        sent_by=by,
    )
    item_ids = {line.item.pk for line in lines}
    ensure = [(destination.pk, i, None) for i in item_ids]
    lots = StockLevel.objects.filter(
        organization_id=source.organization_id, clinic=source, item_id__in=item_ids
    ).values_list("item_id", "lot_id")
    ensure += [(destination.pk, i, lot) for i, lot in lots]
    # One statement locks both ends, ordered by clinic: the same order a two-step transfer uses.
    levels = lock_levels(
        source.organization_id, [(c.pk, i) for c in (source, destination) for i in item_ids], ensure=ensure
    )
    deltas, sent = _send_deltas(source, levels, lines, clinic_today(source), f"transfer:{transfer.pk}")
    tlines = TransferLine.objects.bulk_create(
        [
            TransferLine(
                organization_id=source.organization_id,
                transfer=transfer,
                item_id=i,
                lot_id=lot,
                quantity_sent=q,
                quantity_received=q,
            )
            for i, lot, q in sent
        ]
    )
    deltas += _arrival_deltas(transfer, tlines, {}, {})
    post_movements({source.pk: source, destination.pk: destination}, levels, deltas, by)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = by
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    return transfer
