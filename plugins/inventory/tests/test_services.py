from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, ProgrammingError, transaction
from django_scopes import scope

from core.plugins import events
from core.plugins.events import emit
from core.tenancy.modules import clinic_hook
from plugins.inventory import selectors
from plugins.inventory.models import (
    Item,
    MovementKind,
    OrderStatus,
    ReorderRule,
    StockLevel,
    StockMovement,
    TransferStatus,
)
from plugins.inventory.services import (
    adjustments,
    catalog_import,
    dispensing,
    negative_stock,
    purchase_orders,
    reorder_rules,
    stocktakes,
    transfers,
)
from tests.factories import make_patient

from .conftest import stock

pytestmark = pytest.mark.django_db


def levels(clinic, item):
    return {
        (lv.lot.number if lv.lot else None): lv.quantity
        for lv in StockLevel.objects.filter(clinic=clinic, item=item).select_related("lot")
    }


def test_dispensing_picks_the_earliest_expiring_lot_and_skips_expired(inv):
    clinic = inv.clinic
    with scope(organization=inv.org.pk):
        stock(clinic, inv.ibu, 5, "LATE", days=300)
        stock(clinic, inv.ibu, 5, "SOON", days=10)
        stock(clinic, inv.ibu, 5, "GONE", days=-1)
        moves = dispensing.dispense(
            clinic, [dispensing.DispenseLine(inv.ibu, 7)], by=inv.owner, patient=inv.patient
        )
        assert [(m.lot.number, m.quantity) for m in moves] == [
            ("SOON", Decimal("-5")),
            ("LATE", Decimal("-2")),
        ]
        assert levels(clinic, inv.ibu) == {"LATE": 3, "SOON": 0, "GONE": 5}
        with pytest.raises(ValidationError, match="Not enough Ibuprofen"):
            dispensing.dispense(clinic, [dispensing.DispenseLine(inv.ibu, 4)], by=inv.owner)


def test_choosing_another_lot_needs_a_reason(inv):
    clinic = inv.clinic
    with scope(organization=inv.org.pk):
        stock(clinic, inv.ibu, 5, "SOON", days=10)
        late = stock(clinic, inv.ibu, 5, "LATE", days=300).lot
        with pytest.raises(ValidationError) as refused:
            dispensing.dispense(clinic, [dispensing.DispenseLine(inv.ibu, 1, late)], by=inv.owner)
        assert "reason" in refused.value.message_dict
        (move,) = dispensing.dispense(
            clinic,
            [dispensing.DispenseLine(inv.ibu, 1, late)],
            by=inv.owner,
            override_reason="Patient allergy pack",
        )
        assert move.lot == late and move.reason == "Patient allergy pack"


def test_no_negative_stock_unless_the_clinic_allows_it(inv):
    clinic = inv.clinic
    with scope(organization=inv.org.pk):
        with pytest.raises(ValidationError):
            dispensing.dispense(
                clinic, [dispensing.DispenseLine(inv.gauze, 1)], by=inv.owner, patient=inv.patient
            )
        assert not StockMovement.objects.exists()
        negative_stock.set_allow_negative(clinic, True)
        dispensing.dispense(
            clinic, [dispensing.DispenseLine(inv.gauze, 2)], by=inv.owner, patient=inv.patient
        )
        assert selectors.on_hand(clinic, inv.gauze) == Decimal("-2")


def test_the_ledger_refuses_update_and_delete(inv):
    with scope(organization=inv.org.pk):
        move = stock(inv.clinic, inv.gauze, 3)
        for attempt in (
            lambda: StockMovement.objects.filter(pk=move.pk).update(quantity=99),
            lambda: StockMovement.objects.filter(pk=move.pk).delete(),
        ):
            with pytest.raises((InternalError, ProgrammingError)), transaction.atomic():
                attempt()


def heard_by_the_example(kind) -> list:
    """Events the example third-party plugin heard (it listens to every event where it is on)."""
    import ehr_example

    return [event for event in ehr_example.HEARD if isinstance(event, kind)]


@pytest.fixture(autouse=True)
def _forget_what_was_heard():
    import ehr_example

    ehr_example.HEARD.clear()


def test_low_stock_is_announced_once_per_crossing(inv, django_capture_on_commit_callbacks):
    def heard():
        return [("clinic_stock_low", e.on_hand) for e in heard_by_the_example(events.StockLow)]

    clinic = inv.clinic
    with scope(organization=inv.org.pk), django_capture_on_commit_callbacks(execute=True):
        stock(clinic, inv.gauze, 20)
        reorder_rules.set_reorder_rule(clinic, inv.gauze, 10, 30)

        def take(n):
            return dispensing.dispense(
                clinic, [dispensing.DispenseLine(inv.gauze, n)], by=inv.owner, kind="used"
            )  # noqa: E731

        take(5)
    assert heard() == []
    with scope(organization=inv.org.pk), django_capture_on_commit_callbacks(execute=True):
        take(5)  # 10: reaches the level
        take(2)  # still below: no second event
    assert heard() == [("clinic_stock_low", Decimal("10"))]
    with scope(organization=inv.org.pk), django_capture_on_commit_callbacks(execute=True):
        assert ReorderRule.objects.get().below_reorder_since is not None
        stock(clinic, inv.gauze, 10)  # back above: flag cleared
        assert ReorderRule.objects.get().below_reorder_since is None
        take(9)
    assert [h[1] for h in heard()] == [Decimal("10"), Decimal("9")]
    with scope(organization=inv.org.pk):
        assert list(selectors.below_reorder(clinic)) == [ReorderRule.objects.get()]
        assert reorder_rules.scan_low_stock(clinic) == 0


def test_daily_scan_catches_missed_crossings_and_announces_expiring_lots(
    inv, django_capture_on_commit_callbacks
):
    from plugins.inventory import tasks

    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 3, "SOON", days=5)
        ReorderRule.objects.create(
            organization=inv.org, clinic=inv.clinic, item=inv.ibu, reorder_level=5, reorder_quantity=10
        )
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.daily_scan(inv.clinic.pk)
    assert result == {"low": 1, "expiring": 1}
    assert [e.sku for e in heard_by_the_example(events.StockLow)] == ["IBU"]
    [expiring] = heard_by_the_example(events.LotsExpiring)
    assert [lot.lot_number for lot in expiring.lots] == ["SOON"]


def test_write_off_expired(inv):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 4, "OLD", days=-3)
        stock(inv.clinic, inv.ibu, 4, "NEW", days=30)
        (move,) = adjustments.write_off_expired(inv.clinic, by=inv.owner)
        assert move.kind == MovementKind.WRITTEN_OFF and move.quantity == -4
        assert levels(inv.clinic, inv.ibu) == {"OLD": 0, "NEW": 4}


def test_transfer_in_two_steps_records_discrepancies(inv):
    a, b = inv.clinics
    with scope(organization=inv.org.pk):
        stock(a, inv.gauze, 10)
        transfer = transfers.send_transfer(a, b, [transfers.TransferItem(inv.gauze, 6)], by=inv.owner)
        assert selectors.on_hand(a, inv.gauze) == 4 and selectors.on_hand(b, inv.gauze) == 0
        assert sum(line.quantity_sent for line in selectors.in_transit(inv.org.pk)) == 6
        line = transfer.lines.get()
        transfers.receive_transfer(
            transfer, by=inv.owner, received={line.pk: Decimal("5")}, notes={line.pk: "1 torn"}
        )
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.RECEIVED
        assert selectors.on_hand(b, inv.gauze) == 5
        assert not selectors.in_transit(inv.org.pk).exists()
        lost = StockMovement.objects.get(kind=MovementKind.WRITTEN_OFF)
        assert lost.quantity == -1 and "1 torn" in lost.reason
        with pytest.raises(ValidationError, match="already been received"):
            transfers.receive_transfer(transfer, by=inv.owner)


def test_transfer_refuses_same_clinic_and_another_organizations_clinic(inv, beta):
    a, b = inv.clinics
    with scope(organization=inv.org.pk):
        stock(a, inv.gauze, 10)
        with pytest.raises(ValidationError, match="another clinic than"):
            transfers.send_transfer(a, a, [transfers.TransferItem(inv.gauze, 1)], by=inv.owner)
        with pytest.raises(ValidationError, match="your own organization"):
            transfers.transfer_now(a, beta.clinic, [transfers.TransferItem(inv.gauze, 1)], by=inv.owner)
        transfers.transfer_now(a, b, [transfers.TransferItem(inv.gauze, 3)], by=inv.owner)
        assert (selectors.on_hand(a, inv.gauze), selectors.on_hand(b, inv.gauze)) == (7, 3)


def test_purchase_order_partly_then_fully_received(inv):
    with scope(organization=inv.org.pk):
        order = purchase_orders.create_purchase_order(inv.clinic, None, [(inv.ibu, 10, "1.20")], by=inv.owner)
        line = order.lines.get()
        with pytest.raises(ValidationError, match="lot"):
            purchase_orders.receive_purchase_order(order, {line.pk: purchase_orders.Arrival(4)}, by=inv.owner)
        order = purchase_orders.receive_purchase_order(
            order, {line.pk: purchase_orders.Arrival(4, "L1")}, by=inv.owner
        )
        assert order.status == OrderStatus.PARTLY_RECEIVED
        order = purchase_orders.receive_purchase_order(
            order, {line.pk: purchase_orders.Arrival(6, "L2")}, by=inv.owner
        )
        assert order.status == OrderStatus.RECEIVED
        assert selectors.on_hand(inv.clinic, inv.ibu) == 10


def test_stocktake_posts_adjustments(inv):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 10)
        take = stocktakes.start_stocktake(inv.clinic, by=inv.owner)
        line = take.lines.get(item=inv.gauze)
        (move,) = stocktakes.post_stocktake(take, {line.pk: "8"}, by=inv.owner)
        assert move.kind == MovementKind.ADJUSTED and move.quantity == -2
        assert selectors.on_hand(inv.clinic, inv.gauze) == 8


def invoice_line(sku, qty, kind="product"):
    return events.BilledLine(line_id=1, kind=kind, reference=sku, description=sku, quantity=Decimal(qty))


def issuing(pk, patient_id, lines):
    return events.InvoiceIssuing(
        invoice_id=pk,
        number=f"N-{pk}",
        issue_date=date(2031, 3, 3),
        patient_id=patient_id,
        lines=tuple(lines),
    )


def test_invoice_hooks_dispense_refuse_and_return(inv):
    clinic = inv.clinic
    with scope(organization=inv.org.pk):
        stock(clinic, inv.ibu, 3, "A", days=30)
        stock(clinic, inv.ibu, 3, "B", days=90)
        items = clinic_hook(clinic, "clinic_billable_items")(clinic=clinic, query="ibu")
        found = [i for batch in items for i in batch if i.kind == "product"]
        assert [(i.reference, i.unit_price, i.currency) for i in found] == [
            ("IBU", Decimal("4.90"), clinic.currency)
        ]
        lines = [invoice_line("IBU", 4), invoice_line("CONSULT", 1, kind="service")]
        emit(clinic, issuing(101, inv.patient.pk, lines))
        assert levels(clinic, inv.ibu) == {"A": 0, "B": 2}
        emit(clinic, issuing(101, inv.patient.pk, lines))  # once only
        assert selectors.on_hand(clinic, inv.ibu) == 2
        with pytest.raises(ValidationError, match="Not enough Ibuprofen"):
            emit(clinic, issuing(102, inv.patient.pk, [invoice_line("IBU", 5)]))
        assert selectors.on_hand(clinic, inv.ibu) == 2
        credit = events.InvoiceCrediting(
            credit_note_id=7,
            invoice_id=101,
            number="C-7",
            issue_date=date(2031, 3, 4),
            patient_id=inv.patient.pk,
            lines=(invoice_line("IBU", 3),),
        )
        emit(clinic, credit)
        assert levels(clinic, inv.ibu) == {"A": 2, "B": 3}
        assert StockMovement.objects.filter(kind=MovementKind.RETURNED).count() == 2


def test_invoice_hooks_are_silent_when_inventory_is_off(inv):
    from core.tenancy.services import set_module_enabled

    clinic = inv.clinic
    with scope(organization=inv.org.pk):
        set_module_enabled(clinic, "inventory", False)
        emit(clinic, issuing(5, None, [invoice_line("IBU", 99)]))
        assert not StockMovement.objects.exists()


def test_csv_import_dry_run_reports_every_bad_row_and_writes_nothing(inv):
    text = (
        "sku,name,unit,cost_price,sellable,price,tax_rate,lot_tracked,supplier\n"
        "NEW1,Bandage,each,1.00,no,0,0,no,Acme\n"
        ",Nameless,each,1,no,0,0,no,\n"
        "NEW2,Tape,litre,1,no,0,0,no,\n"
        "NEW3,Cream,each,abc,maybe,0,0,no,\n"
        "NEW1,Again,each,1,no,0,0,no,\n"
        "GAUZE,Gauze renamed,pack,2.5,no,0,0,no,\n"
    )
    with scope(organization=inv.org.pk):
        result = catalog_import.import_catalog(inv.org, text, dry_run=False)
        assert sorted({row for row, _m in result.errors}) == [3, 4, 5, 6]
        assert len(result.errors) == 5
        assert not inv.org.pk or not Item.objects.filter(sku="NEW1").exists()
        good = "sku,name,unit,sellable\nNEW1,Bandage,each,no\nGAUZE,Gauze renamed,pack,yes\n"
        preview = catalog_import.import_catalog(inv.org, good, dry_run=True)
        assert (preview.errors, preview.created, preview.updated) == ([], 1, 1)
        assert not Item.objects.filter(sku="NEW1").exists()
        catalog_import.import_catalog(inv.org, good, dry_run=False)
        assert Item.objects.get(sku="GAUZE").name == "Gauze renamed"
        assert Item.objects.filter(sku="NEW1").exists()


def test_csv_import_with_a_nul_character_is_refused_and_writes_nothing(inv):
    text = "sku,name\nNUL1,Band\x00age\n"
    with scope(organization=inv.org.pk):
        result = catalog_import.import_catalog(inv.org, text, dry_run=False)
        assert [row for row, _m in result.errors] == [1]
        assert not Item.objects.filter(sku="NUL1").exists()


def test_dispense_to_patient_of_another_organization_is_refused(inv, beta):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 5)
        with pytest.raises(ValidationError):
            dispensing.dispense(
                inv.clinic, [dispensing.DispenseLine(inv.gauze, 1)], by=inv.owner, patient=beta.patient
            )
        other = make_patient(inv.clinic, "Al", "Other")
        dispensing.dispense(inv.clinic, [dispensing.DispenseLine(inv.gauze, 1)], by=inv.owner, patient=other)
