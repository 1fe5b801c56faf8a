from django import template

from .. import formatting

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
