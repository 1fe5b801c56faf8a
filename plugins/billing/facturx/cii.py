"""The invoice as UN/CEFACT Cross Industry Invoice XML, profile EN 16931 (Factur-X "EN 16931"), written
from what was frozen on it at issue: seller and company billed, lines, tax breakdown and totals. Amounts
carry the currency's minor units; the XML's totals are the invoice's own, never computed anew."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lxml import etree

from ..models import Invoice
from ..money import as_text, quantize

PROFILE = "urn:cen.eu:en16931:2017"
INVOICE = "380"  # Commercial invoice (UNTDID 1001); the product's credit notes are documents of their own.
UNIT = "C62"  # "one" (UN/ECE Recommendation 20): clinics bill pieces and sessions.
DISCOUNT = "95"  # Allowance reason "Discount" (UNTDID 5189).

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def _el(parent, tag: str, text: str | None = None, **attributes) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent, tag: str, day) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def category(rate, exempt: bool) -> str:
    """VAT category (UNTDID 5305): E exempt, Z zero-rated, S standard (any positive rate)."""
    if exempt:
        return "E"
    return "Z" if Decimal(rate) == 0 else "S"


def _percent(rate) -> str:
    return format(Decimal(rate).quantize(Decimal("0.01")), "f")


def _quantity(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _tax(parent, code: str, rate, *, amount=None, basis=None, reason: str = "") -> None:
    """An ``ApplicableTradeTax``; elements in the order the schema fixes."""
    tax = _el(parent, "ram:ApplicableTradeTax")
    if amount is not None:
        _el(tax, "ram:CalculatedAmount", amount)
    _el(tax, "ram:TypeCode", "VAT")
    if reason:
        _el(tax, "ram:ExemptionReason", reason)
    if basis is not None:
        _el(tax, "ram:BasisAmount", basis)
    _el(tax, "ram:CategoryCode", code)
    _el(tax, "ram:RateApplicablePercent", _percent(rate))


def _party(parent, tag: str, *, name: str, postal: dict, registration: list | None) -> None:
    party = _el(parent, tag)
    if registration and registration[0] == "FC":
        # EN 16931 wants the seller identified by an id, a legal registration or a VAT number (BR-CO-26);
        # a seller registered by a tax office number only is identified by that number.
        _el(party, "ram:ID", registration[1])
    _el(party, "ram:Name", name)
    address = _el(party, "ram:PostalTradeAddress")
    if postal.get("postcode"):
        _el(address, "ram:PostcodeCode", postal["postcode"])
    lines = list(postal.get("lines") or [])
    # Three address lines in the schema: whatever is beyond goes on the third.
    lines = lines[:2] + [", ".join(lines[2:])] if len(lines) > 3 else lines
    for tag_name, line in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
        _el(address, tag_name, line)
    if postal.get("city"):
        _el(address, "ram:CityName", postal["city"])
    _el(address, "ram:CountryID", postal["country"])
    if registration:
        _el(_el(party, "ram:SpecifiedTaxRegistration"), "ram:ID", registration[1], schemeID=registration[0])


def _line(transaction, line, index: int, currency: str) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
    product = _el(item, "ram:SpecifiedTradeProduct")
    if line.reference:
        _el(product, "ram:SellerAssignedID", line.reference)
    _el(product, "ram:Name", line.description)
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    _el(
        _el(agreement, "ram:NetPriceProductTradePrice"),
        "ram:ChargeAmount",
        as_text(line.unit_price, currency, exact=True),
    )
    _el(
        _el(item, "ram:SpecifiedLineTradeDelivery"),
        "ram:BilledQuantity",
        _quantity(line.quantity),
        unitCode=UNIT,
    )
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, category(line.tax_rate, line.tax_exempt), line.tax_rate)
    if line.discount_percent:
        # The discount as a line allowance: quantity × price, less it, is the line's net amount.
        basis = quantize(Decimal(line.quantity) * Decimal(line.unit_price), currency)
        allowance = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:CalculationPercent", format(Decimal(line.discount_percent).normalize(), "f"))
        _el(allowance, "ram:BasisAmount", as_text(basis, currency))
        _el(allowance, "ram:ActualAmount", as_text(basis - Decimal(line.net_amount), currency))
        _el(allowance, "ram:ReasonCode", DISCOUNT)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", as_text(line.net_amount, currency))


def breakdown(invoice: Invoice) -> list[dict]:
    """The frozen tax breakdown by VAT category and rate (EN 16931 allows one row each; the invoice keeps
    one per tax rate name, so two names of one rate are added together)."""
    rows: dict[tuple[str, Decimal], dict] = defaultdict(lambda: {"net": Decimal(0), "tax": Decimal(0)})
    for row in invoice.tax_breakdown:
        key = (category(row["rate"], row.get("exempt", False)), Decimal(row["rate"]))
        rows[key]["net"] += Decimal(row["net"])
        rows[key]["tax"] += Decimal(row["tax"])
    return [{"category": code, "rate": rate, **sums} for (code, rate), sums in sorted(rows.items())]


def invoice_xml(invoice: Invoice) -> bytes:
    """The CII XML of an issued invoice that was frozen as a Factur-X one (``seller["facturx"]``)."""
    seller, company, details = invoice.seller, invoice.buyer["company"], invoice.seller["facturx"]
    currency = invoice.currency
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", INVOICE)
    _date(document, "ram:IssueDateTime", invoice.issue_date)
    for text in seller.get("legal_mentions", []):
        _el(_el(document, "ram:IncludedNote"), "ram:Content", text)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, line in enumerate(invoice.lines.all(), start=1):
        _line(transaction, line, index, currency)
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    _party(
        agreement,
        "ram:SellerTradeParty",
        name=seller["name"],
        postal=details["postal"],
        registration=details["tax_registration"],
    )
    buyer_postal = {
        "lines": [line.strip() for line in str(company.get("address", "")).splitlines() if line.strip()],
        "country": company["country"],
    }
    vat_id = company.get("vat_id")
    _party(
        agreement,
        "ram:BuyerTradeParty",
        name=company["name"],
        postal=buyer_postal,
        registration=["VA", vat_id] if vat_id else None,
    )
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    _date(_el(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", invoice.supply_date)
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", currency)
    for row in breakdown(invoice):
        _tax(
            settlement,
            row["category"],
            row["rate"],
            amount=as_text(row["tax"], currency),
            basis=as_text(row["net"], currency),
            reason=details["exemption_reason"] if row["category"] == "E" else "",
        )
    _date(_el(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:DueDateDateTime", invoice.due_date)
    paid = Decimal(invoice.paid_total)
    totals = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", as_text(invoice.net_total, currency))
    _el(totals, "ram:TaxBasisTotalAmount", as_text(invoice.net_total, currency))
    _el(totals, "ram:TaxTotalAmount", as_text(invoice.tax_total, currency), currencyID=currency)
    _el(totals, "ram:GrandTotalAmount", as_text(invoice.gross_total, currency))
    _el(totals, "ram:TotalPrepaidAmount", as_text(paid, currency))
    _el(totals, "ram:DuePayableAmount", as_text(Decimal(invoice.gross_total) - paid, currency))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
