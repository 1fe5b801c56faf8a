import json

import pytest
from django_scopes import scope

from plugins.inventory import selectors
from plugins.inventory.models import Item, StockMovement, Transfer

from .conftest import stock

pytestmark = pytest.mark.django_db


def url(tenant, name="stock", clinic=None, **kw):
    from django.urls import reverse

    return reverse(f"office:inventory:{name}", kwargs={"clinic_slug": (clinic or tenant.clinic).slug, **kw})


def api(tenant, path, clinic=None):
    return f"/api/v1/clinics/{(clinic or tenant.clinic).pk}/inventory/{path}"


def test_pages_answer_by_role_and_list_queries_are_bounded(inv, login, django_assert_max_num_queries):
    with scope(organization=inv.org.pk):
        for n in range(3):
            stock(inv.clinic, inv.ibu, 5, f"L{n}", days=10 + n)
        stock(inv.clinic, inv.gauze, 5)
    owner, staff, doctor = login(inv.owner), login(inv.staff), login(inv.practitioner)
    for name in (
        "stock",
        "catalog",
        "receive",
        "dispense",
        "adjust",
        "expiring",
        "transfers",
        "orders",
        "stocktakes",
        "reports",
    ):
        assert owner.get(url(inv, name)).status_code == 200, name
    assert staff.get(url(inv, "catalog")).status_code == 200
    assert staff.get(url(inv, "item_create")).status_code == 403
    assert staff.get(url(inv, "receive", clinic=inv.clinics[1])).status_code == 404  # not their clinic
    assert doctor.get(url(inv, "dispense")).status_code == 200
    assert doctor.get(url(inv, "receive")).status_code == 403
    assert doctor.get(url(inv, "catalog")).status_code == 403
    for name in ("stock", "reports", "expiring"):
        with django_assert_max_num_queries(25):
            assert owner.get(url(inv, name)).status_code == 200
    csv = owner.get(url(inv, "reports") + "?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and b"IBU" in csv.content


def test_dispense_page_and_transfer_page(inv, login):
    with scope(organization=inv.org.pk):
        stock(inv.clinic, inv.gauze, 5)
    doctor = login(inv.practitioner)
    response = doctor.post(
        url(inv, "dispense"),
        {"kind": "dispensed", "patient": inv.patient.pk, "item": inv.gauze.pk, "quantity": "9"},
    )
    assert response.status_code == 400 and "Not enough Gauze" in response.content.decode()
    response = doctor.post(url(inv, "dispense"), {"kind": "used", "item": inv.gauze.pk, "quantity": "2"})
    assert response.status_code == 302
    staff = login(inv.staff)
    response = staff.post(
        url(inv, "transfer_create"), {"destination": inv.clinics[1].pk, "item": inv.gauze.pk, "quantity": "1"}
    )
    assert response.status_code == 400  # the other clinic is not theirs: not a choice
    owner = login(inv.owner)
    response = owner.post(
        url(inv, "transfer_create"), {"destination": inv.clinics[1].pk, "item": inv.gauze.pk, "quantity": "1"}
    )
    assert response.status_code == 302
    with scope(organization=inv.org.pk):
        transfer = Transfer.objects.get()
        line = transfer.lines.get()
    detail = url(inv, "transfer_detail", clinic=inv.clinics[1], pk=transfer.pk)
    assert owner.post(detail, {f"line_{line.pk}": "1"}).status_code == 302


def test_catalog_import_preview_page(inv, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    owner = login(inv.owner)
    bad = SimpleUploadedFile("c.csv", b"sku,name\nA1,\n,B\n")
    response = owner.post(url(inv, "catalog_import"), {"file": bad, "confirm": "on"})
    assert response.status_code == 400 and response.content.decode().count("Row ") == 2
    with scope(organization=inv.org.pk):
        assert not Item.objects.filter(sku="A1").exists()


def test_api_items_stock_movements_and_errors(inv, beta, login):
    owner = login(inv.owner)
    created = owner.post(
        api(inv, "items"), json.dumps({"name": "Tape", "sku": "TAPE"}), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    dup = owner.post(
        api(inv, "items"), json.dumps({"name": "Tape 2", "sku": "TAPE"}), content_type="application/json"
    )
    assert dup.status_code == 422 and "sku" in dup.json()["error"]["fields"]
    extra = owner.post(
        api(inv, "items"), json.dumps({"name": "X", "sku": "X", "bogus": 1}), content_type="application/json"
    )
    assert extra.status_code == 422
    tape = created.json()["id"]
    assert (
        owner.post(
            api(inv, "receive"),
            json.dumps({"item_id": tape, "quantity": "10"}),
            content_type="application/json",
        ).status_code
        == 201
    )
    short = owner.post(
        api(inv, "dispense"),
        json.dumps({"kind": "used", "lines": [{"item_id": tape, "quantity": "11"}]}),
        content_type="application/json",
    )
    assert short.status_code == 422 and "Not enough Tape" in short.json()["error"]["message"]
    sent = owner.post(
        api(inv, "transfers"),
        json.dumps({"destination_id": inv.clinics[1].pk, "lines": [{"item_id": tape, "quantity": "4"}]}),
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    foreign = owner.post(
        api(inv, "transfers"),
        json.dumps({"destination_id": beta.clinic.pk, "lines": [{"item_id": tape, "quantity": "1"}]}),
        content_type="application/json",
    )
    assert foreign.status_code == 422 and "destination_id" in foreign.json()["error"]["fields"]
    same = owner.post(
        api(inv, "transfers"),
        json.dumps({"destination_id": inv.clinic.pk, "lines": [{"item_id": tape, "quantity": "1"}]}),
        content_type="application/json",
    )
    assert same.status_code == 422
    received = owner.post(
        api(inv, f"transfers/{sent.json()['id']}/receive", clinic=inv.clinics[1]),
        json.dumps({}),
        content_type="application/json",
    )
    assert received.status_code == 200 and received.json()["status"] == "received"
    levels = owner.get(api(inv, "stock")).json()
    assert [(lv["sku"], lv["quantity"]) for lv in levels] == [("TAPE", "6.000")]
    assert owner.get(api(inv, "movements")).json()["count"] == 2
    order = owner.post(
        api(inv, "purchase-orders"),
        json.dumps({"lines": [{"item_id": tape, "quantity": "5"}]}),
        content_type="application/json",
    )
    assert order.status_code == 201
    line = order.json()["lines"][0]["id"]
    got = owner.post(
        api(inv, f"purchase-orders/{order.json()['id']}/receive"),
        json.dumps({"lines": [{"line_id": line, "quantity": "5"}]}),
        content_type="application/json",
    )
    assert got.json()["status"] == "received"
    take = owner.post(api(inv, "stocktakes"), json.dumps({}), content_type="application/json").json()
    tape_line = next(x["id"] for x in take["lines"] if x["item_id"] == tape)
    posted = owner.post(
        api(inv, f"stocktakes/{take['id']}/post"),
        json.dumps({"counts": [{"line_id": tape_line, "counted": "10"}]}),
        content_type="application/json",
    )
    assert posted.json()["status"] == "posted"
    with scope(organization=inv.org.pk):
        assert selectors.on_hand(inv.clinic, Item.objects.get(sku="TAPE")) == 10


def test_api_isolation_and_permissions(inv, beta, login):
    with scope(organization=beta.org.pk):
        beta_item = Item.objects.create(organization=beta.org, name="Secret", sku="S")
    outsider = login(beta.owner)
    assert outsider.get(api(inv, "stock")).status_code == 404
    owner = login(inv.owner)
    bad = owner.post(
        api(inv, "receive"),
        json.dumps({"item_id": beta_item.pk, "quantity": "1"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    doctor = login(inv.practitioner)
    assert (
        doctor.post(
            api(inv, "receive"),
            json.dumps({"item_id": inv.gauze.pk, "quantity": "1"}),
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        doctor.post(
            api(inv, "items"), json.dumps({"name": "A", "sku": "A"}), content_type="application/json"
        ).status_code
        == 403
    )
    staff = login(inv.staff)
    assert staff.get(api(inv, "stock", clinic=inv.clinics[1])).status_code == 404
    with scope(organization=inv.org.pk):
        assert not StockMovement.objects.exists()
