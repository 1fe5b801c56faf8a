"""An invoice's totals: net, tax and the per-rate breakdown, added up from its lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ..models import Invoice, InvoiceLine
from ..money import quantize, tax_on


def totals_of(lines: Iterable[InvoiceLine], currency: str) -> tuple[Decimal, Decimal, list[dict]]:
    """Net, tax and the per-rate breakdown. Tax is computed once per rate on the sum of that rate's lines
    (the way a tax authority adds it up), so it can differ by a minor unit from the sum of line taxes."""
    groups: dict[tuple[str, Decimal, bool], Decimal] = defaultdict(Decimal)
    net = Decimal(0)
    for line in lines:
        net += line.net_amount
        groups[(line.tax_name, Decimal(line.tax_rate), line.tax_exempt)] += line.net_amount
    breakdown = []
    tax = Decimal(0)
    for (name, rate, exempt), group_net in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        group_tax = tax_on(group_net, rate, currency)
        tax += group_tax
        breakdown.append(
            {
                "name": name,
                "rate": str(rate.normalize()),
                "exempt": exempt,
                "net": str(group_net),
                "tax": str(group_tax),
            }
        )
    return quantize(net, currency), quantize(tax, currency), breakdown


def refresh_totals(invoice: Invoice) -> None:
    """Store the totals of the draft's lines as they now are (what it would be issued for)."""
    net, tax, breakdown = totals_of(list(invoice.lines.all()), invoice.currency)
    invoice.net_total, invoice.tax_total, invoice.gross_total = net, tax, net + tax
    invoice.tax_breakdown = breakdown
    invoice.balance = net + tax
    invoice.save(update_fields=["net_total", "tax_total", "gross_total", "tax_breakdown", "balance"])
