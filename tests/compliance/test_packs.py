"""Country packs load as data, name only known mentions and record classes, and check tax numbers with
python-stdnum."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.compliance.invoices import InvoiceFacts, check_invoice, missing_mentions
from core.compliance.packs import RECORD_CLASSES, Retention, all_packs, pack_for_country
from core.compliance.tax_ids import check_tax_id


def facts(**changes) -> InvoiceFacts:
    base = {
        "seller_name": "Praxis Dr. Weber",
        "seller_address": "Hauptstr. 1\n10115 Berlin",
        "seller_tax_id": "DE136695976",
        "buyer_name": "Erin Patient",
        "buyer_address": "Lindenweg 2\n10117 Berlin",
        "gross_total": Decimal("300.00"),
        "supply_date": date(2026, 12, 1),
        "due_date": date(2026, 12, 15),
        "has_exempt_lines": True,
        "language": "de",
    }
    return InvoiceFacts(**(base | changes))


def test_the_five_countries_ship_with_every_record_class():
    assert set(all_packs()) >= {"DE", "FR", "GB", "ES", "US"}
    for pack in all_packs().values():
        assert set(pack.retention) == set(RECORD_CLASSES), pack.country
        assert pack.tax_defaults and pack.numbering and pack.patient_rights.get("version")


@pytest.mark.parametrize(
    ("country", "valid", "invalid"),
    [
        ("DE", "DE136695976", "DE136695975"),
        ("DE", "21/815/08150", "21/815/0815"),
        ("FR", "732 829 320 00074", "732 829 320 00075"),
        ("FR", "FR40303265045", "FR41303265045"),
        ("GB", "GB980780684", "GB980780685"),
        ("ES", "B58378431", "B58378432"),
        ("US", "04-2103594", "07-1234567"),
    ],
)
def test_tax_numbers_are_checked_against_the_formats_the_country_accepts(country, valid, invalid):
    pack = pack_for_country(country)
    assert check_tax_id(pack, f" {valid} ") == valid
    with pytest.raises(ValidationError) as refused:
        check_tax_id(pack, invalid)
    assert invalid in refused.value.messages[0] and pack.tax_id_help in refused.value.messages[0]


def test_a_german_invoice_lacking_the_sellers_tax_number_or_the_patients_address_is_refused():
    de = pack_for_country("DE")
    assert missing_mentions(de, facts()) == []
    assert missing_mentions(de, facts(seller_tax_id="")) == ["seller_tax_id"]
    assert missing_mentions(de, facts(seller_tax_id="DE000000000")) == ["seller_tax_id"]
    assert missing_mentions(de, facts(buyer_address="")) == ["buyer_address"]
    # A small invoice (Kleinbetragsrechnung, up to 250 €) needs no address of the recipient.
    assert missing_mentions(de, facts(buyer_address="", gross_total=Decimal("250.00"))) == []
    with pytest.raises(ValidationError) as refused:
        check_invoice(de, facts(seller_tax_id="", buyer_address=""))
    message = refused.value.messages[0]
    assert "the seller's tax number" in message and "the patient's address" in message
    assert "Germany" in message


def test_a_french_invoice_carries_the_exemption_and_the_late_payment_indemnity():
    fr = pack_for_country("FR")
    mentions = check_invoice(fr, facts(seller_tax_id="73282932000074", language="fr"))
    assert mentions[0] == "TVA non applicable, article 261-4-1° du CGI."
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in mentions[1]
    # In the patient's language where the pack has it, the country's language otherwise.
    assert "€40" in check_invoice(fr, facts(seller_tax_id="73282932000074", language="en"))[1]
    assert "40 €" in check_invoice(fr, facts(seller_tax_id="73282932000074", language="ar"))[1]


def test_retention_runs_from_the_last_entry_or_the_end_of_its_year():
    assert Retention(10, "last_activity", "").kept_until(date(2020, 3, 5)) == date(2030, 3, 5)
    assert Retention(8, "end_of_year", "").kept_until(date(2020, 3, 5)) == date(2028, 12, 31)
    assert Retention(1, "last_activity", "").kept_until(date(2024, 2, 29)) == date(2025, 2, 28)


def test_only_a_pack_that_lists_them_asks_for_the_us_demographics():
    from core.compliance.packs import all_packs

    asking = {code for code, pack in all_packs().items() if pack.asked_demographics}
    assert asking == {"US"}
    assert all_packs()["US"].asked_demographics == ("race", "ethnicity", "birth_sex")
