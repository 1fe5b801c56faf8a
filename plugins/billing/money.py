"""Money arithmetic: Decimal only, rounded half-up to the minor units of the currency (Babel's data)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

HUNDRED = Decimal(100)


def minor_units(currency: str) -> int:
    return get_currency_precision(currency or "USD")


def quantize(amount, currency: str) -> Decimal:
    """``amount`` rounded half-up to ``currency``'s minor units (2 for EUR, 0 for JPY, 3 for KWD)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)


def line_net(quantity, unit_price, discount_percent, currency: str) -> Decimal:
    gross = Decimal(quantity) * Decimal(unit_price)
    return quantize(gross * (HUNDRED - Decimal(discount_percent)) / HUNDRED, currency)


def tax_on(net, rate_percent, currency: str) -> Decimal:
    return quantize(Decimal(net) * Decimal(rate_percent) / HUNDRED, currency)
