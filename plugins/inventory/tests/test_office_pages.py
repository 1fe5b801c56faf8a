"""The inventory pages a front desk and an owner use every day beyond the lists: one item's page with its
actions, single write-offs, suppliers, and a catalog item created and edited through its form."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from plugins.inventory import selectors
from plugins.inventory.models import Item, MovementKind, ReorderRule, StockMovement, Supplier

from .conftest import stock

pytestmark = pytest.mark.django_db


def url(tenant, name, clinic=None, **kw):
    return reverse(f"office:inventory:{name}", kwargs={"clinic_slug": (clinic or tenant.clinic).slug, **kw})


def test_item_page_shows_stock_here_and_offers_what_the_role_may_do(
    inv, beta, login, django_assert_max_num_queries
):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.ibu, 6, "L1", days=30)
        stock(inv.clinic, inv.ibu, 4, "L2", days=90)
        stock(inv.clinics[1], inv.ibu, 50, "L3", days=90)  # another clinic's stock is not counted here
    page = url(inv, "item_detail", pk=inv.ibu.pk)
    owner, staff, doctor = login(inv.owner), login(inv.staff), login(inv.practitioner)
    with django_assert_max_num_queries(25):
        response = owner.get(page)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="item-on-hand">10<' in body
    assert "L1" in body and "L2" in body and "L3" not in body
    assert f"write-off/?item={inv.ibu.pk}" in body and "Edit item and reorder level" in body
    staff_body = staff.get(page).content.decode()
    assert f"write-off/?item={inv.ibu.pk}" in staff_body and "Edit item and reorder level" not in staff_body
    doctor_body = doctor.get(page).content.decode()
    assert (
        f"dispense/?item={inv.ibu.pk}" in doctor_body
        and "write-off/" not in doctor_body.split("item-actions")[1]
    )
    # Another organization's item, or a clinic the member does not work at: the same 404.
    with scope(organization=beta.org.pk):
        foreign = Item.objects.create(organization=beta.org, name="Theirs", sku="T1")
    assert owner.get(url(inv, "item_detail", pk=foreign.pk)).status_code == 404
    assert owner.get(url(inv, "item_detail", pk="999999")).status_code == 404
    assert staff.get(url(inv, "item_detail", clinic=inv.clinics[1], pk=inv.ibu.pk)).status_code == 404


def test_stock_forms_open_with_the_item_chosen(inv, login):
    owner = login(inv.owner)
    for name in ("receive", "dispense", "adjust", "write_off"):
        body = owner.get(url(inv, name) + f"?item={inv.gauze.pk}").content.decode()
        assert f'<option value="{inv.gauze.pk}" selected>' in body, name
    assert owner.get(url(inv, "receive") + "?item=nonsense").status_code == 200


def test_write_off_takes_stock_out_with_a_reason_and_never_below_zero(inv, login):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 5)
        stock(inv.clinic, inv.ibu, 3, "L1", days=20)
        lot = inv.ibu.lots.get()
    staff = login(inv.staff)
    refused = staff.post(url(inv, "write_off"), {"item": inv.gauze.pk, "quantity": "2", "reason": ""})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    refused = staff.post(url(inv, "write_off"), {"item": inv.gauze.pk, "quantity": "6", "reason": "Wet"})
    assert refused.status_code == 400 and "Only 5 each on hand to write off." in refused.content.decode()
    refused = staff.post(url(inv, "write_off"), {"item": inv.ibu.pk, "quantity": "1", "reason": "Recall"})
    assert refused.status_code == 400 and "Choose the lot being written off." in refused.content.decode()
    done = staff.post(url(inv, "write_off"), {"item": inv.gauze.pk, "quantity": "2", "reason": "Wet packs"})
    assert done.status_code == 302 and done["Location"] == url(inv, "item_detail", pk=inv.gauze.pk)
    done = staff.post(
        url(inv, "write_off"), {"item": inv.ibu.pk, "lot": lot.pk, "quantity": "3", "reason": "Recall 24-7"}
    )
    assert done.status_code == 302
    with scope(organization=inv.org.pk):
        assert selectors.on_hand(inv.clinic, inv.gauze) == 3 and selectors.on_hand(inv.clinic, inv.ibu) == 0
        written = StockMovement.objects.filter(kind=MovementKind.WRITTEN_OFF).order_by("id")
        assert [(m.item_id, m.quantity, m.reason, m.created_by_id) for m in written] == [
            (inv.gauze.pk, Decimal("-2"), "Wet packs", inv.staff.pk),
            (inv.ibu.pk, Decimal("-3"), "Recall 24-7", inv.staff.pk),
        ]
    assert login(inv.practitioner).get(url(inv, "write_off")).status_code == 403


def test_owner_creates_and_edits_suppliers_and_staff_only_reads_them(inv, beta, login):
    owner, staff = login(inv.owner), login(inv.staff)
    created = owner.post(
        url(inv, "supplier_create"), {"name": " MedSupply ", "email": "orders@med.test", "active": "on"}
    )
    assert created.status_code == 302
    with scope(organization=inv.org.pk):
        supplier = Supplier.objects.get(organization=inv.org)
    assert supplier.name == "MedSupply"
    clash = owner.post(url(inv, "supplier_create"), {"name": "MedSupply", "active": "on"})
    assert (
        clash.status_code == 400 and "Another supplier is already called MedSupply." in clash.content.decode()
    )
    bad = owner.post(
        url(inv, "supplier_edit", pk=supplier.pk), {"name": "MedSupply", "email": "not-an-email"}
    )
    assert bad.status_code == 400
    edited = owner.post(
        url(inv, "supplier_edit", pk=supplier.pk), {"name": "MedSupply Ltd", "phone": "+1 555"}
    )
    assert edited.status_code == 302
    with scope(organization=inv.org.pk):
        supplier.refresh_from_db()
        assert (supplier.name, supplier.phone, supplier.active, Supplier.objects.count()) == (
            "MedSupply Ltd",
            "+1 555",
            False,
            1,
        )
    listing = staff.get(url(inv, "suppliers"))
    assert listing.status_code == 200 and "MedSupply Ltd" in listing.content.decode()
    assert staff.get(url(inv, "supplier_create")).status_code == 403
    assert staff.post(url(inv, "supplier_edit", pk=supplier.pk), {"name": "Mine"}).status_code == 403
    with scope(organization=beta.org.pk):
        theirs = Supplier.objects.create(organization=beta.org, name="Theirs")
    assert owner.get(url(inv, "supplier_edit", pk=theirs.pk)).status_code == 404
    assert login(inv.practitioner).get(url(inv, "suppliers")).status_code == 403


def test_owner_creates_an_item_with_its_reorder_level_here_and_edits_it(inv, login):
    owner = login(inv.owner)
    with scope(organization=inv.org.pk):
        supplier = Supplier.objects.create(organization=inv.org, name="MedSupply")
    form = {
        "item-name": "Saline 10 ml",
        "item-sku": "SAL10",
        "item-unit": "each",
        "item-cost_price": "0.30",
        "item-price": "0",
        "item-tax_rate": "0",
        "item-active": "on",
        "item-supplier": supplier.pk,
        "reorder-reorder_level": "20",
        "reorder-reorder_quantity": "100",
    }
    assert owner.post(url(inv, "item_create"), form).status_code == 302
    duplicate = owner.post(url(inv, "item_create"), {**form, "item-name": "Other saline"})
    assert (
        duplicate.status_code == 400
        and "Another item already has the SKU SAL10." in duplicate.content.decode()
    )
    negative = owner.post(url(inv, "item_create"), {**form, "item-sku": "X", "reorder-reorder_level": "-1"})
    assert negative.status_code == 400
    with scope(organization=inv.org.pk):
        item = Item.objects.get(sku="SAL10")
        rule = ReorderRule.objects.get(item=item)
        assert (item.supplier, rule.clinic, rule.reorder_level) == (supplier, inv.clinic, 20)
        assert rule.below_reorder_since is not None  # nothing on hand yet: it is low from the start
        assert not Item.objects.filter(sku="X").exists()
    # The same item, edited at the other clinic, gets that clinic's own level.
    edited = owner.post(
        url(inv, "item_edit", clinic=inv.clinics[1], pk=item.pk),
        {
            **form,
            "item-name": "Saline 10 ml ampoule",
            "reorder-reorder_level": "5",
            "reorder-reorder_quantity": "10",
        },
    )
    assert edited.status_code == 302
    with scope(organization=inv.org.pk):
        levels = dict(ReorderRule.objects.filter(item=item).values_list("clinic_id", "reorder_level"))
        assert levels == {inv.clinic.pk: 20, inv.clinics[1].pk: 5}
        assert Item.objects.get(pk=item.pk).name == "Saline 10 ml ampoule"
    assert login(inv.staff).post(url(inv, "item_edit", pk=item.pk), form).status_code == 403


def test_owner_sets_reorder_levels_for_the_clinic_row_by_row(inv, beta, login, django_assert_max_num_queries):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 8)
        for n in range(20):
            Item.objects.create(organization=inv.org, name=f"Item {n:02}", sku=f"I{n}")
    owner = login(inv.owner)
    page = url(inv, "reorder_levels")
    with django_assert_max_num_queries(20):
        listing = owner.get(page)
    assert listing.status_code == 200 and listing.content.decode().count('<tr data-item="') == 22
    done = owner.post(page, {"item": inv.gauze.pk, "reorder_level": "10", "reorder_quantity": "40"})
    assert done.status_code == 302
    refused = owner.post(page, {"item": inv.ibu.pk, "reorder_level": "-3", "reorder_quantity": "5"})
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.content.decode()
    with scope(organization=inv.org.pk):
        rule = ReorderRule.objects.get(clinic=inv.clinic, item=inv.gauze)
        assert (rule.reorder_level, rule.reorder_quantity) == (10, 40)
        assert rule.below_reorder_since is not None  # 8 on hand, level 10: low at once
        assert not ReorderRule.objects.filter(item=inv.ibu).exists()
        theirs = Item.objects.create(organization=beta.org, name="Theirs", sku="T")
    assert (
        owner.post(page, {"item": theirs.pk, "reorder_level": "1", "reorder_quantity": "1"}).status_code
        == 404
    )
    assert owner.post(page, {"item": "x", "reorder_level": "1", "reorder_quantity": "1"}).status_code == 404
    assert login(inv.staff).get(page).status_code == 403
    dashboard = owner.get("/office/").content.decode()
    assert "inventory-low-stock" in dashboard and "Gauze" in dashboard


def _json(client, method, path, body):
    import json

    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_api_writes_off_and_manages_suppliers_like_the_pages(inv, beta, login):
    def api(path):
        return f"/api/v1/clinics/{inv.clinic.pk}/inventory/{path}"

    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 5)
    owner, staff, doctor = login(inv.owner), login(inv.staff), login(inv.practitioner)
    short = _json(
        staff, "post", api("write-off"), {"item_id": inv.gauze.pk, "quantity": "9", "reason": "Wet"}
    )
    assert short.status_code == 422 and "quantity" in short.json()["error"]["fields"]
    no_reason = _json(staff, "post", api("write-off"), {"item_id": inv.gauze.pk, "quantity": "1"})
    assert no_reason.status_code == 422
    done = _json(staff, "post", api("write-off"), {"item_id": inv.gauze.pk, "quantity": "2", "reason": "Wet"})
    assert done.status_code == 201 and done.json()["kind"] == "written_off", done.content
    assert (
        _json(
            doctor, "post", api("write-off"), {"item_id": inv.gauze.pk, "quantity": "1", "reason": "x"}
        ).status_code
        == 403
    )
    with scope(organization=inv.org.pk):
        assert selectors.on_hand(inv.clinic, inv.gauze) == 3

    made = _json(owner, "post", api("suppliers"), {"name": "MedSupply", "email": "orders@med.test"})
    assert made.status_code == 201, made.content
    clash = _json(owner, "post", api("suppliers"), {"name": "MedSupply"})
    assert clash.status_code == 422 and "name" in clash.json()["error"]["fields"]
    bad_email = _json(owner, "post", api("suppliers"), {"name": "Other", "email": "nope"})
    assert bad_email.status_code == 422 and "email" in bad_email.json()["error"]["fields"]
    supplier = made.json()["id"]
    changed = _json(owner, "put", api(f"suppliers/{supplier}"), {"name": "MedSupply Ltd", "active": False})
    assert changed.status_code == 200 and changed.json()["name"] == "MedSupply Ltd"
    listed = staff.get(api("suppliers")).json()
    assert [s["name"] for s in listed["items"]] == ["MedSupply Ltd"]
    assert _json(staff, "post", api("suppliers"), {"name": "Mine"}).status_code == 403
    with scope(organization=beta.org.pk):
        theirs = Supplier.objects.create(organization=beta.org, name="Theirs")
    assert _json(owner, "put", api(f"suppliers/{theirs.pk}"), {"name": "Stolen"}).status_code == 404
