"""The demo data reads in each clinic's language: the Berlin clinic's services, invoice lines, stock and
clinical history are German, the New York clinics' English. A German owner trying the product meets no
English label that the demo itself wrote."""

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from plugins.billing.models import InvoiceLine
from plugins.inventory.models import Item
from plugins.records.models import Encounter
from plugins.scheduling.models import Service

pytestmark = pytest.mark.django_db


def german(text: str) -> str:
    with translation.override("de"):
        translated = _(text)
    assert translated != text, f"no German for {text!r}"
    return translated


def test_the_berlin_clinic_offers_its_services_in_german():
    call_command("seed_demo")
    with scopes_disabled():
        beta = set(Service.objects.filter(clinic__slug="beta-central").values_list("name", flat=True))
        alpha = set(Service.objects.filter(clinic__slug="alpha-downtown").values_list("name", flat=True))
    assert german("Consultation") in beta and german("Follow-up visit") in beta
    assert "Consultation" in alpha and "Consultation" not in beta


def test_the_berlin_clinics_invoices_stock_and_history_read_german():
    call_command("seed_demo")
    with scopes_disabled():
        lines = set(
            InvoiceLine.objects.filter(invoice__clinic__slug="beta-central").values_list(
                "description", flat=True
            )
        )
        items = set(Item.objects.filter(organization__slug="beta-care").values_list("name", flat=True))
        reasons = set(Encounter.objects.filter(clinic__slug="beta-central").values_list("reason", flat=True))
    assert german("Consultation") in lines
    assert german("Syringe 5 ml") in items
    assert german("Blood pressure check") in reasons
