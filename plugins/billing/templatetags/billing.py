from decimal import Decimal

from django import template

from .. import formatting
from ..money import quantize

register = template.Library()


@register.filter
def money(amount, currency):
    if amount is None or amount == "":
        return ""
    return formatting.money(amount, currency)


@register.filter
def qty(value):
    return formatting.number(value)


@register.filter
def money_abs(amount, currency):
    """A ledger entry's size without its sign (the words around it say which way it went)."""
    if amount is None or amount == "":
        return ""
    return formatting.money(abs(amount), currency)


@register.filter
def day(value):
    """A date as every billing page writes it (``formatting.day``)."""
    return formatting.day(value)


@register.filter
def money_input(amount, currency):
    """An amount for a form field: the currency's minor units ("90.00"), not the stored "90.0000"."""
    if amount is None or amount == "":
        return ""
    return quantize(Decimal(amount), currency)
