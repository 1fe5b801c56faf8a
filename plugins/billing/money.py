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


def as_text(amount, currency: str, *, exact: bool = False) -> str:
    """``amount`` as a plain decimal string with ``currency``'s minor units ("12.50" for EUR, "1200" for
    JPY), the way the API shows money. ``exact`` keeps digits beyond them where the value has them (a unit
    price of 0.125 EUR stays "0.125")."""
    value = Decimal(str(amount))
    text = quantize(value, currency)
    if exact and text != value:
        text = value.normalize()
    if text == 0:
        text = abs(text)  # never "-0.00"
    return format(text, "f")
