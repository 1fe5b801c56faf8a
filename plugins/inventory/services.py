"""State changes for inventory. Views, the API and the billing hooks parse and authorize; these functions
validate, write inside one transaction and raise ``ValidationError`` with a translated message when the
change is refused (nothing is written then).

Every change of stock goes through ``_post``: it locks the StockLevel rows of every (clinic, item) touched
with ``SELECT ... FOR UPDATE`` in one statement ordered by (clinic, item, lot) — the same order everywhere,
so two changes never wait on each other in a circle — appends the movements to the ledger, updates the
levels, refuses negative stock unless the clinic allows it, and tracks each reorder rule's crossing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.plugins import events
from core.plugins.events import emit
from core.tenancy.models import Clinic

from .models import (
    InventorySettings,
    Item,
    Lot,
    MovementKind,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRule,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
    Supplier,
    Transfer,
    TransferLine,
    TransferStatus,
    Unit,
)

ZERO = Decimal("0")
MAX_QTY = Decimal("99999999999")
# Billing's invoice lines of this kind are products of this module; their ``reference`` is the item's SKU.
PRODUCT_LINE_KIND = "product"


@dataclass
class Delta:
    clinic_id: int
    item_id: int
    lot_id: int | None
    quantity: Decimal
    kind: str
    reason: str = ""
    reference: str = ""
    patient_id: int | None = None
    unit_cost: Decimal | None = None


def _qty(value, field_name: str = "quantity", allow_zero: bool = False) -> Decimal:
    try:
        q = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field_name: _("Enter a number.")}) from None
    if not q.is_finite() or q < 0 or (q == 0 and not allow_zero) or q > MAX_QTY:
        raise ValidationError({field_name: _("Enter a quantity greater than zero.")})
    if q != q.quantize(Decimal("0.001")):
        raise ValidationError({field_name: _("Use at most three decimal places.")})
    return q


def allows_negative(clinic: Clinic) -> bool:
    return InventorySettings.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic, allow_negative_stock=True
    ).exists()


@transaction.atomic
def set_allow_negative(clinic: Clinic, allow: bool) -> None:
    InventorySettings.objects.update_or_create(
        organization_id=clinic.organization_id, clinic=clinic, defaults={"allow_negative_stock": allow}
    )


def _pair_key(clinic_id: int, item_id: int) -> int:
    """A stable signed 64-bit advisory-lock key for one (clinic, item) pair of this module."""
    digest = hashlib.blake2b(f"inventory:{clinic_id}:{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_levels(organization_id: int, pairs, ensure=()) -> dict[tuple, StockLevel]:
    """Lock every level row of the (clinic, item) ``pairs``, creating the ``ensure`` keys first.

    A transaction-scoped advisory lock per pair is taken first, in ascending key order: it serializes the
    creation of new level rows too (a row another transaction is still inserting cannot be locked with
    FOR UPDATE), so creating and locking never wait on each other in a circle."""
    keys = sorted({_pair_key(c, i) for c, i in pairs} | {_pair_key(c, i) for c, i, _l in ensure})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n",
            [keys],
        )
    if ensure:
        StockLevel.objects.bulk_create(
            [
                StockLevel(organization_id=organization_id, clinic_id=c, item_id=i, lot_id=lot)
                for c, i, lot in sorted(set(ensure), key=lambda k: (k[0], k[1], k[2] or 0))
            ],
            ignore_conflicts=True,
        )
    condition = Q()
    for clinic_id, item_id in sorted(set(pairs)):
        condition |= Q(clinic_id=clinic_id, item_id=item_id)
    rows = (
        StockLevel.objects.select_for_update(of=("self",))
        .filter(organization_id=organization_id)
        .filter(condition)
        .select_related("lot")
        .order_by("clinic_id", "item_id", F("lot_id").asc(nulls_first=True))
    )
    return {(r.clinic_id, r.item_id, r.lot_id): r for r in rows}


def _post(clinics: dict[int, Clinic], levels: dict[tuple, StockLevel], deltas: list[Delta], by) -> list:
    """Append ``deltas`` to the ledger and to the locked ``levels``; refuse what would go negative."""
    organization_id = next(iter(clinics.values())).organization_id
    negative_ok = {cid: allows_negative(c) for cid, c in clinics.items()}
    now = timezone.now()
    changed = {}
    for d in deltas:
        key = (d.clinic_id, d.item_id, d.lot_id)
        level = levels.get(key)
        if level is None:
            level = StockLevel.objects.create(
                organization_id=organization_id, clinic_id=d.clinic_id, item_id=d.item_id, lot_id=d.lot_id
            )
            levels[key] = level
        level.quantity += d.quantity
        level.updated_at = now
        changed[key] = level
    for level in changed.values():
        if level.quantity < 0 and not negative_ok[level.clinic_id]:
            item = Item.objects.get(pk=level.item_id)
            raise ValidationError(
                _("Not enough %(item)s at %(clinic)s: %(short)s %(unit)s short.")
                % {
                    "item": item.name,
                    "clinic": clinics[level.clinic_id].name,
                    "short": -level.quantity,
                    "unit": item.get_unit_display(),
                }
            )
    StockLevel.objects.bulk_update(list(changed.values()), ["quantity", "updated_at"])
    movements = StockMovement.objects.bulk_create(
        [
            StockMovement(
                organization_id=organization_id,
                clinic_id=d.clinic_id,
                item_id=d.item_id,
                lot_id=d.lot_id,
                kind=d.kind,
                quantity=d.quantity,
                unit_cost=d.unit_cost,
                reason=d.reason[:300],
                reference=d.reference[:100],
                patient_id=d.patient_id,
                created_by=by if getattr(by, "pk", None) else None,
                created_at=now,
            )
            for d in deltas
        ]
    )
    _track_reorder(clinics, levels, {(k[0], k[1]) for k in changed})
    return movements


def _track_reorder(clinics, levels, pairs) -> None:
    if not pairs:
        return
    condition = Q()
    for clinic_id, item_id in pairs:
        condition |= Q(clinic_id=clinic_id, item_id=item_id)
    rules = list(
        ReorderRule.objects.select_for_update(of=("self",))
        .filter(organization_id=next(iter(clinics.values())).organization_id)
        .filter(condition)
        .select_related("item")
        .order_by("clinic_id", "item_id")
    )
    on_hand = defaultdict(Decimal)
    for (clinic_id, item_id, _lot), level in levels.items():
        on_hand[(clinic_id, item_id)] += level.quantity
    for rule in rules:
        _apply_crossing(clinics[rule.clinic_id], rule, on_hand[(rule.clinic_id, rule.item_id)])


def _apply_crossing(clinic, rule: ReorderRule, on_hand: Decimal) -> None:
    if on_hand <= rule.reorder_level and rule.below_reorder_since is None:
        rule.below_reorder_since = timezone.now()
        rule.save(update_fields=["below_reorder_since"])
        emit(
            clinic,
            events.StockLow(
                item_id=rule.item_id,
                item_name=rule.item.name,
                sku=rule.item.sku,
                on_hand=on_hand,
                reorder_level=rule.reorder_level,
            ),
        )
    elif on_hand > rule.reorder_level and rule.below_reorder_since is not None:
        rule.below_reorder_since = None
        rule.save(update_fields=["below_reorder_since"])


def _today(clinic) -> date:
    return timezone.now().astimezone(clinic.tzinfo).date()


def _lot_for(item: Item, number: str, expiry: date | None) -> Lot | None:
    number = (number or "").strip()[:64]
    if not item.lot_tracked:
        return None
    if not number:
        raise ValidationError(
            {"lot_number": _("%(item)s is tracked by lot: enter the lot number.") % {"item": item.name}}
        )
    lot, created = Lot.objects.get_or_create(
        organization_id=item.organization_id, item=item, number=number, defaults={"expiry_date": expiry}
    )
    if not created and expiry and lot.expiry_date and lot.expiry_date != expiry:
        raise ValidationError(
            {
                "expiry_date": _("Lot %(lot)s is already recorded with expiry %(date)s.")
                % {"lot": number, "date": lot.expiry_date}
            }
        )
    if not created and expiry and not lot.expiry_date:
        lot.expiry_date = expiry
        lot.save(update_fields=["expiry_date"])
    return lot


def _same_org(clinic, *objs) -> None:
    for obj in objs:
        if obj is not None and obj.organization_id != clinic.organization_id:
            raise ValidationError(_("That belongs to another organization."))


# --- receiving, adjusting, writing off --------------------------------------------------------------------


@transaction.atomic
def receive(
    clinic, item, quantity, *, by, lot_number="", expiry_date=None, unit_cost=None, reference="", reason=""
):
    """Ad-hoc receiving (a delivery without a purchase order, a donation)."""
    _same_org(clinic, item)
    quantity = _qty(quantity)
    lot = _lot_for(item, lot_number, expiry_date)
    levels = _lock_levels(
        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, lot and lot.pk)]
    )
    cost = Decimal(str(unit_cost)) if unit_cost not in (None, "") else item.cost_price
    return _post(
        {clinic.pk: clinic},
        levels,
        [
            Delta(
                clinic.pk,
                item.pk,
                lot and lot.pk,
                quantity,
                MovementKind.RECEIVED,
                reason,
                reference,
                unit_cost=cost,
            )
        ],
        by,
    )[0]


@transaction.atomic
def adjust(clinic, item, delta, reason: str, *, by, lot=None):
    """A correction (found, broken, miscounted): signed ``delta``, a reason is required."""
    _same_org(clinic, item, lot)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is adjusted.")})
    try:
        delta = Decimal(str(delta))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"quantity": _("Enter a number.")}) from None
    if delta == 0 or not delta.is_finite() or abs(delta) > MAX_QTY:
        raise ValidationError({"quantity": _("Enter a non-zero change.")})
    if lot is not None and lot.item_id != item.pk:
        raise ValidationError({"lot": _("That lot is of another item.")})
    lot_id = lot.pk if lot else None
    levels = _lock_levels(
        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, lot_id)]
    )
    return _post(
        {clinic.pk: clinic},
        levels,
        [Delta(clinic.pk, item.pk, lot_id, delta, MovementKind.ADJUSTED, reason)],
        by,
    )[0]


@transaction.atomic
def write_off_expired(clinic, *, by, today: date | None = None) -> list:
    """Write off every expired lot still in stock at ``clinic``."""
    today = today or _today(clinic)
    expired = list(
        StockLevel.objects.filter(
            organization_id=clinic.organization_id, clinic=clinic, lot__expiry_date__lt=today, quantity__gt=0
        ).values_list("item_id", flat=True)
    )
    if not expired:
        return []
    levels = _lock_levels(clinic.organization_id, [(clinic.pk, i) for i in expired])
    deltas = [
        Delta(clinic.pk, level.item_id, level.lot_id, -level.quantity, MovementKind.WRITTEN_OFF, _("Expired"))
        for level in levels.values()
        if level.lot and level.lot.expiry_date and level.lot.expiry_date < today and level.quantity > 0
    ]
    return _post({clinic.pk: clinic}, levels, deltas, by) if deltas else []


@transaction.atomic
def write_off(clinic, item, quantity, reason: str, *, by, lot=None):
    """Write off stock that can no longer be used (damaged, recalled, expired): a reason is required,
    and a write-off never takes a count below zero, whatever the clinic allows for dispensing."""
    _same_org(clinic, item, lot)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the stock is written off.")})
    quantity = _qty(quantity)
    if lot is not None and lot.item_id != item.pk:
        raise ValidationError({"lot": _("That lot is of another item.")})
    levels = _lock_levels(clinic.organization_id, [(clinic.pk, item.pk)])
    if lot is None and any(lv.lot_id and lv.quantity > 0 for lv in levels.values()):
        raise ValidationError({"lot": _("Choose the lot being written off.")})
    lot_id = lot.pk if lot else None
    level = levels.get((clinic.pk, item.pk, lot_id))
    on_hand = level.quantity if level else ZERO
    if quantity > on_hand:
        raise ValidationError(
            {
                "quantity": _("Only %(on_hand)s %(unit)s on hand to write off.")
                % {"on_hand": max(on_hand, ZERO).normalize(), "unit": item.get_unit_display()}
            }
        )
    return _post(
        {clinic.pk: clinic},
        levels,
        [Delta(clinic.pk, item.pk, lot_id, -quantity, MovementKind.WRITTEN_OFF, reason)],
        by,
    )[0]


# --- dispensing -------------------------------------------------------------------------------------------


@dataclass
class DispenseLine:
    item: Item
    quantity: Decimal
    lot: Lot | None = None  # a chosen lot overrides earliest-expiry picking (needs a reason)


def _pick(
    clinic, levels, line: DispenseLine, today, negative_ok: bool, override_reason: str, kind, **common
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
    clinic,
    lines: list[DispenseLine],
    *,
    by,
    patient=None,
    kind=MovementKind.DISPENSED,
    reference="",
    reason="",
    override_reason="",
):
    """Take stock out for a patient (``dispensed``) or a visit (``used``), earliest-expiring lot first."""
    if kind not in (MovementKind.DISPENSED, MovementKind.USED):
        raise ValidationError(_("Choose dispensed or used."))
    if not lines:
        raise ValidationError(_("Add at least one item."))
    _same_org(clinic, patient, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = _qty(line.quantity)
    negative_ok = allows_negative(clinic)
    pairs = [(clinic.pk, line.item.pk) for line in lines]
    levels = _lock_levels(
        clinic.organization_id, pairs, ensure=[(c, i, None) for c, i in pairs] if negative_ok else ()
    )
    today = _today(clinic)
    deltas = []
    for line in lines:
        deltas += _pick(
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
    return _post({clinic.pk: clinic}, levels, deltas, by)


# --- billing ----------------------------------------------------------------------------------------------


def _product_lines(clinic, lines) -> list[tuple[Item, Decimal]]:
    wanted = [(line.reference, line.quantity) for line in lines if line.kind == PRODUCT_LINE_KIND]
    if not wanted:
        return []
    items = {
        i.sku: i
        for i in Item.objects.filter(organization_id=clinic.organization_id, sku__in=[s for s, _q in wanted])
    }
    result = []
    for sku, quantity in wanted:
        item = items.get(sku)
        if item is None:
            raise ValidationError(_("The product %(sku)s is not in the catalog.") % {"sku": sku})
        result.append((item, _qty(quantity)))
    return result


@transaction.atomic
def dispense_for_invoice(clinic, event: events.InvoiceIssuing) -> list:
    """Take the invoice's product lines out of stock (once per invoice); refuse when stock is short."""
    products = _product_lines(clinic, event.lines)
    reference = f"invoice:{event.invoice_id}"
    if (
        not products
        or StockMovement.objects.filter(organization_id=clinic.organization_id, reference=reference).exists()
    ):
        return []
    merged: dict[int, DispenseLine] = {}
    for item, quantity in products:
        if item.pk in merged:
            merged[item.pk].quantity += quantity
        else:
            merged[item.pk] = DispenseLine(item, quantity)
    patient_id = event.patient_id
    from core.patients.models import Patient

    patient = (
        Patient.objects.filter(organization_id=clinic.organization_id, pk=patient_id).first()
        if patient_id
        else None
    )
    return dispense(clinic, list(merged.values()), by=None, patient=patient, reference=reference)


@transaction.atomic
def return_for_credit(clinic, event: events.InvoiceCrediting) -> list:
    """Put a credit note's product lines back in stock: into the lots its invoice took them from (latest
    expiry first) when the credit note names its invoice (``invoice_id``), else as stock without a lot."""
    products = _product_lines(clinic, event.lines)
    reference = f"credit:{event.credit_note_id}"
    if (
        not products
        or StockMovement.objects.filter(organization_id=clinic.organization_id, reference=reference).exists()
    ):
        return []
    invoice_id = event.invoice_id
    taken = defaultdict(list)
    if invoice_id:
        for m in (
            StockMovement.objects.filter(
                organization_id=clinic.organization_id, reference=f"invoice:{invoice_id}", clinic=clinic
            )
            .values("item_id", "lot_id")
            .annotate(total=Sum("quantity"))
        ):
            taken[m["item_id"]].append([m["lot_id"], -m["total"]])
    pairs = [(clinic.pk, item.pk) for item, _q in products]
    levels = _lock_levels(
        clinic.organization_id,
        pairs,
        ensure=[(clinic.pk, item.pk, None) for item, _q in products if not taken[item.pk]],
    )
    lot_expiry = {lv.lot_id: (lv.lot.expiry_date if lv.lot else None) for lv in levels.values()}
    deltas = []
    patient_id = event.patient_id
    for item, quantity in products:
        remaining = quantity
        sources = sorted(taken[item.pk], key=lambda s: lot_expiry.get(s[0]) or date.max, reverse=True)
        for source in sources:
            back = min(source[1], remaining)
            if back > 0:
                deltas.append(
                    Delta(
                        clinic.pk, item.pk, source[0], back, MovementKind.RETURNED, "", reference, patient_id
                    )
                )
                source[1] -= back
                remaining -= back
        if remaining > 0:
            if (clinic.pk, item.pk, None) not in levels:
                levels.update(
                    _lock_levels(
                        clinic.organization_id, [(clinic.pk, item.pk)], ensure=[(clinic.pk, item.pk, None)]
                    )
                )
            deltas.append(
                Delta(clinic.pk, item.pk, None, remaining, MovementKind.RETURNED, "", reference, patient_id)
            )
    return _post({clinic.pk: clinic}, levels, deltas, None)


# --- transfers --------------------------------------------------------------------------------------------


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
        picked = _pick(
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
def send_transfer(source, destination, lines: list[TransferItem], *, by, note="") -> Transfer:
    """Stock leaves ``source`` and is in transit until ``receive_transfer``."""
    _check_ends(source, destination)
    if not lines:
        raise ValidationError(_("Add at least one item."))
    _same_org(source, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = _qty(line.quantity)
    transfer = Transfer.objects.create(
        organization_id=source.organization_id,
        source=source,
        destination=destination,
        note=(note or "")[:300],
        sent_by=by,
    )
    levels = _lock_levels(source.organization_id, [(source.pk, line.item.pk) for line in lines])
    deltas, sent = _send_deltas(source, levels, lines, _today(source), f"transfer:{transfer.pk}")
    _post({source.pk: source}, levels, deltas, by)
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
        got = _qty(got, f"line_{line.pk}", allow_zero=True)
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
    transfer: Transfer, *, by, received: dict | None = None, notes: dict | None = None
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
    levels = _lock_levels(
        transfer.organization_id,
        [(dest.pk, line.item_id) for line in lines],
        ensure=[(dest.pk, line.item_id, line.lot_id) for line in lines],
    )
    deltas = _arrival_deltas(transfer, lines, received or {}, notes or {})
    _post({dest.pk: dest}, levels, deltas, by)
    TransferLine.objects.bulk_update(lines, ["quantity_received", "discrepancy_note"])
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = by
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    return transfer


@transaction.atomic
def transfer_now(source, destination, lines: list[TransferItem], *, by, note="") -> Transfer:
    """Send and receive in one transaction (for someone who may act at both clinics)."""
    _check_ends(source, destination)
    if not lines:
        raise ValidationError(_("Add at least one item."))
    _same_org(source, *[line.item for line in lines], *[line.lot for line in lines])
    for line in lines:
        line.quantity = _qty(line.quantity)
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
    levels = _lock_levels(
        source.organization_id, [(c.pk, i) for c in (source, destination) for i in item_ids], ensure=ensure
    )
    deltas, sent = _send_deltas(source, levels, lines, _today(source), f"transfer:{transfer.pk}")
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
    _post({source.pk: source, destination.pk: destination}, levels, deltas, by)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_by = by
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_by", "received_at"])
    return transfer


# --- purchase orders --------------------------------------------------------------------------------------


@transaction.atomic
def create_purchase_order(
    clinic, supplier, lines: list[tuple[Item, Decimal, Decimal | None]], *, by
) -> PurchaseOrder:
    if not lines:
        raise ValidationError(_("Add at least one item."))
    _same_org(clinic, supplier, *[line[0] for line in lines])
    order = PurchaseOrder.objects.create(
        organization_id=clinic.organization_id, clinic=clinic, supplier=supplier, created_by=by
    )
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                organization_id=clinic.organization_id,
                order=order,
                item=item,
                quantity_ordered=_qty(qty),
                unit_cost=Decimal(str(cost)) if cost not in (None, "") else item.cost_price,
            )
            for item, qty, cost in lines
        ]
    )
    return order


@dataclass
class Arrival:
    quantity: Decimal
    lot_number: str = ""
    expiry_date: date | None = None


@transaction.atomic
def receive_purchase_order(order: PurchaseOrder, arrivals: dict[int, Arrival], *, by) -> PurchaseOrder:
    """Receive some or all of what was ordered; the order becomes partly received or received."""
    order = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=order.pk, organization_id=order.organization_id)
    )
    if order.status == OrderStatus.RECEIVED:
        raise ValidationError(_("This order has been received in full."))
    lines = {line.pk: line for line in order.lines.select_related("item")}
    clinic = order.clinic
    deltas, touched = [], []
    for line_id, arrival in arrivals.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationError(_("That line is not on this order."))
        quantity = _qty(arrival.quantity, f"line_{line_id}", allow_zero=True)
        if quantity == 0:
            continue
        lot = _lot_for(line.item, arrival.lot_number, arrival.expiry_date)
        deltas.append(
            Delta(
                clinic.pk,
                line.item_id,
                lot and lot.pk,
                quantity,
                MovementKind.RECEIVED,
                "",
                f"po:{order.pk}",
                unit_cost=line.unit_cost,
            )
        )
        line.quantity_received += quantity
        touched.append(line)
    if not deltas:
        raise ValidationError(_("Enter the quantity that arrived."))
    levels = _lock_levels(
        order.organization_id,
        [(d.clinic_id, d.item_id) for d in deltas],
        ensure=[(d.clinic_id, d.item_id, d.lot_id) for d in deltas],
    )
    _post({clinic.pk: clinic}, levels, deltas, by)
    PurchaseOrderLine.objects.bulk_update(touched, ["quantity_received"])
    done = all(line.quantity_received >= line.quantity_ordered for line in lines.values())
    order.status = OrderStatus.RECEIVED if done else OrderStatus.PARTLY_RECEIVED
    order.save(update_fields=["status"])
    return order


# --- stocktakes -------------------------------------------------------------------------------------------


@transaction.atomic
def start_stocktake(clinic, *, by) -> Stocktake:
    """A count sheet of every active item (and every lot in stock) at ``clinic``."""
    stocktake = Stocktake.objects.create(organization_id=clinic.organization_id, clinic=clinic, created_by=by)
    keys = set(
        StockLevel.objects.filter(organization_id=clinic.organization_id, clinic=clinic)
        .exclude(quantity=0, lot__isnull=False)
        .values_list("item_id", "lot_id")
    )
    for item_id in Item.objects.filter(
        organization_id=clinic.organization_id, active=True, lot_tracked=False
    ).values_list("pk", flat=True):
        keys.add((item_id, None))
    StocktakeLine.objects.bulk_create(
        [
            StocktakeLine(organization_id=clinic.organization_id, stocktake=stocktake, item_id=i, lot_id=lot)
            for i, lot in sorted(keys, key=lambda k: (k[0], k[1] or 0))
        ]
    )
    return stocktake


@transaction.atomic
def post_stocktake(stocktake: Stocktake, counts: dict[int, Decimal], *, by) -> list:
    """Record the counts and post an adjustment for every line whose count differs from the books."""
    stocktake = (
        Stocktake.objects.select_for_update(of=("self",))
        .select_related("clinic")
        .get(pk=stocktake.pk, organization_id=stocktake.organization_id)
    )
    if stocktake.status != StocktakeStatus.OPEN:
        raise ValidationError(_("This stocktake has already been posted."))
    lines = list(stocktake.lines.all())
    for line in lines:
        if line.pk in counts and counts[line.pk] not in (None, ""):
            line.counted = _qty(counts[line.pk], f"line_{line.pk}", allow_zero=True)
    counted = [line for line in lines if line.counted is not None]
    if not counted:
        raise ValidationError(_("Enter at least one count."))
    clinic = stocktake.clinic
    levels = _lock_levels(
        clinic.organization_id,
        [(clinic.pk, line.item_id) for line in counted],
        ensure=[(clinic.pk, line.item_id, line.lot_id) for line in counted],
    )
    deltas = []
    for line in counted:
        book = levels[(clinic.pk, line.item_id, line.lot_id)].quantity
        if line.counted != book:
            deltas.append(
                Delta(
                    clinic.pk,
                    line.item_id,
                    line.lot_id,
                    line.counted - book,
                    MovementKind.ADJUSTED,
                    _("Stocktake"),
                    f"stocktake:{stocktake.pk}",
                )
            )
    StocktakeLine.objects.bulk_update(lines, ["counted"])
    stocktake.status = StocktakeStatus.POSTED
    stocktake.posted_at = timezone.now()
    stocktake.save(update_fields=["status", "posted_at"])
    if not deltas:
        return []
    # A count is the truth even below zero is impossible: counted quantities are never negative.
    return _post({clinic.pk: clinic}, levels, deltas, by)


# --- reorder rules and the daily scan --------------------------------------------------------------------


@transaction.atomic
def set_reorder_rule(clinic, item, reorder_level, reorder_quantity) -> ReorderRule:
    _same_org(clinic, item)
    level = _qty(reorder_level, "reorder_level", allow_zero=True)
    quantity = _qty(reorder_quantity, "reorder_quantity", allow_zero=True)
    levels = _lock_levels(clinic.organization_id, [(clinic.pk, item.pk)])
    rule, _created = ReorderRule.objects.select_for_update().get_or_create(
        organization_id=clinic.organization_id,
        clinic=clinic,
        item=item,
        defaults={"reorder_level": level, "reorder_quantity": quantity},
    )
    rule.reorder_level, rule.reorder_quantity = level, quantity
    rule.save(update_fields=["reorder_level", "reorder_quantity"])
    rule.item = item
    _apply_crossing(clinic, rule, sum((lv.quantity for lv in levels.values()), ZERO))
    return rule


def scan_low_stock(clinic) -> int:
    """Catch crossings a change missed (a rule added or lowered later); announce each once, count them."""
    announced = 0
    for rule in ReorderRule.objects.filter(
        organization_id=clinic.organization_id, clinic=clinic
    ).select_related("item"):
        with transaction.atomic():
            levels = _lock_levels(clinic.organization_id, [(clinic.pk, rule.item_id)])
            rule = ReorderRule.objects.select_for_update(of=("self",)).select_related("item").get(pk=rule.pk)
            was = rule.below_reorder_since
            _apply_crossing(clinic, rule, sum((lv.quantity for lv in levels.values()), ZERO))
            announced += int(was is None and rule.below_reorder_since is not None)
    return announced


# --- catalog ----------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "sku",
    "name",
    "category",
    "unit",
    "cost_price",
    "sellable",
    "price",
    "tax_rate",
    "lot_tracked",
    "supplier",
)
TRUE = {"1", "true", "yes", "y", "x"}
FALSE = {"", "0", "false", "no", "n"}


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def _dec(value, name, errors, row):
    try:
        d = Decimal((value or "0").strip())
        if not d.is_finite() or d < 0 or d > Decimal("9999999999"):
            raise InvalidOperation
        return d.quantize(Decimal("0.01"))
    except InvalidOperation:
        errors.append(
            (
                row,
                _("%(column)s: “%(value)s” is not a number of zero or more.")
                % {"column": name, "value": value},
            )
        )
        return ZERO


def _bool(value, name, errors, row):
    v = (value or "").strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    errors.append((row, _("%(column)s: enter yes or no.") % {"column": name}))
    return False


def import_catalog(organization, text: str, *, dry_run: bool) -> ImportResult:
    """Create or update items from CSV (columns ``CSV_COLUMNS``, ``sku`` and ``name`` required). Every bad
    row is reported; when any row is bad, nothing is written."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("sku", "name") if c not in headers]
    if missing:
        result.errors.append(
            (1, _("The file needs the columns %(columns)s.") % {"columns": ", ".join(missing)})
        )
        return result
    unknown = [h for h in headers if h not in CSV_COLUMNS]
    if unknown:
        result.errors.append((1, _("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)}))
        return result
    reader.fieldnames = headers
    seen = {}
    units = {u.value for u in Unit}
    for number, raw in enumerate(reader, start=2):
        if number > 5001:
            result.errors.append((number, _("Import at most 5000 rows at a time.")))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        errors = []
        sku, name = row.get("sku", ""), row.get("name", "")
        if not sku or len(sku) > 64:
            errors.append((number, _("sku: required, at most 64 characters.")))
        elif sku in seen:
            errors.append((number, _("sku %(sku)s repeats row %(row)s.") % {"sku": sku, "row": seen[sku]}))
        seen.setdefault(sku, number)
        if not name or len(name) > 200:
            errors.append((number, _("name: required, at most 200 characters.")))
        unit = (row.get("unit") or "each").lower()
        if unit not in units:
            errors.append(
                (
                    number,
                    _("unit: “%(value)s” is not one of %(units)s.")
                    % {"value": unit, "units": ", ".join(sorted(units))},
                )
            )
        parsed = {
            "sku": sku,
            "name": name,
            "category": row.get("category", "")[:100],
            "unit": unit,
            "cost_price": _dec(row.get("cost_price"), "cost_price", errors, number),
            "sellable": _bool(row.get("sellable"), "sellable", errors, number),
            "price": _dec(row.get("price"), "price", errors, number),
            "tax_rate": _dec(row.get("tax_rate"), "tax_rate", errors, number),
            "lot_tracked": _bool(row.get("lot_tracked"), "lot_tracked", errors, number),
            "supplier": row.get("supplier", "")[:200],
        }
        if parsed["tax_rate"] > 100:
            errors.append((number, _("tax_rate: at most 100.")))
        result.errors += errors
        parsed["row"] = number
        result.rows.append(parsed)
    if not result.rows and not result.errors:
        result.errors.append((1, _("The file has no rows.")))
    existing = set(
        Item.objects.filter(organization=organization, sku__in=[r["sku"] for r in result.rows]).values_list(
            "sku", flat=True
        )
    )
    for r in result.rows:
        r["action"] = "update" if r["sku"] in existing else "create"
    result.created = sum(r["action"] == "create" for r in result.rows)
    result.updated = len(result.rows) - result.created
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        for r in result.rows:
            supplier = None
            if r["supplier"]:
                supplier, _c = Supplier.objects.get_or_create(organization=organization, name=r["supplier"])
            fields = {
                k: r[k]
                for k in (
                    "name",
                    "category",
                    "unit",
                    "cost_price",
                    "sellable",
                    "price",
                    "tax_rate",
                    "lot_tracked",
                )
            }
            Item.objects.update_or_create(
                organization=organization, sku=r["sku"], defaults={**fields, "supplier": supplier}
            )
    return result


@transaction.atomic
def save_item(item: Item) -> Item:
    try:
        item.full_clean()
    except ValidationError as exc:
        if "sku" in getattr(exc, "error_dict", {}) or "__all__" in getattr(exc, "error_dict", {}):
            raise ValidationError(
                {"sku": _("Another item already has the SKU %(sku)s.") % {"sku": item.sku}}
            ) from None
        raise
    item.save()
    return item


@transaction.atomic
def save_supplier(supplier: Supplier) -> Supplier:
    """Create or edit a supplier of the organization's catalog; names are unique in the organization."""
    supplier.name = (supplier.name or "").strip()
    taken = ValidationError(
        {"name": _("Another supplier is already called %(name)s.") % {"name": supplier.name}}
    )
    try:
        supplier.full_clean()
    except ValidationError as exc:
        if "__all__" in getattr(exc, "error_dict", {}):
            raise taken from None
        raise
    try:
        with transaction.atomic():
            supplier.save()
    except IntegrityError:
        raise taken from None
    return supplier
