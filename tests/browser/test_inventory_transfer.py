"""Inventory between two clinics, as its people do it: the owner sends stock from Downtown to Riverside,
a front-desk colleague at Riverside receives it, and each clinic's low-stock widget follows the counts
(Downtown's item drops to its reorder level when the stock leaves; Riverside's rises above it on arrival)."""

from __future__ import annotations

import re
from decimal import Decimal

from django_scopes import scope
from playwright.sync_api import Page, expect

from core.tenancy.models import Role
from plugins.inventory import selectors
from plugins.inventory.models import Item, StockMovement, Transfer, TransferStatus
from plugins.inventory.services import receiving, reorder_rules
from tests.factories import add_member, make_org, make_user

from .helpers import axe_violations, format_violations, sign_in

ITEM = "Sterile gauze swabs"


def low_stock(page: Page):
    return page.get_by_role("region", name="Low stock")


def open_dashboard(page: Page, clinic_slug: str) -> None:
    """Pick the clinic in the sidebar's switcher; it lands on that clinic's dashboard."""
    page.goto("/office/")
    switcher = page.locator("form", has=page.get_by_test_id("clinic-switcher"))
    switcher.get_by_test_id("clinic-switcher").select_option(clinic_slug)
    switcher.get_by_role("button", name="Go").click()
    page.wait_for_url("**/office/")
    expect(page.get_by_test_id("clinic-switcher")).to_have_value(clinic_slug)


def test_owner_sends_stock_and_riverside_receives_it(page: Page, new_context, screenshot):
    org, (downtown, riverside) = make_org("Maple Health", clinics=("Downtown", "Riverside"))
    owner = make_user("owner@maple.test", full_name="Grace Owner")
    front_desk = make_user("desk@maple.test", full_name="Ravi Front")
    add_member(org, owner, Role.OWNER, [downtown, riverside])
    add_member(org, front_desk, Role.STAFF, [riverside])
    with scope(organization=org.pk):
        gauze = Item.objects.create(organization=org, name=ITEM, sku="GZ-10", cost_price="0.40")
        # Downtown holds 40 and reorders at 25; Riverside has 4 left and reorders at 10, so it is low.
        receiving.receive(downtown, gauze, Decimal("40"), by=owner, reason="Opening stock")
        receiving.receive(riverside, gauze, Decimal("4"), by=owner, reason="Opening stock")
        reorder_rules.set_reorder_rule(downtown, gauze, Decimal("25"), Decimal("50"))

    # --- The owner sets Riverside's reorder level on the item's page ----------------------------------------
    sign_in(page, "owner@maple.test")
    page.goto(f"/office/c/{riverside.slug}/inventory/catalog/")
    expect(page.get_by_test_id("clinic-switcher")).to_have_value(riverside.slug)  # the page's clinic
    page.get_by_role("link", name=ITEM).click()
    expect(page.get_by_test_id("item-on-hand")).to_have_text("4")
    screenshot(page, "inventory_item.png")
    page.get_by_role("link", name="Edit item and reorder level").click()
    page.get_by_label("Reorder level here").fill("10")
    page.get_by_label("Reorder quantity").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    open_dashboard(page, riverside.slug)
    expect(low_stock(page)).to_contain_text(ITEM)
    open_dashboard(page, downtown.slug)
    expect(low_stock(page)).to_contain_text("Nothing is below its reorder level.")
    screenshot(page, "inventory_dashboard_downtown_before.png")

    # --- ...and sends 20 from Downtown to Riverside (two steps: it is in transit until received) -----------
    page.goto(f"/office/c/{downtown.slug}/inventory/transfers/")
    page.get_by_role("link", name="Send stock").click()
    page.get_by_label("To clinic").select_option(label="Riverside")
    page.get_by_label("Item").select_option(label=f"{ITEM} (GZ-10)")
    page.get_by_label("Quantity").fill("20")
    page.get_by_label("Note").fill("Riverside is running out")
    expect(page.get_by_label("Received at once (I work at both clinics)")).not_to_be_checked()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Transfer recorded.")).to_be_visible()
    rows = page.get_by_test_id("transfer-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("In transit")
    with scope(organization=org.pk):
        transfer = Transfer.objects.get()
        assert transfer.status == TransferStatus.SENT
        assert selectors.on_hand(downtown, gauze) == 20 and selectors.on_hand(riverside, gauze) == 4

    # Downtown fell from 40 to 20, below its level of 25: its widget now lists the item.
    open_dashboard(page, downtown.slug)
    expect(low_stock(page)).to_contain_text(ITEM)
    screenshot(page, "inventory_dashboard_downtown_after_send.png")

    # --- The colleague at Riverside sees the low stock, then receives the delivery ------------------------
    desk = new_context().new_page()
    sign_in(desk, "desk@maple.test")
    expect(desk.get_by_test_id("clinic-switcher")).to_have_value(riverside.slug)
    expect(low_stock(desk)).to_contain_text(ITEM)
    screenshot(desk, "inventory_dashboard_riverside_before.png")
    desk.get_by_role("link", name="Open stock").click()
    desk.get_by_role("navigation", name="Inventory").get_by_role("link", name="Transfers").click()
    desk.get_by_test_id("transfer-table").get_by_role("link", name=str(transfer.pk)).click()
    desk.wait_for_url(re.compile(rf"/inventory/transfers/{transfer.pk}/$"))
    expect(desk.get_by_text("Downtown → Riverside · In transit")).to_be_visible()
    expect(desk.get_by_role("textbox", name="Received")).to_have_value("20")
    desk.get_by_role("button", name="Receive").click()
    expect(desk.get_by_text("Transfer received.")).to_be_visible()
    expect(desk.get_by_text("Downtown → Riverside · Received")).to_be_visible()
    screenshot(desk, "inventory_transfer_received.png")

    # Riverside now holds 24, above its level of 10: the item leaves its widget.
    desk.goto("/office/")
    expect(low_stock(desk)).to_contain_text("Nothing is below its reorder level.")
    expect(low_stock(desk)).not_to_contain_text(ITEM)
    screenshot(desk, "inventory_dashboard_riverside_after.png")
    desk.get_by_role("link", name="Stock", exact=True).first.click()
    expect(desk.get_by_test_id("stock-table")).to_contain_text("24")

    with scope(organization=org.pk):
        transfer.refresh_from_db()
        assert transfer.status == TransferStatus.RECEIVED and transfer.received_by == front_desk
        assert selectors.on_hand(riverside, gauze) == 24 and selectors.on_hand(downtown, gauze) == 20
        moves = StockMovement.objects.filter(reference=f"transfer:{transfer.pk}")
        kinds = sorted(moves.values_list("kind", "quantity"))
        assert kinds == [("transfer_in", Decimal("20")), ("transfer_out", Decimal("-20"))]

    # --- The inventory pages the owner works in pass axe-core (no serious or critical violations) ----------
    found = {}
    for name, path in (
        ("item", f"/office/c/{riverside.slug}/inventory/items/{gauze.pk}/"),
        ("reorder levels", f"/office/c/{riverside.slug}/inventory/reorder-levels/"),
        ("suppliers", f"/office/c/{riverside.slug}/inventory/suppliers/"),
        ("write off", f"/office/c/{riverside.slug}/inventory/write-off/?item={gauze.pk}"),
        ("transfer", f"/office/c/{riverside.slug}/inventory/transfers/{transfer.pk}/"),
    ):
        page.goto(path)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        screenshot(page, f"inventory_page_{name.replace(' ', '_')}.png")
    assert not found, format_violations(found)
