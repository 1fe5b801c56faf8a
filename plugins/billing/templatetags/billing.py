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
