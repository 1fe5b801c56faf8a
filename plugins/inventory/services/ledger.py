"""The stock ledger: the one road by which stock changes.

``post_movements`` appends movements to the ledger and applies them to StockLevel rows that
``lock_levels`` has locked with ``SELECT ... FOR UPDATE`` in one statement ordered by (clinic, item, lot)
— the same order everywhere, so two changes never wait on each other in a circle. It refuses negative
stock unless the clinic allows it, and tracks each reorder rule's crossing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tenancy.models import Clinic

from ..models import Item, StockLevel, StockMovement
from .negative_stock import allows_negative
from .reorder_crossings import track_reorder

if TYPE_CHECKING:
    from core.accounts.models import User


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


def _pair_key(clinic_id: int, item_id: int) -> int:
    """A stable signed 64-bit advisory-lock key for one (clinic, item) pair of this module."""
    digest = hashlib.blake2b(f"inventory:{clinic_id}:{item_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_levels(
    organization_id: int, pairs: Iterable[tuple[int, int]], ensure: Iterable[tuple[int, int, int | None]] = ()
) -> dict[tuple, StockLevel]:
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


def post_movements(
    clinics: dict[int, Clinic], levels: dict[tuple, StockLevel], deltas: list[Delta], by: User | None
) -> list[StockMovement]:
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
    track_reorder(clinics, levels, {(k[0], k[1]) for k in changed})
    return movements
