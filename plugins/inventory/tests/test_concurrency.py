"""Many people moving the same stock at once: 100 dispenses and transfers in parallel threads, each with
its own database connection, over the same items at three clinics."""

import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django_scopes import scope, scopes_disabled

from core.tenancy.models import Role
from plugins.inventory.models import Item, MovementKind, StockLevel, StockMovement, Transfer, TransferStatus
from plugins.inventory.services import dispensing, receiving, transfers
from tests.factories import add_member, make_org, make_user

OPERATIONS = 100


@pytest.mark.django_db(transaction=True)
def test_parallel_dispenses_and_transfers_keep_stock_exact():
    with scopes_disabled():
        org, clinics = make_org("Busy", clinics=("North", "South", "East"))
        owner = make_user()
        add_member(org, owner, Role.OWNER, clinics)
        gauze = Item.objects.create(organization=org, name="Gauze", sku="G")
        ibu = Item.objects.create(organization=org, name="Ibuprofen", sku="I", lot_tracked=True)
        with scope(organization=org.pk):
            for clinic in clinics:
                receiving.receive(clinic, gauze, 30, by=owner)
                receiving.receive(clinic, ibu, 15, by=owner, lot_number="L1")
                receiving.receive(clinic, ibu, 15, by=owner, lot_number="L2")
    rng = random.Random(7)
    plans = []
    for n in range(OPERATIONS):
        item = rng.choice([gauze, ibu])
        source, destination = rng.sample(clinics, 2)
        plans.append((n % 4, item, source, destination, Decimal(rng.randint(1, 4))))
    outcome = defaultdict(int)

    def run(plan):
        op, item, source, destination, qty = plan
        try:
            with scope(organization=org.pk):
                if op == 0:
                    dispensing.dispense(source, [dispensing.DispenseLine(item, qty)], by=owner)
                elif op == 1:
                    transfers.send_transfer(
                        source, destination, [transfers.TransferItem(item, qty)], by=owner
                    )
                elif op == 2:
                    transfers.transfer_now(source, destination, [transfers.TransferItem(item, qty)], by=owner)
                else:
                    pending = Transfer.objects.filter(organization=org, status=TransferStatus.SENT).first()
                    if pending is None:
                        dispensing.dispense(
                            source, [dispensing.DispenseLine(item, qty)], by=owner, kind="used"
                        )
                    else:
                        transfers.receive_transfer(pending, by=owner)
            outcome["done"] += 1
        except ValidationError:
            outcome["refused"] += 1
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(run, plans))
    elapsed = time.monotonic() - started
    print(f"{OPERATIONS} parallel operations in {elapsed:.2f}s: {dict(outcome)}")
    assert outcome["done"] + outcome["refused"] == OPERATIONS
    assert outcome["done"] > OPERATIONS // 2

    with scopes_disabled():
        assert not StockLevel.objects.filter(quantity__lt=0).exists()
        ledger = {
            (r["clinic_id"], r["item_id"], r["lot_id"]): r["t"]
            for r in StockMovement.objects.values("clinic_id", "item_id", "lot_id").annotate(
                t=Sum("quantity")
            )
        }
        levels = {(lv.clinic_id, lv.item_id, lv.lot_id): lv.quantity for lv in StockLevel.objects.all()}
        assert {k: v for k, v in levels.items() if v or k in ledger} == ledger  # no lost update
        for item in (gauze, ibu):
            moves = StockMovement.objects.filter(item=item)

            def total(*kinds):
                return moves.filter(kind__in=kinds).aggregate(t=Sum("quantity"))["t"] or Decimal("0")

            received = total(MovementKind.RECEIVED)
            consumed = -total(MovementKind.DISPENSED, MovementKind.USED)
            written_off = -total(MovementKind.WRITTEN_OFF)
            on_hand = StockLevel.objects.filter(item=item).aggregate(t=Sum("quantity"))["t"]
            transit_docs = sum(
                (
                    line.quantity_sent
                    for t in Transfer.objects.filter(status=TransferStatus.SENT)
                    for line in t.lines.filter(item=item)
                ),
                Decimal("0"),
            )
            transit_ledger = -total(MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN)
            assert transit_docs == transit_ledger
            assert on_hand + transit_docs == received - consumed - written_off
            assert (
                sum(moves.values_list("quantity", flat=True), Decimal("0")) + transit_ledger
                == received - consumed - written_off
            )
